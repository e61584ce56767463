// The layout of the eBPF stack JIT code runs on: a mapping of its own per thread and run
// nesting level, never the host's call stack (defence in depth, issue 14). Native return
// addresses and saved host registers stay on the host stack; r10 points in here, so a
// frame-relative access that a verifier bug let through reaches other eBPF frames or a
// PROT_NONE guard, never host state.
//
//   higher addresses
//   ┌──────────────────────────────┐
//   │ guard, PROT_NONE (kGuard)    │  r10 + any s16 offset from the top frame stops here
//   ├──────────────────────────────┤ ◄── top: the entry frame's r10
//   │ chain 0: entry + local calls │  up to kMaxCallDepth frames, kFrameStride apart
//   │ chain 1: bpf_loop callback   │  a callback's frames start kChainBytes lower per
//   │ ...                          │  nesting level (runtime/run/jit_callbacks.hpp: at
//   │ chain 7                      │  most kMaxCallDepth - 1 levels of callbacks)
//   ├──────────────────────────────┤ ◄── top - kRunStackBytes
//   │ guard, PROT_NONE (kGuard)    │  r10 + any s16 offset from the deepest frame stops here
//   └──────────────────────────────┘
//
// The backends emit the frame steps (kFrameStride); the runtime maps the levels
// (runtime/run/ebpf_stack.hpp) and checks accesses against the active frames
// (runtime/run/checked_run.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "isa/instruction.hpp"

namespace ebpfjit::engine_abi {

// A local callee's r10 is its caller's minus kFrameStride: between two frames lie
// kFrameGap bytes no frame owns, so checked code (which may touch only the active
// frames' 512 bytes) refuses an access just past a frame's top, as the kernel's verifier
// does, and as it did when saved registers sat there.
inline constexpr size_t kFrameGap = 64;
inline constexpr size_t kFrameStride = isa::kStackSize + kFrameGap;
inline constexpr size_t kChainBytes = size_t{isa::kMaxCallDepth} * kFrameStride;  // 4.5 KiB
inline constexpr size_t kRunStackBytes = size_t{isa::kMaxCallDepth} * kChainBytes; // 36 KiB
static_assert(kFrameStride % 16 == 0 && kFrameStride < 4096, "one `sub r10, imm` per local call");
// Beyond any r10 + s16 offset (the instruction's reach) on either side.
inline constexpr size_t kGuardBytes = 64 * 1024;
// Runs nested inside runs on one thread (each a helper starting another run).
inline constexpr uint32_t kMaxNestedRuns = 8;

} // namespace ebpfjit::engine_abi
