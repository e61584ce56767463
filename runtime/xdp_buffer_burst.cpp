// A burst of XDP runs over the embedder's buffers, in place (issue 18 item 4): no copy
// in or out, and everything per program set up once per burst (engine choice, the run
// scope or the lean call's status, the eBPF stack level, the rx fields of the ctx, the
// regions). One borrowing XdpFrame serves the burst: its ctx is r1 for every run, so per
// frame the work is the buffer's check, four stores to point the frame at it, the native
// call, three stores to write the bounds back and the verdict.
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
    explicit BurstStack(bool wanted) : nested_(ExecutionState::current() != nullptr) {
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

} // namespace

Result<void> PreparedProgram::run_xdp_burst(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                            std::span<XdpVerdict> out, ExecutionState& state, size_t& done) const {
    done = 0;
    XdpFrame frame = XdpFrame::borrowing();
    frame.set_rx(rx);
    const uint64_t ctx = frame.ctx_address();
    std::array<MemoryRegion, 3> regions = frame.regions(); // [2], the buffer, changes per frame
    const size_t n = buffers.size();

    if (engine == Engine::Interpreter) {
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
            out[done] = xdp_verdict(*r0, state.redirect);
        }
        return {};
    }
    if (!native_) return fail(pick(engine).error());

    if (const LeanEntry& lean = lean_native_) {
        // No helper of lean code reads the run state or sets a redirect: one reset serves
        // the burst, and the status's fault stays None until a run faults (which ends it).
        state.redirect = {};
        BurstStack stack(lean.stack);
        LeanCall call;
        call.start(lean.budget);
        if (lean.stack) {
            if (stack.top() == nullptr) [[unlikely]]
                return fail(no_stack_error());
            call.set_stack_top(stack.top());
        }
        const jit::EntryFn entry = lean.entry;
        const uint64_t budget = lean.budget;
        for (; done < n; ++done) {
            XdpBuffer& b = buffers[done];
            if (!XdpFrame::valid(b)) [[unlikely]]
                return fail(XdpFrame::invalid(b));
            frame.point_at(b);
            if (budget != 0) call.start(budget);
            const uint64_t r0 = entry(ctx, 0, nullptr, 0, call.code_status());
            frame.store_bounds(b);
            if (!call.ok()) [[unlikely]]
                return fail(lean_error(lean, call));
            out[done] = xdp_verdict(r0, state.redirect);
        }
        return {};
    }

    RunScope scope(*native_, state);
    for (; done < n; ++done) {
        XdpBuffer& b = buffers[done];
        if (!XdpFrame::valid(b)) [[unlikely]]
            return fail(XdpFrame::invalid(b));
        frame.point_at(b);
        regions[2] = buffer_region(b);
        auto r0 = scope.run_next(ctx, regions);
        frame.store_bounds(b);
        if (!r0) [[unlikely]]
            return fail(r0.error());
        out[done] = xdp_verdict(*r0, state.redirect);
    }
    return {};
}

} // namespace ebpfjit::runtime
