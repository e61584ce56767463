// Moved here from runtime/context/rewrite_ctx_access.cpp, which now only reads facts.
// Why it is safe at Structural level only: see the header.
#include "verifier/structural_ctx_typing.hpp"

#include <array>
#include <deque>
#include <optional>

#include <fmt/format.h>

#include "engine_abi/context_layout.hpp"

namespace ebpfjit::verifier {
namespace {

using namespace ebpfjit::isa;

// What a register or stack slot holds, as far as ctx tracking cares. Meet: equal values
// stay, Unreached yields to anything, anything else becomes Mixed.
enum class Val : uint8_t { Unreached, Ctx, Other, Mixed };

Val meet(Val a, Val b) {
    if (a == Val::Unreached) return b;
    if (b == Val::Unreached || a == b) return a;
    return Val::Mixed;
}

constexpr int kStackSlots = kStackSize / 8;

struct State {
    std::array<Val, kNumRegisters> regs{};
    std::array<Val, kStackSlots> stack{}; // slot i covers r10 - 8*(i+1) .. r10 - 8*i
    bool reached = false;

    bool meet_from(const State& in) {
        if (!reached) {
            *this = in;
            reached = true;
            return true;
        }
        bool changed = false;
        for (size_t i = 0; i < regs.size(); ++i) {
            Val m = meet(regs[i], in.regs[i]);
            changed |= m != regs[i];
            regs[i] = m;
        }
        for (size_t i = 0; i < stack.size(); ++i) {
            Val m = meet(stack[i], in.stack[i]);
            changed |= m != stack[i];
            stack[i] = m;
        }
        return changed;
    }
};

State fresh_frame() {
    State s;
    s.reached = true;
    s.regs.fill(Val::Other);
    s.stack.fill(Val::Other);
    return s;
}

// The stack slot an r10-relative 8-byte aligned access names, if any.
std::optional<int> stack_slot(int16_t off) {
    if (off >= 0 || off < -int(kStackSize) || off % 8 != 0) return std::nullopt;
    return (-off) / 8 - 1;
}

// Marks every slot overlapping [off, off + size) as holding no ctx.
void clobber_stack(State& s, int16_t off, uint32_t size) {
    for (int64_t byte = off; byte < int64_t(off) + size; ++byte) {
        if (byte >= 0 || byte < -int64_t(kStackSize)) continue;
        s.stack[(-byte - 1) / 8] = Val::Other;
    }
}

void clobber_caller_saved(State& s) {
    for (int r = 0; r <= 5; ++r) s.regs[r] = Val::Other;
}

struct Flow {
    const Program& prog;
    std::vector<State> in;
    std::deque<int32_t> work;

    void push(int32_t pc, const State& s) {
        if (pc < 0 || size_t(pc) >= prog.size()) return; // check_structure reports these
        if (in[pc].meet_from(s)) work.push_back(pc);
    }

    // The state after `insn` at `pc`, sent to its successors.
    void step(int32_t pc) {
        State s = in[pc];
        const Instruction& insn = prog.insns[pc];
        int32_t next = pc + 1;
        if (const auto* a = std::get_if<Alu>(&insn)) {
            const Reg* src = std::get_if<Reg>(&a->src);
            s.regs[a->dst.n] = (a->op == AluOp::Mov && a->is64 && src) ? s.regs[src->n] : Val::Other;
        } else if (const auto* e = std::get_if<Endian>(&insn)) {
            s.regs[e->dst.n] = Val::Other;
        } else if (const auto* l = std::get_if<Load>(&insn)) {
            Val v = Val::Other;
            if (l->base.n == kFramePointer && l->size == Size::DW)
                if (auto slot = stack_slot(l->off)) v = s.stack[*slot];
            s.regs[l->dst.n] = v;
        } else if (const auto* st = std::get_if<Store>(&insn)) {
            if (st->base.n == kFramePointer) {
                const Reg* src = std::get_if<Reg>(&st->src);
                auto slot = stack_slot(st->off);
                if (st->size == Size::DW && src && slot)
                    s.stack[*slot] = s.regs[src->n];
                else
                    clobber_stack(s, st->off, uint32_t(st->size));
            }
        } else if (const auto* li = std::get_if<LoadImm64>(&insn)) {
            s.regs[li->dst.n] = Val::Other;
            next = pc + 2;
        } else if (const auto* at = std::get_if<Atomic>(&insn)) {
            if (at->base.n == kFramePointer) clobber_stack(s, at->off, at->is64 ? 8 : 4);
            if (at->op == AtomicOp::CmpXchg) s.regs[0] = Val::Other;
            else if (at->fetch) s.regs[at->src.n] = Val::Other;
        } else if (const auto* j = std::get_if<Jump>(&insn)) {
            push(j->target, s);
            if (j->cond == Cond::Always) return;
        } else if (const auto* c = std::get_if<Call>(&insn)) {
            if (c->kind == CallKind::Local) {
                State callee = fresh_frame();
                for (int r = 1; r <= 5; ++r) callee.regs[r] = s.regs[r];
                push(c->target, callee);
            }
            clobber_caller_saved(s);
        } else if (std::holds_alternative<CallX>(insn) || std::holds_alternative<PacketLoad>(insn)) {
            clobber_caller_saved(s);
        } else if (std::holds_alternative<Exit>(insn)) {
            return;
        }
        push(next, s);
    }
};

struct Access {
    Reg base;
    int16_t off;
    uint32_t size;
};

std::optional<Access> access_of(const Instruction& insn) {
    if (const auto* l = std::get_if<Load>(&insn)) return Access{l->base, l->off, uint32_t(l->size)};
    if (const auto* s = std::get_if<Store>(&insn)) return Access{s->base, s->off, uint32_t(s->size)};
    if (const auto* a = std::get_if<Atomic>(&insn)) return Access{a->base, a->off, a->is64 ? 8u : 4u};
    return std::nullopt;
}

// The field of the struct (readable by this type or not: the rewrite says which rule an
// access breaks) that wholly contains [off, off + size).
const engine_abi::CtxField* field_covering(const engine_abi::ContextLayout& layout, int64_t off, uint32_t size) {
    for (const engine_abi::CtxField& f : layout.fields)
        if (off >= f.offset && off + size <= uint32_t(f.offset + f.size)) return &f;
    return nullptr;
}

StructuralViolation at(uint32_t pc, std::string text) {
    return StructuralViolation{Violation{Reason::ContextAccess, std::move(text)}, pc};
}

} // namespace

std::expected<std::vector<CtxAccess>, StructuralViolation> structural_ctx_typing(const isa::Program& program,
                                                                                 ProgramType type) {
    const engine_abi::ContextLayout* layout = engine_abi::context_layout(type);
    if (!layout || program.insns.empty()) return std::vector<CtxAccess>{};

    Flow flow{program, std::vector<State>(program.size()), {}};
    State entry = fresh_frame();
    entry.regs[1] = Val::Ctx;
    flow.push(0, entry);
    while (!flow.work.empty()) {
        int32_t pc = flow.work.front();
        flow.work.pop_front();
        flow.step(pc);
    }

    std::vector<CtxAccess> out(program.size());
    for (uint32_t pc = 0; pc < program.size(); ++pc) {
        if (!flow.in[pc].reached) continue;
        auto acc = access_of(program.insns[pc]);
        if (!acc) continue;
        Val base = flow.in[pc].regs[acc->base.n];
        if (base == Val::Mixed)
            return std::unexpected(at(pc, fmt::format("same insn cannot be used with different pointers: r{} holds "
                                                      "the ctx on one path and another value on another",
                                                      acc->base.n)));
        if (base != Val::Ctx) continue;
        const engine_abi::CtxField* f = field_covering(*layout, acc->off, acc->size);
        if (!f)
            return std::unexpected(at(pc, fmt::format("invalid access to {} at offset {}, size {}: no field of {} "
                                                      "covers it",
                                                      layout->name, acc->off, acc->size, layout->name)));
        out[pc] = CtxAccess{true, f->offset, f->size};
    }
    return out;
}

} // namespace ebpfjit::verifier
