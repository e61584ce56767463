// Native stack frames of compiled programs. The eBPF stack is not here: r10 points into
// a mapping of its own (engine_abi/ebpf_stack_layout.hpp), so the host stack keeps only return
// addresses, saved registers and FrameInfo, none of them within reach of r10.
//
// Entry (the C-callable function; `uint64_t entry(r1, r2, packet, packet_len, status)`):
//
//   host stack, higher addresses              eBPF stack (RunStatus::stack_top)
//   ┌──────────────────────────┐              ┌──────────────────────────┐
//   │ return address           │              │ guard page(s)            │
//   │ rbp rbx r12 r13 r14 r15  │ 6 pushes     ├──────────────────────────┤ ◄── rbp = r10
//   │ FrameInfo (168 bytes)    │ ◄── r12, rsp │ entry frame, 512 bytes   │
//   └──────────────────────────┘              │ local-call frames ...    │
//   (8 + 48 + 168 = 224: 16-byte aligned)     └──────────────────────────┘
//
// FrameInfo (engine_abi/frame_info.hpp): tail_call_count | packet | packet_len | status |
// stack_top (this chain's first r10, from RunStatus::stack_top) | the checked accesses'
// region cache (jit/access_cache.hpp). That is the FULL entry
// frame, used by programs with packet loads, callx, tail calls, callbacks, a budget or
// run-time checks (entry_frame_needs). Every other program gets a LEAN entry frame:
//
//   │ return address           │
//   │ rbp? rbx? r13? r14? r15? │  only rbp when r10 is used (or local calls move it),
//   │                          │  only the r6-r9 registers the program writes
//   │ r12?                     │  unreachable-code traps with local calls: r12 = rsp below
//   │ RunStatus*?              │  unreachable-code traps: r8 as the entry got it
//   │ (8 bytes padding?)       │  only when the program calls and rsp would be misaligned
//   └──────────────────────────┘ ◄── rsp;  rbp = r10 = status->stack_top (when r10 is used)
//
// A trap's stub (unreachable.cpp) reads the RunStatus* at this bottom, rsp at every slot
// of the entry subprogram, r12 (the anchor) at any call depth when local calls move rsp.
//
// (`return 0x1234` compiles to `mov eax, 0x1234; ret`.) A lean program's tail-call entry
// is a landing stub: `call` its own C entry (r8 = the status, set by the tail call),
// then the tail caller's full epilogue.
//
// The C entry (lean stackless code only, jit::wants_c_entry: `int entry(r1, r2, uint64_t*
// r0)`, CompiledProgram::c_entry) is a second copy of the code after the first, with the
// lean frame of the entry below the r0 pointer's push, or no push at all when the code
// calls nothing and is not blinded (the pointer then waits in r9):
//
//   │ return address           │
//   │ uint64_t* r0?            │  pushed only when the code calls (or uses r9)
//   │ rbx? r13? r14? r15?      │  as the entry's lean frame
//   │ (8 bytes padding?)       │  only when the code calls and rsp would be misaligned
//   └──────────────────────────┘ ◄── rsp
//
// Its epilogue stores rax through the pointer and returns 0 (`return 0x1234`:
// `mov r9, rdx; mov eax, 0x1234; mov [r9], rax; xor eax, eax; ret`).
//
// A tail call jumps to the target's body entry (after its prologue) with this frame
// unchanged: same saved registers, same FrameInfo (the count keeps growing); the body
// entry sets r10 = FrameInfo::stack_top again.
//
// Local call (the callee's prologue, entered by `call`):
//
//   │ return address           │
//   │ rbx r13 r14 r15 rbp      │  the caller's r6-r9 and r10 (5 pushes: 48 bytes)
//   └──────────────────────────┘ ◄── rsp;  rbp = the callee's r10 = the caller's - kFrameStride
//   (engine_abi/ebpf_stack_layout.hpp: 512 bytes of frame and 64 no frame owns)
//
// r12 keeps pointing at the entry frame's FrameInfo in every frame, so LD_ABS and the
// abort path ("return r0 = 0 from the whole program") work at any call depth. A callback
// thunk (callbacks.cpp) builds the entry's frame with a FrameInfo of its own.
#pragma once

#include <cstdint>

#include "isa/instruction.hpp"
#include "engine_abi/frame_info.hpp"

namespace ebpfjit::jit::x86_64 {

inline constexpr int32_t kStack = static_cast<int32_t>(isa::kStackSize);
inline constexpr int32_t kEntryPushes = 6;
inline constexpr int32_t kLocalPushes = 5;
// Below the pushes of a full entry frame (and a callback thunk's): FrameInfo only.
inline constexpr int32_t kEntryFrameSize = engine_abi::kFrameInfoSize;
static_assert((8 + 8 * kEntryPushes + kEntryFrameSize) % 16 == 0, "rsp 16-byte aligned at calls");
static_assert((8 + 8 * kLocalPushes) % 16 == 0, "rsp 16-byte aligned at calls");

} // namespace ebpfjit::jit::x86_64
