// Program handle runs: mem, XDP (single and burst), tc and socket filter. Each run sets
// the worker's ExecutionState (per-CPU slot from maps::current_cpu(), redirect decision
// out) and turns r0 into the program type's verdict.
#include <type_traits>

#include <fmt/format.h>

#include "ebpfjit/limits.hpp"
#include "runtime/context/skb_socket.hpp"
#include "runtime/context/verdict.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/object_impl.hpp"
#include "runtime/xdp_buffer_burst.hpp"

namespace ebpfjit {

namespace {

using engine_abi::ExecutionState;
using runtime::MemoryRegion;
using runtime::PreparedProgram;

Result<void> expect_type(const PreparedProgram& p, std::initializer_list<ProgramType> types, std::string_view run) {
    for (ProgramType t : types)
        if (p.spec().type == t) return {};
    return fail(Error::plain(fmt::format("program '{}' is of type {}; {} cannot run it", p.spec().name,
                                         to_string(p.spec().type), run)));
}

Error located(Error e, const PreparedProgram& p) { return p.locate(std::move(e)); }

const SocketTable* sockets_of(const Program::State& s) { return s.sockets ? s.sockets->get() : nullptr; }

// The per-run state the slow paths hand the engine: the embedder's network and sockets.
ExecutionState worker_state(const Program::State& program) {
    ExecutionState state;
    state.cpu = maps::current_cpu();
    state.network = program.network.get();
    state.sockets = sockets_of(program);
    return state;
}

MemoryRegion region_of(std::span<uint8_t> bytes, bool writable) {
    return MemoryRegion{reinterpret_cast<uint64_t>(bytes.data()), bytes.size(), writable};
}

} // namespace

const std::string& Program::name() const { return state_->prepared->spec().name; }
const std::string& Program::section() const { return state_->prepared->spec().section; }
ProgramType Program::type() const { return state_->prepared->spec().type; }
Engine Program::engine() const { return state_->prepared->engine(); }
bool Program::has_jit() const { return state_->prepared->has_native(); }
const std::string& Program::verifier_log() const { return state_->prepared->verifier_log(); }

namespace {

[[gnu::cold]] Error oversized_mem(size_t size) {
    return Error::plain(fmt::format("the buffer of {} bytes is larger than a mem program may run over ({} bytes)",
                                    size, kMaxMemSize));
}

// A lean run's fault (cold: no run builds an Error).
[[gnu::cold, gnu::noinline]] Result<uint64_t> lean_failure(const Program::State& program,
                                                           const runtime::LeanCall& call) {
    return fail(located(runtime::lean_error(program.lean_mem, call), *program.prepared));
}

// Program::run(mem) but its inline path (stackless lean code): oversized buffers, lean code
// that uses its RunStatus (r10, an unreachable-code trap), other engines, scoped runs. Out
// of line, so that the fast path saves no register for them.
[[gnu::noinline]] Result<uint64_t> run_mem(const Program::State& program, std::span<uint8_t> mem,
                                           const RunOptions& options) {
    if (mem.size() > kMaxMemSize) [[unlikely]] // the verifier's proofs assume no more
        return fail(located(oversized_mem(mem.size()), *program.prepared));
    const runtime::LeanEntry& lean = program.lean_mem;
    if (lean && options.engine.value_or(Engine::Jit) == Engine::Jit) {
        if (!lean.status)
            return runtime::run_lean_stackless(lean, reinterpret_cast<uint64_t>(mem.data()), mem.size(), mem.data(),
                                               mem.size());
        runtime::LeanCall call;
        const uint64_t r0 = runtime::enter_lean_stack(lean, reinterpret_cast<uint64_t>(mem.data()), mem.size(),
                                                      mem.data(), mem.size(), call);
        if (call.ok()) [[likely]]
            return r0;
        return lean_failure(program, call);
    }
    const PreparedProgram& p = *program.prepared;
    if (auto ok = expect_type(p, {ProgramType::Mem}, "a run over raw memory"); !ok) return fail(ok.error());
    auto engine = p.pick(options.engine);
    if (!engine) return fail(engine.error());
    const MemoryRegion input = region_of(mem, true);
    ExecutionState state = worker_state(program);
    auto r0 = p.run(*engine, input.start, input.size, std::span(&input, 1), input, state);
    if (!r0) return fail(located(r0.error(), p));
    return r0;
}

} // namespace

Program::Program(const State* state) : state_(state), c_entry_(state->lean_mem.c_entry) {
    static_assert(std::is_same_v<CEntry, engine_abi::CEntryFn>, "Program's C entry is the engine's CEntryFn");
}

Result<uint64_t> Program::run_mem_other(std::span<uint8_t> mem, const RunOptions& options) const {
    // Stackless lean code without a C entry (longer than jit::kCEntryMaxSlots): one native
    // call, the Result built in the caller's slot (runtime/run/lean_run.hpp). Everything
    // else, the oversized buffer included, is out of line again (run_mem), so that this
    // path saves only the register of the Result's address.
    if (const runtime::LeanEntry& lean = state_->lean_mem;
        lean && !lean.status && mem.size() <= kMaxMemSize && options.engine.value_or(Engine::Jit) == Engine::Jit)
        [[likely]]
        return runtime::run_lean_stackless(lean, reinterpret_cast<uint64_t>(mem.data()), mem.size(), mem.data(),
                                           mem.size());
    return run_mem(*state_, mem, options);
}

Result<uint64_t> Program::run(uint64_t r1, uint64_t r2, std::span<const Region> regions,
                              const RunOptions& options) const {
    const PreparedProgram& p = *state_->prepared;
    auto engine = p.pick(options.engine);
    if (!engine) return fail(engine.error());
    std::vector<MemoryRegion> converted;
    converted.reserve(regions.size());
    for (const Region& r : regions) converted.push_back({reinterpret_cast<uint64_t>(r.data), r.size, r.writable});
    ExecutionState state = worker_state(*state_);
    auto r0 = p.run(*engine, r1, r2, converted, std::nullopt, state);
    if (!r0) return fail(located(r0.error(), p));
    return r0;
}

Result<XdpResult> Program::run_xdp(XdpFrame& frame, const RunOptions& options) const {
    XdpFrame* frames[1] = {&frame};
    XdpResult result;
    if (auto ran = run_xdp_burst(frames, std::span(&result, 1), options); !ran) return fail(ran.error());
    return result;
}

namespace {

// The per-burst work (type check, engine choice, per-CPU slot) is done once; each frame
// costs one engine entry plus the verdict. `frame_fault`: the error is about frame
// `completed` (else about the call itself).
Result<void> xdp_burst(const Program::State& program, std::span<XdpFrame* const> frames, std::span<XdpResult> out,
                       const RunOptions& options, size_t& completed, bool& frame_fault) {
    const PreparedProgram& p = *program.prepared;
    completed = 0;
    frame_fault = false;
    if (auto ok = expect_type(p, {ProgramType::Xdp}, "run_xdp"); !ok) return fail(ok.error());
    if (out.size() < frames.size())
        return fail(Error::plain(fmt::format("run_xdp_burst: {} frames but room for {} results", frames.size(),
                                             out.size())));
    auto engine = p.pick(options.engine);
    if (!engine) return fail(engine.error());
    ExecutionState state = worker_state(program);
    auto ran = p.run_xdp_burst(*engine, frames, out, state, completed);
    if (ran) return {};
    frame_fault = true;
    return fail(located(ran.error(), p));
}

} // namespace

Result<void> Program::run_xdp_burst(std::span<XdpFrame* const> frames, std::span<XdpResult> out,
                                    const RunOptions& options) const {
    size_t completed = 0;
    bool frame_fault = false;
    auto ran = xdp_burst(*state_, frames, out, options, completed, frame_fault);
    if (ran || !frame_fault) return ran;
    Error e = std::move(ran.error());
    e.message = fmt::format("frame {}: {}", completed, e.message);
    return fail(std::move(e));
}

// A frame's fault comes back without the frame's index: `completed` is it.
Result<void> Program::run_xdp_burst(std::span<XdpFrame* const> frames, std::span<XdpResult> out,
                                    size_t& completed, const RunOptions& options) const {
    bool frame_fault = false;
    return xdp_burst(*state_, frames, out, options, completed, frame_fault);
}

Result<XdpResult> Program::run_xdp(XdpBuffer& buffer, const XdpRxInfo& rx, const RunOptions& options) const {
    XdpResult result;
    if (auto ran = run_xdp_burst(std::span(&buffer, 1), std::span(&result, 1), rx, options); !ran)
        return fail(ran.error());
    return result;
}

Result<void> Program::run_xdp_burst(std::span<XdpBuffer> buffers, std::span<XdpResult> out, const XdpRxInfo& rx,
                                    const RunOptions& options) const {
    size_t completed = 0;
    bool frame_fault = false;
    auto ran = runtime::run_xdp_buffers(*state_, buffers, out, rx, options.engine, completed, frame_fault);
    if (ran || !frame_fault) return ran;
    Error e = std::move(ran.error());
    e.message = fmt::format("frame {}: {}", completed, e.message);
    return fail(std::move(e));
}

Result<void> Program::run_xdp_burst(std::span<XdpBuffer> buffers, std::span<XdpResult> out, size_t& completed,
                                    const XdpRxInfo& rx, const RunOptions& options) const {
    bool frame_fault = false;
    return runtime::run_xdp_buffers(*state_, buffers, out, rx, options.engine, completed, frame_fault);
}

namespace {

// tc and socket filters share the skb run; LD_ABS / LD_IND read all `len` bytes.
Result<std::pair<uint64_t, ExecutionState>> run_skb(const Program::State& program, SkbPacket& skb, Engine engine) {
    const PreparedProgram& p = *program.prepared;
    const auto skb_regions = skb.regions();
    std::vector<MemoryRegion> regions(skb_regions.begin(), skb_regions.end());
    const MemoryRegion packet = region_of(skb.bytes(), false);
    ExecutionState state = worker_state(program);
    if (auto sk = runtime::attach_skb_socket(skb, state)) regions.push_back(*sk);
    auto r0 = p.run(engine, skb.ctx_address(), 0, regions, packet, state);
    skb.ctx()->uapi.sk = nullptr; // the run's hold on the socket ends here
    if (!r0) return fail(located(r0.error(), p));
    return std::pair{*r0, state};
}

} // namespace

Result<TcResult> Program::run_tc(SkbPacket& skb, const RunOptions& options) const {
    const PreparedProgram& p = *state_->prepared;
    if (auto ok = expect_type(p, {ProgramType::SchedCls}, "run_tc"); !ok) return fail(ok.error());
    auto engine = p.pick(options.engine);
    if (!engine) return fail(engine.error());
    auto ran = run_skb(*state_, skb, *engine);
    if (!ran) return fail(ran.error());
    return runtime::tc_verdict(ran->first, ran->second.redirect);
}

Result<uint32_t> Program::run_socket_filter(SkbPacket& skb, const RunOptions& options) const {
    const PreparedProgram& p = *state_->prepared;
    if (auto ok = expect_type(p, {ProgramType::SocketFilter}, "run_socket_filter"); !ok) return fail(ok.error());
    auto engine = p.pick(options.engine);
    if (!engine) return fail(engine.error());
    auto ran = run_skb(*state_, skb, *engine);
    if (!ran) return fail(ran.error());
    return runtime::socket_filter_keep_bytes(ran->first, skb.length());
}

} // namespace ebpfjit
