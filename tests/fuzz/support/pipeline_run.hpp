// One fuzz input through the whole pipeline an embedder runs; see pipeline_run.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::fuzz {

struct PipelineResult {
    ProgramType type = ProgramType::Mem;
    uint32_t features = 0;  // PipelineFeature bits of the generated programs
    bool verified = false;  // the main program passed PreparedProgram::prepare
    std::string rejection;  // else why not (the verifier's message)
    std::string finding;    // empty: clean; else what went wrong, with both programs
};

PipelineResult run_pipeline(std::span<const uint8_t> bytes);

} // namespace ebpfjit::fuzz
