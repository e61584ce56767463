// bpf_map_lookup_elem on a known ARRAY map, inline (LoweredSlot::array_lookup): the
// kernel's array_map_gen_lookup. r2 points at the u32 index; r1-r5 are left as they are.
//   r0 = index; if (r0 >= max_entries) r0 = 0; else r0 = base + r0 * stride
//   scratch A = the values' base address
#include <bit>

#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_inline_array_lookup() {
    const helpers::InlineArrayLookup& array = lowered_.array_lookups[static_cast<size_t>(slot_->array_lookup)];
    asmjit::Label null = a_.newLabel();
    asmjit::Label done = a_.newLabel();
    a_.mov(x86::eax, x86::dword_ptr(gpq(2)));
    a_.cmp(x86::eax, static_cast<int32_t>(array.max_entries));
    jump(x86::Inst::kIdJae, null);
    if (std::has_single_bit(array.value_stride)) a_.shl(x86::rax, std::countr_zero(array.value_stride));
    else a_.imul(x86::rax, x86::rax, static_cast<int32_t>(array.value_stride));
    a_.mov(kScratchA, array.value_base);
    a_.add(x86::rax, kScratchA);
    jump(x86::Inst::kIdJmp, done);
    a_.bind(null);
    a_.xor_(x86::eax, x86::eax);
    a_.bind(done);
}

} // namespace ebpfjit::jit::x86_64
