// --compare-cmd: time another engine's command line on the same inputs, side by side.
//
//   --compare-cmd "ubpf_run {object} --mem {input}"
//     {object}  the BPF object (.o) of the workload      {program}  its entry symbol
//     {input}   a file holding the input bytes            {name}     the workload name
//
// Each run is one process, so the figure includes process start-up and loading: it is
// a whole-command time, reported as engine "compare". The last integer the command
// prints (decimal or 0x-hex) is checked against native; a command that prints none is
// timed but marked unchecked.
#pragma once

#include <cstdint>
#include <string>

#include "bench/harness/suite.hpp"

namespace ebpfjit::bench {

Result<Record> run_compare_command(const std::string& command_template, const Workload& workload,
                                   const std::string& input_dir, uint64_t expected, int runs);

} // namespace ebpfjit::bench
