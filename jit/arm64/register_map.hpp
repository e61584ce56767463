// The fixed eBPF -> A64 register mapping (AAPCS64), and the temporaries' roles.
//
//   eBPF  A64      why
//   ----  -------  ---------------------------------------------------------------
//   r0    x7       caller-saved and not one of the five argument registers, so a
//                  helper's arguments never displace it; the helper's result (x0)
//                  costs one `mov x7, x0` after the call, the entry's one before `ret`
//   r1    x0       AAPCS64 argument 1 ┐
//   r2    x1       AAPCS64 argument 2 │ helper calls need no argument moves: r1-r5
//   r3    x2       AAPCS64 argument 3 │ already sit where the C function expects them,
//   r4    x3       AAPCS64 argument 4 │ and they are caller-saved on both sides
//   r5    x4       AAPCS64 argument 5 ┘
//   r6    x19      callee-saved ┐ eBPF's callee-saved registers: they survive helper
//   r7    x20      callee-saved │ calls with no spills
//   r8    x21      callee-saved │
//   r9    x22      callee-saved ┘
//   r10   x23      callee-saved: the frame pointer, top of the current 512-byte frame
//   --    x24      callee-saved: FrameInfo pointer (frame_layout.hpp), fixed per run
//   ax    x25      callee-saved: the blinding register (isa::kAuxRegister, blinding.hpp)
//                  and nothing else; the entry frame saves it for the C caller
//   --    x29/x30  frame record (fp, lr), saved by every prologue: code calls out
//
// Temporaries: caller-saved, never mapped, never live from one eBPF instruction to the
// next, and each has exactly ONE role in every sequence that touches it, so that no
// sequence can clobber a value another one still needs (uBPF's ARM64 JIT passed helpers
// a wrong context pointer because one register did two jobs).
//
//   x9   kImm            a constant no instruction field can hold (ALU, jump, ST imm)
//   x10  kOffset         a load/store offset beyond scaled imm12 and unscaled imm9
//   x11  kAtomicAddr     base + off of an atomic operand ([xN] is the only LSE/LL-SC form)
//        kCheckAddr      in a run-time check (checks.cpp): the address checked, or the
//                        helper id; the check stubs preserve it
//   x12  kAtomicOperand  the value combined with memory: src's copy, ~src, expected r0
//        kCheckWhat      in a run-time check: pack_access(pc, kind, size), or the pc
//   x13  kAtomicNew      the value an exclusive-store loop writes back
//   x14  kAtomicStatus   the store-exclusive status (0 = stored)
//   x15  kQuotient       the quotient msub multiplies back (modulo)
//   x16  kCallTarget     an address about to be branched to: helper, callx target,
//                        tail-call body (IP0, the register AAPCS64 sets aside for this)
//   x17  kTableBase      base of the runtime structure a check reads or writes: callx
//                        table, prog-array entries, packet data, RunStatus (IP1)
//   x5   kIndex          an index being bounds-checked: tail-call index, packet offset,
//                        a checked address's offset into the cached region (checks.cpp)
//   x6   kLimit          the bound kIndex is checked against: slot count, packet bytes left,
//                        the cached region's length
//   x8   kTailCount      the tail-call counter while it is checked and incremented; in
//                        the C entry of code that calls nothing (so has no tail calls),
//                        the caller's r0 pointer (prologue.cpp)
//
// x18 (the platform register) is never touched.
#pragma once

#include <array>
#include <cstdint>

#include <asmjit/arm.h>
#include <asmjit/arm/a64assembler.h>

namespace ebpfjit::jit::arm64 {

namespace a64 = asmjit::a64;

inline const std::array<a64::GpX, 12> kRegisterMap = {
    a64::x7, a64::x0, a64::x1, a64::x2, a64::x3, a64::x4,
    a64::x19, a64::x20, a64::x21, a64::x22, a64::x23, a64::x25,
};

inline const a64::GpX kFrameInfo = a64::x24;

inline const a64::GpX kImm = a64::x9;
inline const a64::GpX kOffset = a64::x10;
inline const a64::GpX kAtomicAddr = a64::x11;
inline const a64::GpX kAtomicOperand = a64::x12;
inline const a64::GpX kCheckAddr = a64::x11;
inline const a64::GpX kCheckWhat = a64::x12;
inline const a64::GpX kAtomicNew = a64::x13;
inline const a64::GpX kAtomicStatus = a64::x14;
inline const a64::GpX kQuotient = a64::x15;
inline const a64::GpX kCallTarget = a64::x16;
inline const a64::GpX kTableBase = a64::x17;
inline const a64::GpX kIndex = a64::x5;
inline const a64::GpX kLimit = a64::x6;
inline const a64::GpX kTailCount = a64::x8;

inline a64::GpX gpx(uint8_t bpf_reg) { return kRegisterMap[bpf_reg]; }
inline a64::GpW gpw(uint8_t bpf_reg) { return kRegisterMap[bpf_reg].w(); }
// The 64-bit or the 32-bit view; writing a W register zero-extends into the X register.
inline a64::Gp gp(uint8_t bpf_reg, bool is64) {
    return is64 ? a64::Gp(gpx(bpf_reg)) : a64::Gp(gpw(bpf_reg));
}
inline a64::Gp sized(const a64::GpX& r, bool is64) { return is64 ? a64::Gp(r) : a64::Gp(r.w()); }

} // namespace ebpfjit::jit::arm64
