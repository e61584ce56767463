// Native stack frames of compiled programs on A64 (sp stays 16-byte aligned throughout,
// as AAPCS64 requires at every call).
//
// Entry (the C-callable function; `uint64_t entry(r1, r2, packet, packet_len, status)`):
//
//   higher addresses
//   ┌──────────────────────────┐
//   │ x29 x30 (frame record)   │ ◄── x29
//   │ x19 x20 │ x21 x22        │  saved callee-saved registers (r6-r9)
//   │ x23 x24                  │  r10 and the FrameInfo pointer
//   │ x25 (xzr)                │  the blinding register (+ 8 bytes of padding)
//   │ FrameInfo (32 bytes)     │ ◄── x24: tail_call_count | packet | packet_len | status
//   ├──────────────────────────┤ ◄── x23 = eBPF r10 (== x24 in the entry frame)
//   │ eBPF stack, 512 bytes    │
//   └──────────────────────────┘ ◄── sp
//
// That is the FULL entry frame, used by programs with packet loads, callx, tail calls,
// callbacks, an instruction budget or run-time checks (they need FrameInfo). Every other
// program gets a LEAN entry frame:
//
//   │ x29 x30?                 │  only when the program calls (helpers, local calls)
//   │ x19? x20? x21? x22?      │  only the r6-r9 registers the program writes,
//   │ x23? x25?                │  r10 when used (or moved by local calls), ax when written;
//   │                          │  in pairs, xzr pads an odd count
//   ├──────────────────────────┤ ◄── x23 = eBPF r10 (only when r10 is used)
//   │ eBPF stack, 512 bytes?   │  only when r10 is used
//   └──────────────────────────┘ ◄── sp
//
// (`return 42` compiles to `movz w7, 42; mov x0, x7; ret`.) A lean program's tail-call
// entry is a landing stub: `bl` its own C entry, then the tail caller's full epilogue.
//
// A tail call branches to the target's body entry (after its prologue) with this frame
// unchanged: same saved registers, same FrameInfo (the count keeps growing), same stack.
//
// Local call (the callee's prologue, entered by `bl`):
//
//   │ x29 x30                  │  the caller's frame record and return address
//   │ x19 x20 │ x21 x22        │  the caller's r6-r9
//   │ x23 xzr                  │  the caller's r10 (+ 8 bytes of padding)
//   ├──────────────────────────┤ ◄── x23 = the callee's r10
//   │ eBPF stack, 512 bytes    │
//   └──────────────────────────┘ ◄── sp   (64 + 512 = 576: 16-byte aligned)
//
// x24 keeps pointing at the entry frame's FrameInfo in every frame, so LD_ABS and the
// abort path ("return r0 = 0 from the whole program") work at any call depth.
//
// Checked code (programs the verifier did not prove, jit/checked_run.hpp) may touch only
// the 512-byte windows of the active frames. A local prologue's last pair puts the
// caller's x23 right at the callee's r10, so the frames form a chain from the current r10:
//
//   │ FrameInfo                │ ◄── x24 == the entry's r10: the chain ends here
//   │ entry stack (512)        │  accessible
//   │ x29 x30, x19-x22         │  never accessible (frame record, the caller's r6-r9)
//   │ saved x23 ───────────────┼──► the caller's r10      ◄── callee r10 points here
//   │ callee stack (512)       │  accessible
#pragma once

#include <cstdint>

#include "isa/instruction.hpp"

namespace ebpfjit::jit::arm64 {

// FrameInfo field offsets from x24 (8-byte fields: scaled imm12 loads reach them).
inline constexpr int32_t kInfoTailCallCount = 0;
inline constexpr int32_t kInfoPacket = 8;
inline constexpr int32_t kInfoPacketLen = 16;
inline constexpr int32_t kInfoStatus = 24;
inline constexpr int32_t kFrameInfoSize = 32;

inline constexpr int32_t kStack = static_cast<int32_t>(isa::kStackSize);
inline constexpr int32_t kEntryFrameSize = kStack + kFrameInfoSize; // below the saved pairs
inline constexpr int32_t kLocalFrameSize = kStack;
static_assert(kEntryFrameSize % 16 == 0 && kLocalFrameSize % 16 == 0);
static_assert(kEntryFrameSize < 4096, "one `sub sp, sp, #imm12`");

} // namespace ebpfjit::jit::arm64
