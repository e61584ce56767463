// An Object's program as a frame engine for the packet runner.
#pragma once

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/packet/frame_engine.hpp"

namespace ebpfjit::runtime::packet {

// Runs `program` (on the engine its Object chose) with r1 = ctx. The Object API's
// Program::run(r1, r2, regions) takes no LD_ABS packet and returns no redirect decision
// or per-CPU slot yet: socket filters' LD_ABS and XDP_REDIRECT ports need that overload.
FrameEngine program_frame_engine(const ebpfjit::Program& program, RunOptions options = {});

} // namespace ebpfjit::runtime::packet
