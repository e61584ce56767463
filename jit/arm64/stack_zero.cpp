// Zeroing of the stack bytes a verified program may read before writing them
// (Subprogram::zero_lo/zero_hi, from verifier Facts::stack_zero), at frame entry.
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/register_map.hpp"

namespace ebpfjit::jit::arm64 {

// x23 is r10 here (after the entry or local prologue), 16-byte aligned. Exactly the bytes
// of the range: `stp xzr, xzr` per aligned 16 bytes (its scaled imm7 reaches r10 - 512),
// else the widest naturally aligned single store of xzr / wzr.
void Emitter::emit_stack_zero(int32_t lo, int32_t hi) {
    for (int32_t off = lo; off < hi;) {
        if (off % 16 == 0 && off + 16 <= hi && off >= -512 && off <= 504) {
            a_.stp(a64::xzr, a64::xzr, a64::ptr(gpx(10), off));
            off += 16;
            continue;
        }
        int32_t size = 8;
        while (size > 1 && (off % size != 0 || off + size > hi)) size /= 2;
        const isa::Size width = size == 8 ? isa::Size::DW : size == 4 ? isa::Size::W : size == 2 ? isa::Size::H : isa::Size::B;
        access(true, width, false, a64::xzr, gpx(10), off);
        off += size;
    }
}

} // namespace ebpfjit::jit::arm64
