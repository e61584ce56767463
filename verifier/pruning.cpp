#include "verifier/pruning.hpp"

#include <utility>

namespace ebpfjit::verifier {

namespace {

// Ids name "the same value" within one state; two states must use them consistently.
class IdMap {
public:
    bool match(uint32_t old_id, uint32_t cur_id) {
        if (old_id == 0) return true;
        if (cur_id == 0) return false;
        for (auto [o, c] : pairs_) {
            if (o == old_id) return c == cur_id;
            if (c == cur_id) return false;
        }
        pairs_.emplace_back(old_id, cur_id);
        return true;
    }

private:
    std::vector<std::pair<uint32_t, uint32_t>> pairs_;
};

bool reg_subsumes(const RegState& old, const RegState& cur, IdMap& ids, bool exact) {
    if (exact) {
        if (old.type != cur.type || old.off != cur.off || !(old.var == cur.var) || old.range != cur.range ||
            old.map != cur.map || old.mem_size != cur.mem_size || old.frame != cur.frame ||
            old.is_mem_length != cur.is_mem_length)
            return false;
        return ids.match(old.id, cur.id);
    }
    // A register the old path never initialised was never read from there on.
    if (old.type == RegType::NotInit) return true;
    if (old.type != cur.type) return false;
    if (old.type == RegType::Scalar) {
        if (old.is_mem_length && !cur.is_mem_length) return false;
        return old.var.subsumes(cur.var) && ids.match(old.id, cur.id);
    }
    if (old.off != cur.off || old.map != cur.map || old.mem_size != cur.mem_size || old.frame != cur.frame)
        return false;
    if (!old.var.subsumes(cur.var)) return false;
    if (old.range > cur.range) return false;
    return ids.match(old.id, cur.id);
}

bool is_unknown_scalar(const RegState& r) {
    return r.type == RegType::Scalar && r.var == Scalar::unknown() && r.id == 0 && !r.is_mem_length;
}

bool slot_subsumes(const StackSlot* old, const StackSlot* cur, IdMap& ids, bool exact) {
    static const StackSlot kEmpty{};
    if (!old) old = &kEmpty;
    if (!cur) cur = &kEmpty;
    if (exact) {
        if (old->bytes != cur->bytes) return false;
        return !old->is_spill() || reg_subsumes(old->spilled, cur->spilled, ids, true);
    }
    if (old->is_spill()) {
        if (cur->is_spill()) return reg_subsumes(old->spilled, cur->spilled, ids, false);
        if (!is_unknown_scalar(old->spilled)) return false;
        for (ByteKind b : cur->bytes)
            if (b == ByteKind::Invalid) return false;
        return true;
    }
    bool cur_spilled_scalar = cur->is_spill() && cur->spilled.type == RegType::Scalar;
    bool cur_spilled_zero = cur_spilled_scalar && cur->spilled.is_null_const();
    for (size_t i = 0; i < 8; ++i) {
        ByteKind o = old->bytes[i], c = cur->bytes[i];
        switch (o) {
        case ByteKind::Invalid: break;
        case ByteKind::Misc:
            if (!(c == ByteKind::Misc || c == ByteKind::Zero || (c == ByteKind::Spill && cur_spilled_scalar)))
                return false;
            break;
        case ByteKind::Zero:
            if (!(c == ByteKind::Zero || (c == ByteKind::Spill && cur_spilled_zero))) return false;
            break;
        case ByteKind::Spill: return false; // handled above
        }
    }
    return true;
}

} // namespace

bool state_subsumes(const AbstractState& old, const AbstractState& cur, bool exact) {
    if (old.frames.size() != cur.frames.size()) return false;
    IdMap ids;
    for (size_t f = 0; f < old.frames.size(); ++f) {
        const FrameState& of = old.frames[f];
        const FrameState& cf = cur.frames[f];
        if (of.callsite != cf.callsite) return false;
        for (size_t r = 0; r < of.regs.size(); ++r)
            if (!reg_subsumes(of.regs[r], cf.regs[r], ids, exact)) return false;
        size_t slots = std::max(of.stack.slots().size(), cf.stack.slots().size());
        for (size_t s = 0; s < slots; ++s) {
            const StackSlot* os = s < of.stack.slots().size() ? &of.stack.slots()[s] : nullptr;
            const StackSlot* cs = s < cf.stack.slots().size() ? &cf.stack.slots()[s] : nullptr;
            if (!os && !exact) continue; // old never initialised it
            if (!slot_subsumes(os, cs, ids, exact)) return false;
        }
    }
    return true;
}

Checkpoints::Verdict Checkpoints::visit(AbstractState& state) {
    auto& list = at_pc_[state.pc];
    for (uint32_t idx : list) {
        const Checkpoint& cp = all_[idx];
        if (cp.branches == 0) {
            if (state_subsumes(cp.state, state, false)) {
                ++pruned_;
                return Verdict::Prune;
            }
        } else if (state_subsumes(cp.state, state, true)) {
            return Verdict::InfiniteLoop;
        }
    }
    if (list.size() >= kMaxPerInsn) return Verdict::Continue;
    Checkpoint cp{state, 1, state.parent};
    all_.push_back(std::move(cp));
    list.push_back(uint32_t(all_.size() - 1));
    state.parent = int32_t(all_.size() - 1);
    ++stored_;
    return Verdict::Continue;
}

void Checkpoints::on_fork(int32_t parent) {
    if (parent >= 0) ++all_[size_t(parent)].branches;
}

void Checkpoints::on_path_end(int32_t parent) {
    while (parent >= 0) {
        Checkpoint& cp = all_[size_t(parent)];
        if (--cp.branches > 0) break;
        parent = cp.parent;
    }
}

} // namespace ebpfjit::verifier
