// Zeroing of the stack bytes a verified program may read before writing them
// (Subprogram::zero_lo/zero_hi, from verifier Facts::stack_zero), at frame entry.
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/register_map.hpp"

namespace ebpfjit::jit::x86_64 {

// rbp is r10 here (after the entry or local prologue). Exactly the bytes of the range, in
// the widest naturally aligned stores (r10 is 16-byte aligned), from a zeroed scratch
// register: the range is at most 512 bytes, 64 eight-byte stores.
void Emitter::emit_stack_zero(int32_t lo, int32_t hi) {
    a_.xor_(kScratchA.r32(), kScratchA.r32());
    for (int32_t off = lo; off < hi;) {
        int32_t size = 8;
        while (size > 1 && (off % size != 0 || off + size > hi)) size /= 2;
        switch (size) {
        case 8: a_.mov(x86::qword_ptr(x86::rbp, off), kScratchA); break;
        case 4: a_.mov(x86::dword_ptr(x86::rbp, off), kScratchA.r32()); break;
        case 2: a_.mov(x86::word_ptr(x86::rbp, off), kScratchA.r16()); break;
        default: a_.mov(x86::byte_ptr(x86::rbp, off), kScratchA.r8()); break;
        }
        off += size;
    }
}

} // namespace ebpfjit::jit::x86_64
