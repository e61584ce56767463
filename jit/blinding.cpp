// Constant blinding (blinding.hpp): one original instruction at a time into its rewrite,
// then jump/call targets and Facts re-indexed through the slot map.
#include "jit/blinding.hpp"

#include <sys/random.h>

#include <array>
#include <random>

#include <fmt/format.h>

#include "jit/compiled_program.hpp"

namespace ebpfjit::jit {

namespace {

using namespace isa;

constexpr Reg kAx{kAuxRegister};

// Per-instruction keys from the kernel's CSPRNG, drawn in batches; a fixed key for tests.
class KeyStream {
public:
    explicit KeyStream(std::optional<uint32_t> fixed) : fixed_(fixed) {}

    uint32_t next() {
        if (fixed_) return *fixed_;
        for (;;) {
            if (used_ == buffer_.size()) refill();
            const uint32_t k = buffer_[used_++];
            if (k != 0) return k; // 0 would leave the immediate as it is
        }
    }

private:
    void refill() {
        const size_t bytes = sizeof(buffer_);
        size_t got = 0;
        auto* out = reinterpret_cast<uint8_t*>(buffer_.data());
        while (got < bytes) {
            const ssize_t n = getrandom(out + got, bytes - got, 0);
            if (n <= 0) break;
            got += static_cast<size_t>(n);
        }
        if (got < bytes) { // no getrandom (old kernel, seccomp): the C++ library's source
            std::random_device rd;
            for (auto& k : buffer_) k = rd();
        }
        used_ = 0;
    }

    std::optional<uint32_t> fixed_;
    std::array<uint32_t, 64> buffer_{};
    size_t used_ = buffer_.size();
};

// The rewrite of one original instruction. `main` is the position of the instruction that
// carries the original's facts (memory access, division). The 7-instruction LDDW writes dst
// before its last instruction: after `dst_written_at`, dst's upper-32 fact no longer holds.
struct Rewrite {
    std::vector<Instruction> insns;
    size_t main = 0;
    uint8_t dst_written_at = 0xff; // none
    uint8_t dst = 0;
};

Alu alu_imm(AluOp op, bool is64, Reg dst, int32_t imm) { return Alu{op, is64, dst, Imm{imm}}; }

// ax = imm (as the consumer sees it: 64-bit sign-extended or 32-bit pattern) in two steps.
void load_ax(std::vector<Instruction>& out, int32_t imm, bool is64, KeyStream& keys) {
    const auto k = static_cast<int32_t>(keys.next());
    out.push_back(alu_imm(AluOp::Mov, is64, kAx, imm ^ k));
    out.push_back(alu_imm(AluOp::Xor, is64, kAx, k));
}

bool is_shift(AluOp op) { return op == AluOp::Lsh || op == AluOp::Rsh || op == AluOp::Arsh; }

class Rewriter {
public:
    explicit Rewriter(KeyStream& keys) : keys_(keys) {}

    Rewrite operator()(const Alu& a) {
        const auto* imm = std::get_if<Imm>(&a.src);
        if (imm == nullptr || is_shift(a.op) || a.op == AluOp::Neg) return same(a);
        Rewrite r;
        load_ax(r.insns, imm->v, a.is64, keys_);
        r.insns.push_back(Alu{a.op, a.is64, a.dst, kAx});
        r.main = 2;
        return r;
    }
    Rewrite operator()(const Jump& j) {
        const auto* imm = std::get_if<Imm>(&j.src);
        if (imm == nullptr || j.cond == Cond::Always) return same(j);
        Rewrite r;
        load_ax(r.insns, imm->v, !j.is32, keys_);
        r.insns.push_back(Jump{j.cond, j.is32, j.dst, kAx, j.target});
        r.main = 2;
        return r;
    }
    Rewrite operator()(const Store& s) {
        const auto* imm = std::get_if<Imm>(&s.src);
        if (imm == nullptr) return same(s);
        Rewrite r;
        load_ax(r.insns, imm->v, true, keys_); // ST stores the sign-extended imm, truncated
        r.insns.push_back(Store{s.size, s.base, s.off, kAx});
        r.main = 2;
        return r;
    }
    Rewrite operator()(const PacketLoad& p) {
        Rewrite r;
        // The offset is 32-bit arithmetic (src + imm), as LD_IND's own.
        load_ax(r.insns, p.imm, false, keys_);
        if (p.indirect) r.insns.push_back(Alu{AluOp::Add, false, kAx, p.src});
        r.insns.push_back(PacketLoad{p.size, true, kAx, 0});
        r.main = r.insns.size() - 1;
        return r;
    }
    Rewrite operator()(const LoadImm64& l) {
        if (l.kind != LddwKind::Imm64) return same(l);
        const uint64_t value = l.value();
        Rewrite r;
        r.dst = l.dst.n;
        const auto as_signed = static_cast<int64_t>(value);
        if (as_signed >= INT32_MIN && as_signed <= INT32_MAX) {
            load_ax(r.insns, static_cast<int32_t>(value), true, keys_);
        } else if (value <= UINT32_MAX) {
            load_ax(r.insns, static_cast<int32_t>(static_cast<uint32_t>(value)), false, keys_);
        } else {
            load_ax(r.insns, l.next_imm, true, keys_);
            r.insns.push_back(alu_imm(AluOp::Lsh, true, kAx, 32));
            r.insns.push_back(Alu{AluOp::Mov, true, l.dst, kAx});
            r.dst_written_at = 3;
            load_ax(r.insns, l.imm, false, keys_);
            r.insns.push_back(Alu{AluOp::Or, true, l.dst, kAx});
            r.main = r.insns.size() - 1;
            return r;
        }
        r.insns.push_back(Alu{AluOp::Mov, true, l.dst, kAx});
        r.main = r.insns.size() - 1;
        return r;
    }
    Rewrite operator()(const LddwSecondSlot&) { return {}; } // absorbed by a blinded LDDW
    template <class Other>
    Rewrite operator()(const Other& insn) {
        return same(insn);
    }

private:
    static Rewrite same(const Instruction& insn) {
        Rewrite r;
        r.insns.push_back(insn);
        return r;
    }
    KeyStream& keys_;
};

// Registers an instruction names (to refuse r11 and beyond in the input).
uint8_t highest_register(const Instruction& insn) {
    uint8_t hi = 0;
    auto see = [&](Reg r) { hi = std::max(hi, r.n); };
    auto see_op = [&](const Operand& op) {
        if (const auto* r = std::get_if<Reg>(&op)) see(*r);
    };
    std::visit([&](const auto& i) {
        using T = std::decay_t<decltype(i)>;
        if constexpr (std::is_same_v<T, Alu>) { see(i.dst); see_op(i.src); }
        else if constexpr (std::is_same_v<T, Endian>) see(i.dst);
        else if constexpr (std::is_same_v<T, Load>) { see(i.dst); see(i.base); }
        else if constexpr (std::is_same_v<T, Store>) { see(i.base); see_op(i.src); }
        else if constexpr (std::is_same_v<T, LoadImm64>) see(i.dst);
        else if constexpr (std::is_same_v<T, Atomic>) { see(i.base); see(i.src); }
        else if constexpr (std::is_same_v<T, Jump>) { see(i.dst); see_op(i.src); }
        else if constexpr (std::is_same_v<T, CallX>) see(i.reg);
        else if constexpr (std::is_same_v<T, PacketLoad>) see(i.src);
    }, insn);
    return hi;
}

bool is_safe_divisor(const Alu& a) {
    const auto* imm = std::get_if<Imm>(&a.src);
    if (imm == nullptr || imm->v == 0) return false;
    const bool is_signed = a.op == AluOp::SDiv || a.op == AluOp::SMod;
    return !(is_signed && imm->v == -1);
}

bool is_division(const Instruction& insn) {
    const auto* a = std::get_if<Alu>(&insn);
    return a && (a->op == AluOp::Div || a->op == AluOp::Mod || a->op == AluOp::SDiv || a->op == AluOp::SMod);
}

} // namespace

Result<BlindedProgram> blind_constants(const isa::Program& program, const verifier::Facts& facts,
                                       const BlindingOptions& options) {
    if (options.fixed_key && *options.fixed_key == 0)
        return fail(Error::plain("constant blinding: a fixed key of 0 would blind nothing"));
    const size_t n = program.size();
    KeyStream keys(options.fixed_key);
    Rewriter rewriter(keys);
    std::vector<Rewrite> rewrites(n);
    BlindedProgram out;
    out.first_slot.resize(n + 1);
    uint32_t next = 0;
    for (size_t pc = 0; pc < n; ++pc) {
        const Instruction& insn = program.insns[pc];
        if (highest_register(insn) > kFramePointer)
            return fail(Error::at_insn(static_cast<uint32_t>(pc), "register above r10 (r11 is the JIT's own)"));
        const bool absorbed = std::holds_alternative<LddwSecondSlot>(insn) && pc > 0 &&
                              std::holds_alternative<LoadImm64>(program.insns[pc - 1]) &&
                              rewrites[pc - 1].insns.size() > 1;
        rewrites[pc] = absorbed ? Rewrite{} : std::visit(rewriter, insn);
        if (!absorbed && std::holds_alternative<LddwSecondSlot>(insn)) rewrites[pc].insns = {insn};
        // An absorbed second slot maps to its LDDW's last slot: nothing may jump there.
        out.first_slot[pc] = absorbed ? next - 1 : next;
        next += static_cast<uint32_t>(rewrites[pc].insns.size());
    }
    out.first_slot[n] = next;

    auto remap = [&](uint32_t pc, int64_t target) -> Result<int32_t> {
        if (target < 0 || static_cast<size_t>(target) >= n)
            return fail(Error::at_insn(pc, fmt::format("target {} is outside the program", target)));
        return static_cast<int32_t>(out.first_slot[static_cast<size_t>(target)]);
    };

    auto& insns = out.program.insns;
    insns.reserve(next);
    out.original_slot.reserve(next);
    const bool with_reachable = !facts.reachable.empty();
    const bool with_bounds = !facts.access_in_bounds.empty();
    const bool with_upper = !facts.upper32_zero.empty();
    if (with_reachable) out.facts.reachable.assign(next, false);
    if (with_bounds) out.facts.access_in_bounds.assign(next, false);
    if (with_upper) out.facts.upper32_zero.assign(next, 0);
    out.facts.divisor_safe.assign(next, false);

    for (uint32_t pc = 0; pc < n; ++pc) {
        const Rewrite& r = rewrites[pc];
        const Instruction& original = program.insns[pc];
        for (size_t i = 0; i < r.insns.size(); ++i) {
            const auto at = static_cast<uint32_t>(insns.size());
            Instruction insn = r.insns[i];
            if (auto* j = std::get_if<Jump>(&insn)) {
                auto t = remap(pc, j->target);
                if (!t) return fail(t.error());
                j->target = *t;
            } else if (auto* c = std::get_if<Call>(&insn); c && c->kind == CallKind::Local) {
                auto t = remap(pc, c->target);
                if (!t) return fail(t.error());
                c->target = *t;
                c->imm = *t - static_cast<int32_t>(at) - 1;
            } else if (auto* l = std::get_if<LoadImm64>(&insn); l && l->kind == LddwKind::CodeAddr) {
                auto t = remap(pc, int64_t{pc} + 1 + l->imm);
                if (!t) return fail(t.error());
                l->imm = *t - static_cast<int32_t>(at) - 1;
            }
            insns.push_back(insn);
            out.original_slot.push_back(pc);
            if (with_reachable) out.facts.reachable[at] = facts.reachable[pc];
            if (with_upper) {
                uint16_t bits = facts.upper32_zero[pc];
                if (i > r.dst_written_at) bits = static_cast<uint16_t>(bits & ~(1u << r.dst));
                out.facts.upper32_zero[at] = bits;
            }
            if (i != r.main) continue;
            if (with_bounds) out.facts.access_in_bounds[at] = facts.access_in_bounds[pc];
            if (is_division(original))
                out.facts.divisor_safe[at] = facts.divisor_is_safe(pc) || is_safe_divisor(std::get<Alu>(original));
        }
    }
    for (int32_t start : program.subprogram_starts) {
        auto t = remap(0, start);
        if (!t) return fail(t.error());
        out.program.subprogram_starts.push_back(*t);
    }
    return out;
}

std::vector<uint32_t> to_original_slots(const BlindedProgram& blinded, std::span<const uint32_t> offsets) {
    std::vector<uint32_t> out(blinded.first_slot.size() - 1, kNoNativeCode);
    for (size_t pc = 0; pc < out.size(); ++pc) {
        const uint32_t first = blinded.first_slot[pc];
        if (blinded.original_slot[first] == pc) out[pc] = offsets[first];
    }
    return out;
}

} // namespace ebpfjit::jit
