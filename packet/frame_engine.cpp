#include "packet/frame_engine.hpp"

#include <optional>

#include <fmt/format.h>

#include "runtime/maps/percpu.hpp"

namespace ebpfjit::packet {

using engine_abi::ExecutionState;
using runtime::Interpreter;
using runtime::socket_filter_keep_bytes;
using runtime::tc_verdict;
using runtime::xdp_verdict;

namespace {

// Interpreter::run builds a fresh machine per call, so one instance serves every worker.
class InterpreterFrameEngine final : public FrameEngine {
public:
    explicit InterpreterFrameEngine(Interpreter& interpreter) : interpreter_(interpreter) {}

    Result<void> run_xdp(std::span<XdpBuffer> buffers, const XdpRxInfo& rx, std::span<XdpVerdict> out,
                         size_t& completed) const override {
        ExecutionState state = worker_state();
        XdpFrame frame = XdpFrame::borrowing();
        for (completed = 0; completed < buffers.size(); ++completed) {
            if (auto attached = frame.attach(buffers[completed], rx); !attached) return fail(attached.error());
            const auto regions = frame.regions();
            auto r0 = interpreter_.run(frame.ctx_address(), 0, regions, std::nullopt, state);
            frame.sync();
            if (!r0) return fail(r0.error());
            out[completed] = xdp_verdict(*r0, state.redirect);
        }
        return {};
    }

    Result<TcVerdict> run_tc(SkbPacket& skb) const override {
        auto ran = run_skb(skb);
        if (!ran) return fail(ran.error());
        return tc_verdict(ran->first, ran->second);
    }

    Result<uint32_t> run_socket_filter(SkbPacket& skb) const override {
        auto ran = run_skb(skb);
        if (!ran) return fail(ran.error());
        return socket_filter_keep_bytes(ran->first, skb.length());
    }

private:
    static ExecutionState worker_state() {
        ExecutionState state;
        state.cpu = maps::current_cpu();
        return state;
    }

    // LD_ABS / LD_IND read all `len` bytes of the skb.
    Result<std::pair<uint64_t, RedirectDecision>> run_skb(SkbPacket& skb) const {
        ExecutionState state = worker_state();
        const auto regions = skb.regions();
        const MemoryRegion packet{reinterpret_cast<uint64_t>(skb.bytes().data()), skb.length(), false};
        auto r0 = interpreter_.run(skb.ctx_address(), 0, regions, packet, state);
        if (!r0) return fail(r0.error());
        return std::pair{*r0, state.redirect};
    }

    Interpreter& interpreter_;
};

} // namespace

std::unique_ptr<FrameEngine> interpreter_frame_engine(Interpreter& interpreter) {
    return std::make_unique<InterpreterFrameEngine>(interpreter);
}

} // namespace ebpfjit::packet
