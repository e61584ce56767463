#include "verifier/callback_widening.hpp"

#include <algorithm>
#include <vector>

namespace ebpfjit::verifier {

namespace {

// A slot the callback only read (a fill links it to the register by a fresh id) is
// unchanged.
bool same_but_ids(const StackSlot& a, const StackSlot& b) {
    StackSlot x = a, y = b;
    x.spilled.id = y.spilled.id = 0;
    return x == y;
}

// What a narrow spill of `bytes` bytes may hold once its value is forgotten.
RegState narrow_unknown(uint8_t bytes) { return RegState::scalar(Scalar::unsigned_range(0, (uint64_t(1) << (8 * bytes)) - 1)); }

// Every copy of `id` forgets its bounds but stays a copy: they held one value when the
// callback returned, whatever it was (the caller's `r6` and two slots it was spilled to,
// one of them bounded by a branch in the callback on a fill of the other). Narrow spills
// among them keep only their size's range, unlinked. False, and nothing changed, if a
// copy is precise: then only the changed slot is widened (the caller).
bool widen_copies(AbstractState& s, uint32_t id) {
    bool precise = false;
    s.for_each_reg([&](RegState& r) { precise = precise || (r.is_scalar() && r.id == id && r.precise); });
    if (precise) return false;
    for (FrameState& f : s.frames) {
        for (RegState& r : f.regs)
            if (r.is_scalar() && r.id == id) r.var = Scalar::unknown();
        for (StackSlot& slot : f.stack.slots()) {
            if (!slot.spilled.is_scalar() || slot.spilled.id != id) continue;
            if (slot.narrow) slot.spilled = narrow_unknown(slot.narrow);
            else if (slot.is_spill()) slot.spilled.var = Scalar::unknown();
        }
    }
    return true;
}

} // namespace

void widen_changed_caller_slots(AbstractState& s, const FrameState& callee) {
    if (!callee.caller_stacks) return;
    // Changed spills that are copies, by id: widened with their copies below.
    std::vector<std::pair<uint32_t, StackSlot*>> linked;
    for (size_t f = 0; f < s.frames.size() && f < callee.caller_stacks->size(); ++f) {
        auto& now = s.frames[f].stack.slots();
        const auto& then = (*callee.caller_stacks)[f].slots();
        for (size_t i = 0; i < now.size(); ++i) {
            StackSlot& slot = now[i];
            if (i < then.size() && same_but_ids(slot, then[i])) continue;
            if (slot.is_spill() && slot.spilled.is_scalar() && !slot.spilled.precise) {
                if (slot.spilled.id) linked.emplace_back(slot.spilled.id, &slot);
                else slot.spilled = RegState::unknown_scalar();
            }
            if (slot.narrow && !slot.spilled.precise) slot.spilled = narrow_unknown(slot.narrow);
        }
    }
    std::sort(linked.begin(), linked.end());
    for (size_t k = 0; k < linked.size();) {
        const uint32_t id = linked[k].first;
        const bool widened = widen_copies(s, id);
        for (; k < linked.size() && linked[k].first == id; ++k) // (slot pointers stay valid: no slot is added)
            if (!widened) linked[k].second->spilled = RegState::unknown_scalar(); // a copy is precise: unlinked
    }
}

} // namespace ebpfjit::verifier
