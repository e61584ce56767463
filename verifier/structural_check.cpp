#include "verifier/structural_check.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ebpfjit::verifier {

namespace {

using Fail = std::unexpected<StructuralViolation>;

Fail fail_at(uint32_t insn, Reason r, std::string text) {
    return Fail(StructuralViolation{Violation{r, std::move(text)}, insn});
}

bool is_slot(const isa::Program& p, int64_t target) {
    return target >= 0 && target < int64_t(p.size()) &&
           !std::holds_alternative<isa::LddwSecondSlot>(p.insns[size_t(target)]);
}

} // namespace

std::expected<ProgramShape, StructuralViolation> check_structure(const isa::Program& p,
                                                                 const VerifierInput& input) {
    const size_t n = p.size();
    if (n == 0) return fail_at(0, Reason::EmptyProgram, "program has no instructions");
    if (n > kMaxProgramSize)
        return fail_at(0, Reason::ProgramTooLarge,
                       fmt::format("program has {} instructions, the limit is {}", n, kMaxProgramSize));

    ProgramShape shape;
    // Subprograms start at 0 and at every local-call target.
    shape.subprogram_starts.push_back(0);
    for (size_t pc = 0; pc < n; ++pc) {
        const auto* call = std::get_if<isa::Call>(&p.insns[pc]);
        if (call && call->kind == isa::CallKind::Local) {
            if (!is_slot(p, call->target))
                return fail_at(uint32_t(pc), Reason::JumpAcrossSubprogram,
                               fmt::format("call target {} is not an instruction", call->target));
            shape.subprogram_starts.push_back(call->target);
        }
        // LDDW src 4 names a callback: a subprogram of its own (the kernel's add_subprog).
        const auto* l = std::get_if<isa::LoadImm64>(&p.insns[pc]);
        if (l && l->kind == isa::LddwKind::CodeAddr) {
            const int64_t target = int64_t(pc) + 1 + l->imm;
            if (!is_slot(p, target))
                return fail_at(uint32_t(pc), Reason::JumpAcrossSubprogram,
                               fmt::format("callback address {} is not an instruction", target));
            shape.subprogram_starts.push_back(int32_t(target));
        }
    }
    std::sort(shape.subprogram_starts.begin(), shape.subprogram_starts.end());
    shape.subprogram_starts.erase(std::unique(shape.subprogram_starts.begin(), shape.subprogram_starts.end()),
                                  shape.subprogram_starts.end());
    shape.subprogram_of.assign(n, 0);
    for (size_t s = 0; s < shape.subprogram_starts.size(); ++s)
        for (size_t pc = size_t(shape.subprogram_starts[s]); pc < shape.subprogram_end(uint32_t(s)); ++pc)
            shape.subprogram_of[pc] = uint32_t(s);
    auto sub_index = [&](int32_t start) {
        return uint32_t(std::lower_bound(shape.subprogram_starts.begin(), shape.subprogram_starts.end(), start) -
                        shape.subprogram_starts.begin());
    };

    shape.prune_point.assign(n, false);
    shape.calls_callback.assign(n, false);
    auto& callees = shape.callees;
    callees.assign(shape.subprogram_starts.size(), {});
    for (size_t pc = 0; pc < n; ++pc) {
        const isa::Instruction& insn = p.insns[pc];
        if (const auto* j = std::get_if<isa::Jump>(&insn)) {
            if (!is_slot(p, j->target) || shape.subprogram_of[size_t(j->target)] != shape.subprogram_of[pc])
                return fail_at(uint32_t(pc), Reason::JumpAcrossSubprogram,
                               fmt::format("jump to {} leaves the subprogram", j->target));
            shape.prune_point[size_t(j->target)] = true;
            // The conditional jump itself, not its fall-through, as the kernel's visit_insn
            // marks it (mark_prune_point(env, t), kernel/bpf/verifier.c since 6.3): a state
            // covered there ends both edges at once, and a branch's fall-through is usually
            // the next insn of a straight line, where nothing has met yet.
            if (j->cond != isa::Cond::Always) shape.prune_point[pc] = true;
        } else if (const auto* c = std::get_if<isa::Call>(&insn)) {
            if (c->kind == isa::CallKind::Kfunc)
                return fail_at(uint32_t(pc), Reason::Unsupported, "kfunc calls are not supported");
            if (c->kind == isa::CallKind::Local) {
                callees[shape.subprogram_of[pc]].push_back({sub_index(c->target), uint32_t(pc)});
                if (pc + 1 < n) shape.prune_point[pc + 1] = true;
                // The call itself and the callee's first insn too, as the kernel's
                // visit_func_call_insn (mark_prune_point(env, t), push_insn(t, target,
                // BRANCH)): at the callee's entry the caller's r0-r5 are gone for good and
                // the callee's non-argument registers are dead, so paths that reached the
                // call with different leftovers meet there.
                shape.prune_point[pc] = true;
                shape.prune_point[size_t(c->target)] = true;
            } else if (c->imm == helpers::kPoisonedCoreRelocation) {
                // libbpf's poisoned CO-RE relocation: refused where a path reaches it
                // (exec_call), left alone in dead code as the kernel leaves it.
                if (pc + 1 < n) shape.prune_point[pc + 1] = true;
            } else if (!input.helpers || !input.helpers->find(c->imm)) {
                return fail_at(uint32_t(pc), Reason::UnknownHelper, helpers::unknown_helper_message(c->imm));
            } else {
                const auto& args = input.helpers->find(c->imm)->proto.args;
                if (std::find(args.begin(), args.end(), helpers::ArgType::PtrToFunc) != args.end()) {
                    shape.calls_callback[pc] = true;
                    shape.prune_point[pc] = true;
                }
                // After a helper call too, as the kernel's visit_func_call_insn marks it: the
                // helper's key or buffer on the stack is often dead there, so paths that
                // differed only in it meet again.
                if (pc + 1 < n) shape.prune_point[pc + 1] = true;
            }
        } else if (const auto* l = std::get_if<isa::LoadImm64>(&insn)) {
            if (l->kind == isa::LddwKind::VariableAddr)
                return fail_at(uint32_t(pc), Reason::Unsupported, "LDDW of BTF variable addresses is not supported");
            if (l->kind == isa::LddwKind::CodeAddr)
                callees[shape.subprogram_of[pc]].push_back(
                    {sub_index(int32_t(int64_t(pc) + 1 + l->imm)), uint32_t(pc)});
            if (pc + 1 >= n || !std::holds_alternative<isa::LddwSecondSlot>(p.insns[pc + 1]))
                return fail_at(uint32_t(pc), Reason::Unsupported, "truncated LDDW");
        }
    }

    // Each subprogram ends in exit or an unconditional jump: no falling into the next.
    for (size_t s = 0; s < shape.subprogram_starts.size(); ++s) {
        const size_t last = shape.subprogram_end(uint32_t(s)) - 1;
        const isa::Instruction& insn = p.insns[last];
        const auto* j = std::get_if<isa::Jump>(&insn);
        bool ok = std::holds_alternative<isa::Exit>(insn) || (j && j->cond == isa::Cond::Always);
        if (!ok)
            return fail_at(uint32_t(last), Reason::SubprogramFallsThrough,
                           s + 1 < shape.subprogram_starts.size()
                               ? "last instruction of the subprogram is not exit or ja: falls into the next"
                               : "last instruction of the program is not exit or ja: falls off the end");
    }

    // Reachability from slot 0, following calls.
    shape.reachable.assign(n, false);
    std::vector<uint32_t> work{0};
    shape.reachable[0] = true;
    auto visit = [&](int64_t t) {
        if (t >= 0 && size_t(t) < n && !shape.reachable[size_t(t)]) {
            shape.reachable[size_t(t)] = true;
            work.push_back(uint32_t(t));
        }
    };
    while (!work.empty()) {
        uint32_t pc = work.back();
        work.pop_back();
        const isa::Instruction& insn = p.insns[pc];
        if (std::holds_alternative<isa::Exit>(insn)) continue;
        if (const auto* j = std::get_if<isa::Jump>(&insn)) {
            visit(j->target);
            if (j->cond == isa::Cond::Always) continue;
        }
        if (const auto* c = std::get_if<isa::Call>(&insn); c && c->kind == isa::CallKind::Local) visit(c->target);
        if (const auto* l = std::get_if<isa::LoadImm64>(&insn)) {
            if (l->kind == isa::LddwKind::CodeAddr) visit(int64_t(pc) + 1 + l->imm);
            shape.reachable[pc + 1] = true; // second slot
            visit(int64_t(pc) + 2);
            continue;
        }
        visit(int64_t(pc) + 1);
    }
    for (size_t pc = 0; pc < n; ++pc)
        if (!shape.reachable[pc])
            return fail_at(uint32_t(pc), Reason::UnreachableInstruction, "unreachable instruction");

    // Call graph: no recursion, at most 8 frames along any chain (isa/call_graph.hpp, as
    // the jit checks it).
    if (auto frames = isa::call_frames(callees, isa::kMaxCallDepth); !frames) {
        const isa::CallGraphViolation& v = frames.error();
        if (v.recursion) return fail_at(v.slot, Reason::RecursiveCall, "recursive bpf-to-bpf call");
        return fail_at(v.slot, Reason::CallDepthExceeded,
                       fmt::format("call chain of {} frames, the limit is {}", v.frames, isa::kMaxCallDepth));
    }
    // As the kernel's check_ld_abs: "BPF_LD_[ABS|IND] instructions cannot be mixed with
    // bpf-to-bpf calls". LD_ABS/LD_IND read the skb from r6 = ctx and end the program on a
    // short packet; a callee's or a callback's r6 is no ctx, and ending the run from an
    // inner frame is unsupported (the jit refuses callbacks with them). A callback is a
    // subprogram too (the kernel's subprog_cnt counts it).
    if (shape.subprogram_starts.size() > 1)
        for (size_t pc = 0; pc < n; ++pc)
            if (std::holds_alternative<isa::PacketLoad>(p.insns[pc]))
                return fail_at(uint32_t(pc), Reason::Unsupported,
                               fmt::format("BPF_LD_[ABS|IND] instructions cannot be mixed with bpf-to-bpf calls or "
                                           "callbacks (the program has {} subprograms; the second starts at {})",
                                           shape.subprogram_starts.size(), shape.subprogram_starts[1]));
    return shape;
}

} // namespace ebpfjit::verifier
