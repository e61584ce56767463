// The packet runner over any frame engine (the interpreter directly, in tests). What it
// does and the run types: ebpfjit/packet/capture_run.hpp, the public entry for an Object's
// program.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "ebpfjit/packet/capture_run.hpp"
#include "packet/frame_engine.hpp"
#include "ebpfjit/packet/pcap_io.hpp"

namespace ebpfjit::packet {

Result<RunReport> run_capture(const FrameEngine& engine, ProgramType type,
                              const Capture& capture, const RunOptions& options = {});

} // namespace ebpfjit::packet
