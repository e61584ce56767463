// bpf_map_lookup_elem on a map known at compile time. The map is known when, walking back
// from the call inside its basic block (no label in between: no other path enters), the
// last write to r1 is an LDDW map reference; clang emits exactly that
// (`r1 = map ll; r2 = r10; r2 += -4; call 1`).
#include "helpers/map_lookup_plan.hpp"
#include "jit/lowering_passes.hpp"

#include "isa/liveness.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;

maps::Map* known_map_in_r1(const Program& program, const Lowered& out, uint32_t call_pc) {
    const int32_t start = out.subprograms[out.slots[call_pc].subprogram].start;
    if (out.slots[call_pc].label) return nullptr;
    for (auto pc = static_cast<int32_t>(call_pc) - 1; pc >= start; --pc) {
        const auto i = static_cast<size_t>(pc);
        const Instruction& insn = program.insns[i];
        if (std::holds_alternative<LddwSecondSlot>(insn)) continue;
        if (const auto* l = std::get_if<LoadImm64>(&insn); l && l->dst.n == 1) {
            if (l->kind != LddwKind::MapFd && l->kind != LddwKind::MapIdx) return nullptr;
            return reinterpret_cast<maps::Map*>(out.slots[i].constant);
        }
        if (std::holds_alternative<Call>(insn) || std::holds_alternative<CallX>(insn)) return nullptr;
        if (isa::use_def(insn).def & (1u << 1)) return nullptr;
        if (out.slots[i].label) return nullptr; // entered from elsewhere at pc
        if (std::holds_alternative<Jump>(insn) || std::holds_alternative<Exit>(insn)) return nullptr;
    }
    return nullptr;
}

} // namespace

void specialise_map_lookups(const Program& program, Lowered& out) {
    // Only the builtin helper's contract is known here (an embedder may bind id 1 to its own).
    constexpr int32_t kLookup = engine_abi::helper_id::kMapLookupElem;
    const helpers::Helper* builtin = helpers::HelperTable::builtin().find(kLookup);
    if (builtin == nullptr) return;
    for (uint32_t pc = 0; pc < out.slots.size(); ++pc) {
        LoweredSlot& slot = out.slots[pc];
        if (!slot.emit || slot.call != CallRole::Helper) continue;
        const auto* call = std::get_if<Call>(&slot.insn);
        if (call == nullptr || call->imm != kLookup || slot.helper != builtin->fn) continue;
        maps::Map* map = known_map_in_r1(program, out, pc);
        if (map == nullptr) continue;
        const helpers::MapLookupPlan plan = helpers::plan_map_lookup(map);
        if (plan.direct != nullptr) slot.helper = plan.direct;
        if (plan.inline_array && plan.array.value_stride <= INT32_MAX) { // an imul imm32
            slot.array_lookup = static_cast<int32_t>(out.array_lookups.size());
            out.array_lookups.push_back(plan.array);
        }
    }
}

} // namespace ebpfjit::jit::detail
