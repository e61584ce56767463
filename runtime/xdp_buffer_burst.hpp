// The zero-copy XDP burst behind both faces (runtime/xdp_buffer_burst.cpp):
// Program::run_xdp_burst over XdpBuffers writes XdpVerdicts, ebpfjit_program_run_xdp_buffers
// writes the C results directly. The call's checks (program type, room for the results,
// engine), the run's per-worker state, then PreparedProgram::run_xdp_burst. `frame_fault`:
// the error is about frame `completed` (else about the call itself).
#pragma once

#include <optional>
#include <span>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit.hpp"
#include "runtime/object_impl.hpp"

namespace ebpfjit::runtime {

Result<void> run_xdp_buffers(const Program::State& program, std::span<XdpBuffer> buffers, std::span<XdpVerdict> out,
                             const XdpRxInfo& rx, std::optional<Engine> engine, size_t& completed, bool& frame_fault);
Result<void> run_xdp_buffers(const Program::State& program, std::span<XdpBuffer> buffers,
                             std::span<ebpfjit_xdp_result> out, const XdpRxInfo& rx, std::optional<Engine> engine,
                             size_t& completed, bool& frame_fault);

} // namespace ebpfjit::runtime
