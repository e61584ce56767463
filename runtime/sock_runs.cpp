// Program handle runs of the cgroup socket types: CGROUP_SOCK_ADDR over an SockAddrCtx,
// CGROUP_SOCK over a SockCtx (include/ebpfjit/ebpfjit_sock_ctx.h). The ctx is the uapi
// struct itself (no rewrite: bpf_sock_addr.sk is 64 bits wide), so a run is the ctx as
// r1, the ctx writable and the socket behind `sk` read-only as its regions.
#include <fmt/format.h>

#include "runtime/maps/percpu.hpp"
#include "runtime/object_impl.hpp"

namespace ebpfjit {

namespace {

using engine_abi::ExecutionState;
using runtime::MemoryRegion;
using runtime::PreparedProgram;

MemoryRegion region(const void* p, size_t size, bool writable) {
    return MemoryRegion{reinterpret_cast<uint64_t>(p), size, writable};
}

Result<uint32_t> run_cgroup(const Program::State& program, ProgramType type, std::string_view run, uint64_t ctx,
                            std::span<const MemoryRegion> regions, const RunOptions& options) {
    const PreparedProgram& p = *program.prepared;
    if (p.spec().type != type)
        return fail(Error::plain(fmt::format("program '{}' is of type {}; {} cannot run it", p.spec().name,
                                             to_string(p.spec().type), run)));
    auto engine = p.pick(options.engine);
    if (!engine) return fail(engine.error());
    ExecutionState state;
    state.cpu = maps::current_cpu();
    state.network = program.network.get();
    state.sockets = program.sockets ? program.sockets->get() : nullptr;
    auto r0 = p.run(*engine, ctx, 0, regions, std::nullopt, state);
    if (!r0) return fail(p.locate(r0.error()));
    return uint32_t(*r0); // the verifier proved the range (0..1, 1, or 0..3 for bind)
}

} // namespace

AttachType Program::attach_type() const { return state_->prepared->spec().attach; }

Result<uint32_t> Program::run_sock_addr(SockAddrCtx& ctx, const RunOptions& options) const {
    ctx.addr.sk = &ctx.sock;
    ctx.bind_len = 0;
    const std::array regions{region(&ctx.addr, sizeof ctx.addr, true), region(&ctx.sock, sizeof ctx.sock, false)};
    return run_cgroup(*state_, ProgramType::CgroupSockAddr, "run_sock_addr", reinterpret_cast<uint64_t>(&ctx.addr),
                      regions, options);
}

Result<uint32_t> Program::run_sock(SockCtx& ctx, const RunOptions& options) const {
    const std::array regions{region(&ctx.sock, sizeof ctx.sock, true)};
    return run_cgroup(*state_, ProgramType::CgroupSock, "run_sock", reinterpret_cast<uint64_t>(&ctx.sock), regions,
                      options);
}

} // namespace ebpfjit
