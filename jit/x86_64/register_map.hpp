// The fixed eBPF -> x86-64 register mapping, and the scratch registers' roles.
//
//   eBPF  x86-64  why
//   ----  ------  -----------------------------------------------------------------
//   r0    rax     the SysV return register: helper results need no move
//   r1    rdi     SysV argument 1 ┐
//   r2    rsi     SysV argument 2 │ helper calls need no moves at all: r1-r5 are
//   r3    rdx     SysV argument 3 │ already where the C function expects them, and
//   r4    rcx     SysV argument 4 │ they are caller-saved on both sides
//   r5    r8      SysV argument 5 ┘
//   r6    rbx     callee-saved ┐ eBPF's callee-saved registers: they survive helper
//   r7    r13     callee-saved │ calls with no spills
//   r8    r14     callee-saved │
//   r9    r15     callee-saved ┘
//   r10   rbp     callee-saved: the frame pointer, top of the current 512-byte frame
//   --    r12     callee-saved: FrameInfo pointer (see frame_layout.hpp), fixed per run
//   ax    r9      the blinding register (isa::kAuxRegister, jit/blinding.hpp) and nothing
//                 else: no sequence uses r9 as a temporary, so `dst op= ax` can never
//                 find it clobbered by the sequence that reads it (callback thunks take
//                 their 6th C argument in r9 before any eBPF instruction runs; the C
//                 entry of unblinded code that calls nothing keeps its r0 pointer in it)
//   --    r11     scratch A ┐ caller-saved, never mapped, never live from one eBPF
//   --    r10     scratch B ┘ instruction to the next; each sequence documents what
//                             it keeps in them (one role per register per sequence)
//
// rdx (r3) and rax (r0) are also the implicit operands of div/idiv and cmpxchg, and rcx
// (r4) the implicit count of variable shifts: those sequences save the eBPF value they
// displace (in a scratch register, or pushed when both are taken) and restore it, or
// (shifts) use BMI2 shlx/shrx/sarx, which take the count in any register.
#pragma once

#include <array>
#include <cstdint>

#include <asmjit/x86.h>

namespace ebpfjit::jit::x86_64 {

namespace x86 = asmjit::x86;

inline const std::array<x86::Gpq, 12> kRegisterMap = {
    x86::rax, x86::rdi, x86::rsi, x86::rdx, x86::rcx, x86::r8,
    x86::rbx, x86::r13, x86::r14, x86::r15, x86::rbp, x86::r9,
};

inline const x86::Gpq kFrameInfo = x86::r12;
inline const x86::Gpq kScratchA = x86::r11;
inline const x86::Gpq kScratchB = x86::r10;

inline x86::Gpq gpq(uint8_t bpf_reg) { return kRegisterMap[bpf_reg]; }
inline x86::Gpd gpd(uint8_t bpf_reg) { return kRegisterMap[bpf_reg].r32(); }
inline x86::Gp gp(uint8_t bpf_reg, bool is64) { return is64 ? x86::Gp(gpq(bpf_reg)) : x86::Gp(gpd(bpf_reg)); }

} // namespace ebpfjit::jit::x86_64
