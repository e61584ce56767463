// The one thing the packet runner needs from an engine: run the program once on a context
// the runner prepared, and say what it returned and where bpf_redirect* sent the frame.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "ebpfjit/error.hpp"
#include "runtime/execution_state.hpp"
#include "runtime/interpreter.hpp"

namespace ebpfjit::runtime::packet {

struct FrameRun {
    uint64_t r0 = 0;
    RedirectDecision redirect;
};

// ctx: the program's r1 (an XdpFrame's or SkbPacket's host ctx); regions: the memory it
// may touch; packet: what LD_ABS/LD_IND read (socket filters), else empty. Called from
// several worker threads at once.
using FrameEngine = std::function<Result<FrameRun>(
    uint64_t ctx, std::span<const MemoryRegion> regions, std::span<const uint8_t> packet)>;

// The reference interpreter as a frame engine. `interpreter` must run a program whose
// ctx accesses went through rewrite_ctx_access, and outlive the engine. Each run gets
// the calling worker's per-CPU slot.
FrameEngine interpreter_frame_engine(Interpreter& interpreter);

} // namespace ebpfjit::runtime::packet
