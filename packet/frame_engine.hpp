// What the packet runner needs from an engine: the typed runs of runtime/context/, each
// with its program type's context, packet and verdict conventions:
//
//   XDP            a burst of XdpBuffers ──► XdpVerdict per frame (action, redirect port)
//   tc / sched_cls one SkbPacket        ──► TcVerdict (TC_ACT_* code, redirect port)
//   socket filter  one SkbPacket        ──► bytes to keep (LD_ABS / LD_IND read the skb)
//
// One virtual call per burst (XDP) or per skb; the per-frame work stays inside the engine.
// Every method may be called from several worker threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "ebpfjit/error.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "runtime/context/verdict.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/interpreter.hpp"

namespace ebpfjit::packet {

class FrameEngine {
public:
    virtual ~FrameEngine() = default;

    // out[i] = the verdict on buffers[i], run in place (zero copy: ebpfjit/xdp_buffer.hpp;
    // each buffer's bounds come back as the program left them), every frame's ingress
    // `rx` (out.size() >= buffers.size()). On a fault, the Error, with `completed` = the
    // index of the frame that faulted (verdicts before it are in `out`); otherwise
    // completed = buffers.size().
    virtual Result<void> run_xdp(std::span<XdpBuffer> buffers, const XdpRxInfo& rx, std::span<XdpVerdict> out,
                                 size_t& completed) const = 0;
    virtual Result<TcVerdict> run_tc(SkbPacket& skb) const = 0;
    // Socket filters: the number of bytes to keep (0 drops), at most skb.length().
    virtual Result<uint32_t> run_socket_filter(SkbPacket& skb) const = 0;
};

// The reference interpreter as a frame engine. `interpreter` must run a program whose
// ctx accesses went through rewrite_ctx_access, and outlive the engine. Each run gets
// the calling worker's per-CPU slot.
std::unique_ptr<FrameEngine> interpreter_frame_engine(runtime::Interpreter& interpreter);

} // namespace ebpfjit::packet
