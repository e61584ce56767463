// Loop heads for LoweredSlot::align: the targets of backward jumps. A loop's first
// instruction at a 16-byte boundary keeps its first fetch/decode block whole; the padding
// (multi-byte NOPs on x86-64, NOPs on ARM64) runs once when the loop is entered by falling
// through. docs/performance.md has what it measured.
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

void mark_loop_heads(Lowered& out) {
    for (size_t pc = 0; pc < out.slots.size(); ++pc) {
        const LoweredSlot& slot = out.slots[pc];
        const auto* j = std::get_if<isa::Jump>(&slot.insn);
        if (!slot.emit || j == nullptr || j->target < 0 || static_cast<size_t>(j->target) > pc) continue;
        out.slots[static_cast<size_t>(j->target)].align = true;
    }
}

} // namespace ebpfjit::jit::detail
