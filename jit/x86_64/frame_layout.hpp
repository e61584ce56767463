// Native stack frames of compiled programs.
//
// Entry (the C-callable function; `uint64_t entry(r1, r2, packet, packet_len, status)`):
//
//   higher addresses
//   ┌──────────────────────────┐
//   │ return address           │
//   │ rbp rbx r12 r13 r14 r15  │  saved callee-saved registers (6 pushes)
//   │ (8 bytes padding)        │  keeps rsp 16-byte aligned at helper calls
//   │ FrameInfo (32 bytes)     │ ◄── r12: tail_call_count | packet | packet_len | status
//   ├──────────────────────────┤ ◄── rbp = eBPF r10 (== r12 in the entry frame)
//   │ eBPF stack, 512 bytes    │
//   └──────────────────────────┘ ◄── rsp
//
// That is the FULL entry frame, used by programs with packet loads, callx or tail calls
// (they need FrameInfo). Every other program gets a LEAN entry frame:
//
//   │ return address           │
//   │ rbp? rbx? r13? r14? r15? │  only rbp when r10 is used (or local calls move it),
//   │                          │  only the r6-r9 registers the program writes
//   │ (8 bytes padding?)       │  only when the program calls and rsp would be misaligned
//   ├──────────────────────────┤ ◄── rbp = eBPF r10 (only when r10 is used)
//   │ eBPF stack, 512 bytes?   │  only when r10 is used
//   └──────────────────────────┘ ◄── rsp
//
// (`return 0x1234` compiles to `mov eax, 0x1234; ret`.) A lean program's tail-call entry
// is a landing stub: `call` its own C entry, then the tail caller's full epilogue.
//
// A tail call jumps to the target's body entry (after its prologue) with this frame
// unchanged: same saved registers, same FrameInfo (the count keeps growing), same stack.
//
// Local call (the callee's prologue, entered by `call`):
//
//   │ return address           │
//   │ rbx r13 r14 r15 rbp      │  the caller's r6-r9 and r10 (5 pushes)
//   ├──────────────────────────┤ ◄── rbp = the callee's r10
//   │ eBPF stack, 512 bytes    │
//   └──────────────────────────┘ ◄── rsp   (8 + 40 + 512 = 560: 16-byte aligned)
//
// r12 keeps pointing at the entry frame's FrameInfo in every frame, so LD_ABS and the
// abort path ("return r0 = 0 from the whole program") work at any call depth.
//
// Checked code (programs the verifier did not prove, jit/checked_run.hpp) may touch only
// the 512-byte windows of the active frames. The last push of a local prologue is the
// caller's rbp, right at the callee's r10, so the frames form a chain from the current r10:
//
//   ┌──────────────────────┐
//   │ entry saved regs     │  never accessible
//   │ FrameInfo            │ ◄── r12 == the entry's r10: the chain ends here
//   │ entry stack (512)    │  accessible
//   │ ret, rbx r13 r14 r15 │  never accessible (the caller's r6-r9, return address)
//   │ saved rbp ───────────┼──► the caller's r10            ◄── callee r10 points here
//   │ callee stack (512)   │  accessible
//   │ ...                  │
//
// A callback thunk (callbacks.cpp) sets rbp = its own FrameInfo before calling the
// callback, so the callback's chain ends at the thunk, where the walk goes on at the frame
// of the helper call that ran it (recorded by the checked helper call).
#pragma once

#include <cstdint>

#include "isa/instruction.hpp"

namespace ebpfjit::jit::x86_64 {

// FrameInfo field offsets from r12.
inline constexpr int32_t kInfoTailCallCount = 0;
inline constexpr int32_t kInfoPacket = 8;
inline constexpr int32_t kInfoPacketLen = 16;
inline constexpr int32_t kInfoStatus = 24;
inline constexpr int32_t kFrameInfoSize = 32;

inline constexpr int32_t kStack = static_cast<int32_t>(isa::kStackSize);
inline constexpr int32_t kEntryPushes = 6;
// 8 (return) + 48 (pushes) + 8 (pad) + 32 (info) + 512 (stack) = 608 = 38 * 16
inline constexpr int32_t kEntryFrameSize = kStack + kFrameInfoSize + 8;
inline constexpr int32_t kLocalFrameSize = kStack; // 8 + 40 + 512 = 560 = 35 * 16
static_assert((8 + 8 * kEntryPushes + kEntryFrameSize) % 16 == 0);
static_assert((8 + 8 * 5 + kLocalFrameSize) % 16 == 0);

} // namespace ebpfjit::jit::x86_64
