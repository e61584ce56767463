// An Object's program as a frame engine for the packet runner: its typed entry points
// (Program::run_xdp_burst, run_tc, run_socket_filter) on the engine `options` names.
#pragma once

#include <memory>

#include "ebpfjit/ebpfjit.hpp"
#include "packet/frame_engine.hpp"

namespace ebpfjit::packet {

// `program` is a handle: its Object must outlive the engine.
std::unique_ptr<FrameEngine> program_frame_engine(const ebpfjit::Program& program,
                                                  ebpfjit::RunOptions options = {});

} // namespace ebpfjit::packet
