// Native stack frames of compiled programs on A64 (sp stays 16-byte aligned throughout,
// as AAPCS64 requires at every call). The eBPF stack is not here: r10 (x23) points into a
// mapping of its own (engine_abi/ebpf_stack_layout.hpp), so the host stack keeps only frame records,
// saved registers and FrameInfo, none of them within reach of r10.
//
// Entry (the C-callable function; `uint64_t entry(r1, r2, packet, packet_len, status)`):
//
//   host stack, higher addresses
//   ┌──────────────────────────┐
//   │ x29 x30 (frame record)   │ ◄── x29
//   │ x19 x20 │ x21 x22        │  saved callee-saved registers (r6-r9)
//   │ x23 x24                  │  r10 and the FrameInfo pointer
//   │ x25 (xzr)                │  the blinding register (+ 8 bytes of padding)
//   │ FrameInfo (168 + 8 bytes) │ ◄── x24, sp
//   └──────────────────────────┘
//   x23 = eBPF r10 = FrameInfo::stack_top (from RunStatus::stack_top), in the eBPF stack
//
// FrameInfo (engine_abi/frame_info.hpp): tail_call_count | packet | packet_len | status |
// stack_top | the checked accesses' region cache (jit/access_cache.hpp). That is
// the FULL entry frame, used by programs with packet loads, callx,
// tail calls, callbacks, an instruction budget or run-time checks (entry_frame_needs).
// Every other program gets a LEAN entry frame:
//
//   │ x29 x30?                 │  only when the program calls (helpers, local calls)
//   │ x19? x20? x21? x22?      │  only the r6-r9 registers the program writes,
//   │ x23? x25?                │  r10 when used (or moved by local calls), ax when written;
//   │                          │  in pairs, xzr pads an odd count
//   │ RunStatus* x24|xzr?      │  unreachable-code traps: x4 as the entry got it, and
//   │                          │  with local calls x24 (= sp below: the anchor)
//   └──────────────────────────┘ ◄── sp;  x23 = r10 = status->stack_top (when r10 is used)
//
// A trap's stub (unreachable.cpp) reads the RunStatus* at this bottom, sp at every slot of
// the entry subprogram, x24 (the anchor) at any call depth when local calls move sp.
//
// (`return 42` compiles to `movz w7, 42; mov x0, x7; ret`.) A lean program's tail-call
// entry is a landing stub: `bl` its own C entry (x4 = the status, set by the tail
// call), then the tail caller's full epilogue.
//
// The C entry (lean stackless code only, jit::wants_c_entry: `int entry(r1, r2, uint64_t*
// r0)`, CompiledProgram::c_entry) is a second copy of the code after the first, with the
// entry's lean frame below a 16-byte slot for the r0 pointer when the code calls (x8
// holds it otherwise: caller-saved, and its only other role is the tail-call counter):
//
//   │ uint64_t* r0 (+8 unused)?│  only when the code calls out
//   │ x29 x30? x19? ...        │  as the entry's lean frame
//   └──────────────────────────┘ ◄── sp
//
// Its epilogue stores x7 (r0) through the pointer and returns 0 (`return 42`:
// `mov x8, x2; movz w7, 42; str x7, [x8]; mov w0, wzr; ret`).
//
// A tail call branches to the target's body entry (after its prologue) with this frame
// unchanged: same saved registers, same FrameInfo (the count keeps growing); the body
// entry sets r10 = FrameInfo::stack_top again.
//
// Local call (the callee's prologue, entered by `bl`):
//
//   │ x29 x30                  │  the caller's frame record and return address
//   │ x19 x20 │ x21 x22        │  the caller's r6-r9
//   │ x23 xzr                  │  the caller's r10 (+ 8 bytes of padding)
//   └──────────────────────────┘ ◄── sp;  x23 = the callee's r10 = the caller's - kFrameStride
//   (engine_abi/ebpf_stack_layout.hpp: 512 bytes of frame and 64 no frame owns)
//
// x24 keeps pointing at the entry frame's FrameInfo in every frame, so LD_ABS and the
// abort path ("return r0 = 0 from the whole program") work at any call depth. A callback
// thunk (callbacks.cpp) builds the entry's frame with a FrameInfo of its own.
#pragma once

#include <cstdint>

#include "isa/instruction.hpp"
#include "engine_abi/frame_info.hpp"
#include "engine_abi/run_status.hpp"

namespace ebpfjit::jit::arm64 {

inline constexpr int32_t kStack = static_cast<int32_t>(isa::kStackSize);
// Below the saved pairs of a full entry frame (and a callback thunk's): FrameInfo, padded
// to keep sp 16-byte aligned.
inline constexpr int32_t kEntryFrameSize = (engine_abi::kFrameInfoSize + 15) / 16 * 16;
static_assert(kEntryFrameSize < 4096, "one `sub sp, sp, #imm12`");
static_assert(engine_abi::kInfoStackTop < 4096 && engine_abi::kRunStatusStackTopOffset % 8 == 0 && engine_abi::kRunStatusStackTopOffset < 32760,
              "`ldr xN, [base, #imm]`: scaled unsigned 12-bit offsets");

} // namespace ebpfjit::jit::arm64
