// A burst of XDP runs over the embedder's buffers, in place (issue 18 item 4): no copy
// in or out, and everything per program set up once per burst (engine choice, the run
// scope or the lean call's status, the eBPF stack level, the rx fields of the ctx, the
// regions). One borrowing XdpFrame serves the burst: its ctx is r1 for every run, so per
// frame the work is the buffer's check, the native call, the verdict, and of the general
// loop's four stores pointing the frame at the buffer and three writing the bounds back
// only those the program's plan needs (runtime/xdp_burst_plan.hpp: decided when it was
// prepared; one loop per plan, chosen once per burst).
#include "runtime/xdp_buffer_burst.hpp"

#include <cassert>

#include <fmt/format.h>

#include "runtime/maps/percpu.hpp"
#include "runtime/prepared_program.hpp"
#include "runtime/run/run_scope.hpp"

namespace ebpfjit::runtime {

namespace {

// The buffer's region for checked code and the interpreter: all of it, writable.
MemoryRegion buffer_region(const XdpBuffer& b) {
    return MemoryRegion{reinterpret_cast<uint64_t>(b.base), b.capacity, true};
}

// The lean path's eBPF stack level, taken for the burst and given back at its end.
class BurstStack {
public:
    explicit BurstStack(bool wanted) : nested_(engine_abi::ExecutionState::current() != nullptr) {
        if (wanted) top_ = EbpfStacks::enter(nested_), taken_ = top_ != nullptr;
    }
    ~BurstStack() {
        if (taken_) EbpfStacks::leave(nested_);
    }
    BurstStack(const BurstStack&) = delete;
    BurstStack& operator=(const BurstStack&) = delete;
    uint8_t* top() const { return top_; }

private:
    bool nested_;
    bool taken_ = false;
    uint8_t* top_ = nullptr;
};

// The frame's action from r0, as xdp_verdict (runtime/context/verdict.hpp): XDP_ABORTED to
// XDP_TX are themselves, XDP_REDIRECT only with a target set, anything else aborts.
[[gnu::always_inline]] inline XdpAction action_of(uint32_t returned, bool redirect_set) {
    if (returned <= uint32_t(XdpAction::Tx)) [[likely]]
        return XdpAction(returned);
    return returned == uint32_t(XdpAction::Redirect) && redirect_set ? XdpAction::Redirect : XdpAction::Aborted;
}

// xdp_verdict written field by field into the caller's slot: a verdict built on the stack
// and copied out is reloaded in 16-byte pieces right after its narrower stores, and that
// stall on store forwarding was the largest part of a frame's cost. `no_redirect`: code
// that cannot redirect (lean code: none of its helpers touches the run state) leaves the
// redirect at its default without reading any decision.
struct PutVerdict {
    std::span<XdpVerdict> out;
    [[gnu::always_inline]] void operator()(size_t i, uint64_t r0, const RedirectDecision& redirect) const {
        XdpVerdict& v = out[i];
        const auto returned = uint32_t(r0);
        v.action = action_of(returned, redirect.set);
        v.returned = returned;
        if (returned == uint32_t(XdpAction::Redirect)) [[unlikely]]
            v.redirect = redirect;
        else
            v.redirect = RedirectDecision{};
    }
    [[gnu::always_inline]] void no_redirect(size_t i, uint64_t r0) const {
        XdpVerdict& v = out[i];
        const auto returned = uint32_t(r0);
        v.action = action_of(returned, false);
        v.returned = returned;
        v.redirect = RedirectDecision{};
    }
};

// The C API's result (ebpfjit.h), as its to_c of a verdict gives it.
struct PutCResult {
    std::span<ebpfjit_xdp_result> out;
    [[gnu::always_inline]] void operator()(size_t i, uint64_t r0, const RedirectDecision& redirect) const {
        ebpfjit_xdp_result& c = out[i];
        const auto returned = uint32_t(r0);
        const XdpAction action = action_of(returned, redirect.set);
        c.action = uint32_t(action);
        c.r0 = returned;
        const bool redirected = action == XdpAction::Redirect;
        c.redirect_port = redirected ? redirect.ifindex : 0;
        c.redirect_flags = redirected ? redirect.flags : 0;
    }
    [[gnu::always_inline]] void no_redirect(size_t i, uint64_t r0) const {
        ebpfjit_xdp_result& c = out[i];
        const auto returned = uint32_t(r0);
        c.action = uint32_t(action_of(returned, false));
        c.r0 = returned;
        c.redirect_port = 0;
        c.redirect_flags = 0;
    }
};

using Bounds = XdpBurstPlan::Bounds;

// The per-frame part of the plan (runtime/xdp_burst_plan.hpp): before the run, what of
// the frame the code and its helpers read; after it, the bounds if they may have moved.
template <Bounds B>
[[gnu::always_inline]] inline void before_run(XdpFrame& frame, XdpBuffer& b) {
    if constexpr (B == Bounds::Packet) frame.point_packet_at(b);
    else if constexpr (B != Bounds::None) frame.point_at(b);
}
template <Bounds B>
[[gnu::always_inline]] inline void after_run(const XdpFrame& frame, XdpBuffer& b) {
    if constexpr (B == Bounds::FrameAndBack) frame.store_bounds(b);
}

// The frames of a burst through lean code, one loop per plan and status use (chosen once
// per burst by lean_burst); the index of the first frame not run comes back (n after a
// clean burst). `kStatus`: the code uses its RunStatus (LeanEntry::status), so each run
// gets the status, its budget, and its fault tested; stackless code gets a null status
// and cannot fault (builds with assertions pass one and check it stays untouched, as
// run_lean_stackless does).
// `put` comes by value: its span stays in registers across the native call (through a
// reference it is reloaded after every call, which might have written it).
template <Bounds B, bool kStatus, class Put>
[[gnu::noinline]] size_t lean_frames(engine_abi::EntryFn entry, uint64_t budget, LeanCall& call, XdpFrame& frame,
                                     std::span<XdpBuffer> buffers, const Put put) {
#ifdef NDEBUG
    constexpr bool kPassStatus = kStatus;
#else
    constexpr bool kPassStatus = true;
#endif
    engine_abi::RunStatus* const status = kPassStatus ? call.code_status() : nullptr;
    const uint64_t ctx = frame.ctx_address();
    const size_t n = buffers.size();
    size_t i = 0;
    for (; i < n; ++i) {
        XdpBuffer& b = buffers[i];
        if (!XdpFrame::valid(b)) [[unlikely]]
            break;
        before_run<B>(frame, b);
        if constexpr (kStatus)
            if (budget != 0) call.start(budget);
        const uint64_t r0 = entry(ctx, 0, nullptr, 0, status);
        after_run<B>(frame, b);
        if constexpr (kStatus) {
            if (!call.ok()) [[unlikely]]
                break;
        } else {
            assert(call.ok() && "stackless lean code wrote its RunStatus: jit::run_needs is wrong");
        }
        put.no_redirect(i, r0);
    }
    return i;
}

template <bool kStatus, class Put>
size_t lean_burst(Bounds bounds, engine_abi::EntryFn entry, uint64_t budget, LeanCall& call, XdpFrame& frame,
                  std::span<XdpBuffer> buffers, const Put& put) {
    switch (bounds) {
    case Bounds::None: return lean_frames<Bounds::None, kStatus>(entry, budget, call, frame, buffers, put);
    case Bounds::Packet: return lean_frames<Bounds::Packet, kStatus>(entry, budget, call, frame, buffers, put);
    case Bounds::Frame: return lean_frames<Bounds::Frame, kStatus>(entry, budget, call, frame, buffers, put);
    case Bounds::FrameAndBack: break;
    }
    return lean_frames<Bounds::FrameAndBack, kStatus>(entry, budget, call, frame, buffers, put);
}

} // namespace

template <class Put>
Result<void> PreparedProgram::run_lean_buffers(std::span<XdpBuffer> buffers, const XdpRxInfo& rx, Put put,
                                               size_t& done, const XdpBurstPlan& plan) const {
    const LeanEntry& lean = lean_native_;
    // No helper of lean code reads the run state or sets a redirect, so the burst has no
    // ExecutionState at all, and the status's fault stays None until a run faults (which
    // ends the burst).
    XdpFrame frame = XdpFrame::borrowing();
    frame.set_rx(rx);
    BurstStack stack(lean.stack);
    LeanCall call;
    call.start(lean.budget);
    if (lean.stack) {
        if (stack.top() == nullptr) [[unlikely]] {
            done = 0;
            return fail(no_stack_error());
        }
        call.set_stack_top(stack.top());
    }
    const size_t i = lean.status ? lean_burst<true>(plan.bounds, lean.entry, lean.budget, call, frame, buffers, put)
                                : lean_burst<false>(plan.bounds, lean.entry, lean.budget, call, frame, buffers, put);
    done = i;
    if (i == buffers.size()) [[likely]]
        return {};
    if (!call.ok()) return fail(lean_error(lean, call));
    return fail(XdpFrame::invalid(buffers[i]));
}

template <class Put>
Result<void> PreparedProgram::run_xdp_buffers(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                              Put put, engine_abi::ExecutionState& state, size_t& done,
                                              const XdpBurstPlan& plan) const {
    done = 0;
    XdpFrame frame = XdpFrame::borrowing();
    frame.set_rx(rx);
    const uint64_t ctx = frame.ctx_address();
    const size_t n = buffers.size();

    // The interpreter and scoped code run the general loop (they check against regions,
    // and scoped code's helpers may redirect); lean code runs the plan's.
    if (engine == Engine::Interpreter) {
        std::array<MemoryRegion, 3> regions = frame.regions(); // [2], the buffer, changes per frame
        for (; done < n; ++done) {
            XdpBuffer& b = buffers[done];
            if (!XdpFrame::valid(b)) [[unlikely]]
                return fail(XdpFrame::invalid(b));
            frame.point_at(b);
            regions[2] = buffer_region(b);
            auto r0 = interpreter_->run(ctx, 0, regions, std::nullopt, state);
            frame.store_bounds(b);
            if (!r0) [[unlikely]]
                return fail(r0.error());
            put(done, *r0, state.redirect);
        }
        return {};
    }
    if (!native_) return fail(pick(engine).error());

    if (lean_native_) {
        state.redirect = {}; // what the caller's state says of a lean burst: no redirect
        return run_lean_buffers(buffers, rx, put, done, plan);
    }

    std::array<MemoryRegion, 3> regions = frame.regions();
    RunScope scope(*native_, state);
    size_t i = 0;
    std::optional<Error> fault;
    for (; i < n; ++i) {
        XdpBuffer& b = buffers[i];
        if (!XdpFrame::valid(b)) [[unlikely]]
            break;
        frame.point_at(b);
        regions[2] = buffer_region(b);
        auto r0 = scope.run_next(ctx, regions);
        frame.store_bounds(b);
        if (!r0) [[unlikely]] {
            fault = std::move(r0.error());
            break;
        }
        put(i, *r0, state.redirect);
    }
    done = i;
    if (i == n) [[likely]]
        return {};
    if (fault) return fail(std::move(*fault));
    return fail(XdpFrame::invalid(buffers[i]));
}

Result<void> PreparedProgram::run_xdp_burst(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                            std::span<XdpVerdict> out, engine_abi::ExecutionState& state, size_t& done,
                                            const XdpBurstPlan& plan) const {
    return run_xdp_buffers(engine, buffers, rx, PutVerdict{out}, state, done, plan);
}

Result<void> PreparedProgram::run_xdp_burst(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                            std::span<ebpfjit_xdp_result> out, engine_abi::ExecutionState& state,
                                            size_t& done, const XdpBurstPlan& plan) const {
    return run_xdp_buffers(engine, buffers, rx, PutCResult{out}, state, done, plan);
}

Result<void> PreparedProgram::run_xdp_burst_lean(std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                                 std::span<XdpVerdict> out, size_t& done,
                                                 const XdpBurstPlan& plan) const {
    return run_lean_buffers(buffers, rx, PutVerdict{out}, done, plan);
}

Result<void> PreparedProgram::run_xdp_burst_lean(std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                                 std::span<ebpfjit_xdp_result> out, size_t& done,
                                                 const XdpBurstPlan& plan) const {
    return run_lean_buffers(buffers, rx, PutCResult{out}, done, plan);
}

namespace {

template <class Result_>
Result<void> buffer_burst(const Program::State& program, std::span<XdpBuffer> buffers, std::span<Result_> out,
                          const XdpRxInfo& rx, std::optional<Engine> requested, size_t& completed, bool& frame_fault) {
    const PreparedProgram& p = *program.prepared;
    completed = 0;
    frame_fault = false;
    if (p.spec().type != ProgramType::Xdp) [[unlikely]]
        return fail(p.locate(Error::plain(fmt::format("program '{}' is of type {}; run_xdp cannot run it",
                                                      p.spec().name, to_string(p.spec().type)))));
    if (out.size() < buffers.size()) [[unlikely]]
        return fail(Error::plain(fmt::format("run_xdp_burst: {} buffers but room for {} results", buffers.size(),
                                             out.size())));
    auto engine = p.pick(requested);
    if (!engine) [[unlikely]]
        return fail(engine.error());
    auto ran = [&] {
        // Lean code reads no run state: its burst makes none (zeroing one is a measurable
        // share of a burst of 32 frames).
        if (*engine == Engine::Jit && p.lean_native()) [[likely]]
            return p.run_xdp_burst_lean(buffers, rx, out, completed, p.xdp_burst_plan());
        // The per-run state every run of a Program gets (runtime/program_runs.cpp's worker_state).
        engine_abi::ExecutionState state;
        state.cpu = maps::current_cpu();
        state.network = program.network.get();
        state.sockets = program.sockets ? program.sockets->get() : nullptr;
        return p.run_xdp_burst(*engine, buffers, rx, out, state, completed, p.xdp_burst_plan());
    }();
    if (ran) [[likely]]
        return {};
    frame_fault = true;
    return fail(p.locate(std::move(ran.error())));
}

} // namespace

Result<void> run_xdp_buffers(const Program::State& program, std::span<XdpBuffer> buffers, std::span<XdpVerdict> out,
                             const XdpRxInfo& rx, std::optional<Engine> engine, size_t& completed, bool& frame_fault) {
    return buffer_burst(program, buffers, out, rx, engine, completed, frame_fault);
}

Result<void> run_xdp_buffers(const Program::State& program, std::span<XdpBuffer> buffers,
                             std::span<ebpfjit_xdp_result> out, const XdpRxInfo& rx, std::optional<Engine> engine,
                             size_t& completed, bool& frame_fault) {
    return buffer_burst(program, buffers, out, rx, engine, completed, frame_fault);
}

} // namespace ebpfjit::runtime
