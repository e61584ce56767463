// Programs for the whole-pipeline soundness fuzzer (fuzz_pipeline_soundness.cpp): XDP, tc
// (sched_cls), socket-filter and mem programs built from fuzz bytes, biased towards the
// idioms where the verifier, the ctx rewrite (runtime/context/rewrite_ctx_access) and the
// engines can disagree about what a register or a stack slot holds:
//   - ctx copies, `+= 0` and other constant arithmetic on them, loads and stores of every
//     ctx field (packet pointers too) through the copies;
//   - packet pointers, data_end (and data_meta) checks, accesses inside the checked range;
//   - spills and fills of every kind of value through r10 and through copies of r10,
//     partial (1, 2, 4 byte) writes into and next to spilled slots;
//   - atomics (add, or, and, xor, xchg, cmpxchg, with and without fetch, 32 and 64 bit) on
//     stack slots, including slots holding spilled pointers, and on map values;
//   - map lookups / updates / deletes; bpf_loop and bpf_for_each_map_elem callbacks that
//     find the ctx through a pointer to the caller's stack; local calls passing the ctx and
//     a pointer into the caller's frame; tail calls through a prog array; LD_ABS / LD_IND;
//     packet-moving helpers (xdp_adjust_head/tail, skb_pull_data) and *_load_bytes.
// The generator tracks roughly what each register and slot holds so that most programs
// are valid; with `hostile` about one decision in 16 breaks a rule on purpose (modified
// ctx pointers, unchecked packet or map accesses, pointers returned or stored, partial
// spills). With `loops`, the programs also contain loops: counted ones, loops bounded by
// the mem length or data_end, loops whose stride comes from the data, and issue 17's kinds
// (CRC, pattern count, stack histogram, TLV walk, byte copy in the JIT's block-op shape)
// (hostile: checks off by one, strides unchecked, a histogram index past its table). Nothing here decides whether a program is safe: the
// verifier does, and the bounds-checked interpreter checks its verdict.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::fuzz {

// The maps the programs name (LDDW src 1 imm = index); the harness creates them.
inline constexpr uint32_t kPipelineArrayMap = 0;     // ARRAY, 4 entries
inline constexpr uint32_t kPipelineHashMap = 1;      // HASH, 8 entries
inline constexpr uint32_t kPipelineProgArray = 2;    // PROG_ARRAY, 4 slots: slot 0 = tail program
inline constexpr uint32_t kPipelineKeySize = 4;
inline constexpr uint32_t kPipelineValueSize = 16;
inline constexpr uint32_t kPipelineArrayEntries = 4;
inline constexpr uint32_t kPipelineHashEntries = 8;
inline constexpr uint32_t kPipelineProgSlots = 4;

// What a generated program pair contains (bits of PipelinePrograms::features): the seed
// maker (make_pipeline_seeds.cpp) keeps one verified input per type and feature.
enum PipelineFeature : uint32_t {
    kFeatureCtxCopy = 1u << 0,       // mov rX, ctx
    kFeatureCtxArith = 1u << 1,      // += 0, += K; -= K, += (reg = 0) on a ctx copy
    kFeatureCtxLoad = 1u << 2,
    kFeatureCtxStore = 1u << 3,
    kFeaturePacketCheck = 1u << 4,   // data + N > data_end (or meta + N > data) guard
    kFeaturePacketAccess = 1u << 5,  // load / store inside the guard
    kFeatureSpillPointer = 1u << 6,  // a pointer spilled to the stack
    kFeatureSpillViaCopy = 1u << 7,  // a spill or fill through a copy of r10
    kFeatureFillPointer = 1u << 8,
    kFeaturePartialWrite = 1u << 9,  // 1/2/4-byte store into or next to a spill
    kFeatureAtomicStack = 1u << 10,
    kFeatureAtomicSpilledPointer = 1u << 11,
    kFeatureAtomicMapValue = 1u << 12,
    kFeatureMapLookup = 1u << 13,
    kFeatureLoop = 1u << 14,         // bpf_loop callback using the ctx
    kFeatureForEach = 1u << 15,      // bpf_for_each_map_elem callback using the ctx
    kFeatureLocalCall = 1u << 16,    // ctx and a caller-stack pointer passed to a subprogram
    kFeatureTailCall = 1u << 17,
    kFeatureLdAbs = 1u << 18,        // LD_ABS / LD_IND
    kFeaturePacketHelper = 1u << 19, // adjust_head/tail, pull_data, *_load_bytes
    // Loops (only when the input asks for them: generate_pipeline_programs' `loops`).
    kFeatureCountedLoop = 1u << 20,  // for (c = 0; c < N; c++) with a constant N
    kFeatureLengthLoop = 1u << 21,   // for (i = 0; i < len; i++) mem[i] / p + 1 <= data_end
    kFeatureStrideLoop = 1u << 22,   // the same, stepping 1 + (byte & 7): a stride from the data
    // Issue 17's kinds, over the mem input (bounded by its length) or the packet (data_end):
    kFeatureCrcLoop = 1u << 23,      // CRC-32 bit steps over every byte
    kFeaturePatternLoop = 1u << 24,  // count of a two-byte pattern (reads i and i + 1)
    kFeatureHistogramLoop = 1u << 25, // stack table [fp-128, fp) indexed by (byte & 15) * 8
    kFeatureTlvLoop = 1u << 26,      // type-length-value walk: stride 2 + (length byte & 15)
    kFeatureCopyLoop = 1u << 27,     // byte copy of a constant length to or from the stack (the JIT's block-op idiom)
    kFeatureCount = 28,
};
inline constexpr uint32_t kLoopFeatures = kFeatureCountedLoop | kFeatureLengthLoop | kFeatureStrideLoop |
                                          kFeatureCrcLoop | kFeaturePatternLoop | kFeatureHistogramLoop |
                                          kFeatureTlvLoop | kFeatureCopyLoop;

struct PipelinePrograms {
    isa::Program main; // the program the embedder runs
    isa::Program tail; // what slot 0 of the prog array holds (same type)
    uint32_t features = 0; // PipelineFeature bits, main and tail
    // The feature (one kLoopFeatures bit) of each loop, main's then tail's, in the order
    // the generator made them: the numbering of `probe_loop`.
    std::vector<uint32_t> loops;
};

// Short names of the features ("ctx_copy", ...), for file names and reports.
const char* pipeline_feature_name(uint32_t bit_index);

// `loops` adds the loop steps (kLoopFeatures). Without it the generator reads exactly the
// bytes it read before loops existed, so the older seeds describe the same programs.
// `probe_loop` >= 0: the same programs with a `ja +0` first in the body of that loop
// (PipelinePrograms::loops numbering), which loop_reach.hpp counts; nothing else differs.
PipelinePrograms generate_pipeline_programs(std::span<const uint8_t> bytes, ProgramType type, bool hostile,
                                            bool loops = false, int probe_loop = -1);

} // namespace ebpfjit::fuzz
