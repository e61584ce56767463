// bpf_map_lookup_elem on a known ARRAY map, inline (LoweredSlot::array_lookup): the
// kernel's array_map_gen_lookup. r2 (x1) points at the u32 index; r1-r5 stay as they are.
//   r0 = index; if (r0 >= max_entries) r0 = 0; else r0 = base + r0 * stride
//   kImm = max_entries, then the stride, then the values' base address
#include <bit>

#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_inline_array_lookup() {
    const helpers::InlineArrayLookup& array = lowered_.array_lookups[static_cast<size_t>(slot_->array_lookup)];
    const a64::GpX r0 = gpx(0);
    asmjit::Label null = a_.newLabel();
    asmjit::Label done = a_.newLabel();
    a_.ldr(r0.w(), a64::ptr(gpx(2)));
    if (!try_cmp_imm(r0.w(), array.max_entries)) {
        load_constant(kImm, array.max_entries);
        a_.cmp(r0.w(), kImm.w());
    }
    branch(asmjit::arm::CondCode::kHS, null);
    if (std::has_single_bit(array.value_stride)) {
        a_.lsl(r0, r0, std::countr_zero(array.value_stride));
    } else {
        load_constant(kImm, array.value_stride);
        a_.mul(r0, r0, kImm);
    }
    load_constant(kImm, array.value_base);
    a_.add(r0, r0, kImm);
    branch(asmjit::arm::CondCode::kAL, done);
    bind(null);
    a_.mov(r0, a64::xzr);
    bind(done);
}

} // namespace ebpfjit::jit::arm64
