// Whole-pipeline soundness: what an embedder runs, end to end. A generated XDP, tc,
// socket-filter or mem program (support/pipeline_generator.hpp) and a tail-call target go
// through runtime::PreparedProgram::prepare exactly as Object::program does (verify at
// level Full on the uapi program -> rewrite ctx accesses -> JIT with the verifier's facts),
// with maps and a prog array made by runtime::create_object_maps. Every program the
// verifier accepts then runs the way runtime/program_runs.cpp runs it, on a fresh packet
// and freshly filled maps:
//   1. on the bounds-checked interpreter: any fault is a FINDING (the verifier, or the
//      rewrite it feeds, let through an access outside the program's memory);
//   2. on the JIT: a crash is a finding, and r0 / verdict, the packet (and metadata), the
//      skb's ctx fields and every map's contents must equal the interpreter's.
// A pointer that leaks into r0, the packet, the ctx or a map also shows up as a
// difference (the engines' stacks, packets and values live at different addresses).
//
// Fuzz bytes: [0] program type (low 2 bits) | hostile (bit 2) | constant blinding (bit 3) |
// loops (bit 4: the generator adds counted, length-bounded and data-strided loops, and
// issue 17's CRC, pattern-count, histogram, TLV and byte-copy loops);
// [1] packet length; [2, 34) packet bytes (repeated) and map seeds; the rest drives the
// generator (main program, then the tail program).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "support/pipeline_run.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto result = ebpfjit::fuzz::run_pipeline({data, size});
    if (!result.finding.empty()) {
        std::fprintf(stderr, "fuzz_pipeline_soundness: %s", result.finding.c_str());
        std::abort();
    }
    return 0;
}
