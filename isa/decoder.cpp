#include "isa/decoder.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "isa/opcodes.hpp"

namespace ebpfjit::isa {
namespace {

std::unexpected<Error> reject(size_t pc, std::string msg) {
    return fail(Error::at_insn(uint32_t(pc), std::move(msg)));
}

int32_t raw_field(const RawInsn& raw, RawField f) {
    switch (f) {
    case kFieldDst: return raw.dst;
    case kFieldSrc: return raw.src;
    case kFieldOff: return raw.off;
    case kFieldImm: return raw.imm;
    }
    return 0;
}

// Looks the opcode up and enforces the fields the form reserves.
Result<const OpcodeForm*> classify(const RawInsn& raw, size_t pc) {
    if (!opcode_exists(raw.opcode)) return reject(pc, fmt::format("unknown opcode {:#04x}", raw.opcode));
    const OpcodeForm* form = find_form(raw);
    if (!form) {
        // The opcode exists, so some selector field holds a value no form uses.
        const OpcodeForm& any = *std::ranges::find(opcode_forms(), raw.opcode, &OpcodeForm::opcode);
        const int32_t value = any.selector == Selector::Off ? raw.off
                              : any.selector == Selector::Imm ? raw.imm
                                                              : raw.src;
        return reject(pc, fmt::format("opcode {:#04x}: invalid {} value {}", raw.opcode,
                                      selector_name(any.selector), value));
    }
    for (RawField f : {kFieldDst, kFieldSrc, kFieldOff, kFieldImm})
        if ((form->zero_fields & f) && raw_field(raw, f) != 0)
            return reject(pc, fmt::format("opcode {:#04x}: reserved field {} must be 0, is {}", raw.opcode,
                                          field_name(f), raw_field(raw, f)));
    return form;
}

// Register checks: every named register exists; r10 is never written.
Result<Reg> read_reg(uint8_t n, size_t pc) {
    if (n >= kNumRegisters) return reject(pc, fmt::format("invalid register r{}", n));
    return Reg{n};
}
Result<Reg> write_reg(uint8_t n, size_t pc) {
    auto r = read_reg(n, pc);
    if (r && r->n == kFramePointer) return reject(pc, "frame pointer r10 is read-only");
    return r;
}

Operand second_operand(const RawInsn& raw, const FormKey& key) {
    if (key.reg) return Reg{uint8_t(raw.src)};
    return Imm{raw.imm};
}

Size size_of(uint8_t bytes) { return Size(bytes); }

// One non-LDDW instruction. Jump and call targets are absolute; range checks come later,
// once every slot is known.
Result<Instruction> build(const RawInsn& raw, const FormKey& key, size_t pc) {
    const int32_t next = int32_t(pc) + 1;
    // pc + 1 + offset without int overflow (imm is 32 bits): a target past INT32_MAX is
    // clamped, still out of every program, and the CFG check rejects it at this pc.
    auto target = [next](int64_t offset) {
        return static_cast<int32_t>(std::clamp<int64_t>(int64_t{next} + offset, INT32_MIN, INT32_MAX));
    };
    switch (key.kind) {
    case InsnKind::Alu: {
        auto dst = write_reg(raw.dst, pc);
        if (!dst) return fail(dst.error());
        Operand src = Imm{0};
        if (AluOp(key.op) != AluOp::Neg) {
            src = second_operand(raw, key);
            if (key.reg)
                if (auto r = read_reg(raw.src, pc); !r) return fail(r.error());
        }
        return Alu{AluOp(key.op), key.wide, *dst, src};
    }
    case InsnKind::Endian: {
        auto dst = write_reg(raw.dst, pc);
        if (!dst) return fail(dst.error());
        return Endian{EndianOp(key.op), key.width, *dst};
    }
    case InsnKind::Load: {
        auto dst = write_reg(raw.dst, pc);
        if (!dst) return fail(dst.error());
        auto base = read_reg(raw.src, pc);
        if (!base) return fail(base.error());
        return Load{size_of(key.width), key.flag, *dst, *base, raw.off};
    }
    case InsnKind::Store: {
        auto base = read_reg(raw.dst, pc);
        if (!base) return fail(base.error());
        if (key.reg)
            if (auto r = read_reg(raw.src, pc); !r) return fail(r.error());
        return Store{size_of(key.width), *base, raw.off, second_operand(raw, key)};
    }
    case InsnKind::Atomic: {
        auto base = read_reg(raw.dst, pc);
        if (!base) return fail(base.error());
        // A fetch loads the old value into src, except cmpxchg, which loads it into r0.
        const bool src_written = key.flag && AtomicOp(key.op) != AtomicOp::CmpXchg;
        auto src = src_written ? write_reg(raw.src, pc) : read_reg(raw.src, pc);
        if (!src) return fail(src.error());
        return Atomic{AtomicOp(key.op), key.flag, key.wide, *base, raw.off, *src};
    }
    case InsnKind::Jump: {
        if (Cond(key.op) == Cond::Always)
            return Jump{Cond::Always, !key.wide, Reg{0}, Imm{0}, target(key.wide ? raw.off : raw.imm)};
        auto dst = read_reg(raw.dst, pc);
        if (!dst) return fail(dst.error());
        if (key.reg)
            if (auto r = read_reg(raw.src, pc); !r) return fail(r.error());
        return Jump{Cond(key.op), !key.wide, *dst, second_operand(raw, key), target(raw.off)};
    }
    case InsnKind::Call: {
        const auto kind = CallKind(key.op);
        return Call{kind, raw.imm, kind == CallKind::Local ? target(raw.imm) : -1};
    }
    case InsnKind::CallX: {
        auto reg = read_reg(raw.dst, pc);
        if (!reg) return fail(reg.error());
        return CallX{*reg};
    }
    case InsnKind::Exit: return Exit{};
    case InsnKind::PacketLoad: {
        Reg src{0};
        if (key.flag) {
            auto r = read_reg(raw.src, pc);
            if (!r) return fail(r.error());
            src = *r;
        }
        return PacketLoad{size_of(key.width), key.flag, src, raw.imm};
    }
    case InsnKind::LoadImm64: break; // two slots: handled by decode_lddw
    }
    return reject(pc, "internal: unexpected instruction kind");
}

// LDDW spans slots pc and pc+1 (resolve_pseudo_ldimm64 in the kernel).
Result<LoadImm64> decode_lddw(std::span<const RawInsn> raw, size_t pc, const FormKey& key) {
    auto dst = write_reg(raw[pc].dst, pc);
    if (!dst) return fail(dst.error());
    if (pc + 1 >= raw.size()) return reject(pc, "LDDW is missing its second half");
    const RawInsn& second = raw[pc + 1];
    if (second.opcode != 0 || second.dst != 0 || second.src != 0 || second.off != 0)
        return reject(pc + 1, "second half of LDDW must have opcode, dst, src and off 0");
    const auto kind = LddwKind(key.op);
    if ((kind == LddwKind::MapFd || kind == LddwKind::MapIdx) && second.imm != 0)
        return reject(pc + 1, "second half of a map LDDW must have imm 0");
    return LoadImm64{*dst, kind, raw[pc].imm, second.imm};
}

// Slots that a jump, call or code-address LDDW names, with where they were named.
struct TargetRef {
    size_t from;
    int64_t target;
    const char* what;
    bool starts_subprogram; // local call or callback address (as the kernel's add_subprog)
};

std::optional<TargetRef> target_of(const Instruction& insn, size_t pc) {
    if (auto* j = std::get_if<Jump>(&insn)) return TargetRef{pc, j->target, "jump", false};
    if (auto* c = std::get_if<Call>(&insn); c && c->kind == CallKind::Local) return TargetRef{pc, c->target, "call", true};
    if (auto* l = std::get_if<LoadImm64>(&insn); l && l->kind == LddwKind::CodeAddr)
        return TargetRef{pc, int64_t(pc) + 1 + l->imm, "callback", true};
    return std::nullopt;
}

Result<std::vector<int32_t>> check_targets(const Program& prog) {
    std::vector<int32_t> starts{0};
    const int64_t n = int64_t(prog.size());
    for (size_t pc = 0; pc < prog.insns.size(); ++pc) {
        auto ref = target_of(prog.insns[pc], pc);
        if (!ref) continue;
        const char* what = ref->what;
        if (ref->target < 0 || ref->target >= n)
            return reject(pc, fmt::format("{} target {} is outside the program (0..{})", what, ref->target, n - 1));
        if (std::holds_alternative<LddwSecondSlot>(prog.insns[size_t(ref->target)]))
            return reject(pc, fmt::format("{} target {} is the second half of an LDDW", what, ref->target));
        if (ref->starts_subprogram) starts.push_back(int32_t(ref->target));
    }
    std::ranges::sort(starts);
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    return starts;
}

} // namespace

Result<Program> decode(std::span<const RawInsn> raw) {
    if (raw.empty()) return reject(0, "empty program");
    if (raw.size() > kMaxProgramSlots)
        return reject(kMaxProgramSlots, fmt::format("program of {} instructions exceeds the limit of {}",
                                                    raw.size(), kMaxProgramSlots));
    Program prog;
    prog.insns.reserve(raw.size());
    for (size_t pc = 0; pc < raw.size();) {
        auto form = classify(raw[pc], pc);
        if (!form) return fail(form.error());
        const FormKey& key = (*form)->key;
        if (key.kind == InsnKind::LoadImm64) {
            auto lddw = decode_lddw(raw, pc, key);
            if (!lddw) return fail(lddw.error());
            prog.insns.push_back(*lddw);
            prog.insns.push_back(LddwSecondSlot{});
            pc += 2;
            continue;
        }
        auto insn = build(raw[pc], key, pc);
        if (!insn) return fail(insn.error());
        prog.insns.push_back(*insn);
        ++pc;
    }
    auto starts = check_targets(prog);
    if (!starts) return fail(starts.error());
    prog.subprogram_starts = std::move(*starts);
    return prog;
}

Result<Program> decode_bytes(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return reject(0, "empty program");
    if (bytes.size() / sizeof(RawInsn) > kMaxProgramSlots) // before copying a huge buffer
        return reject(kMaxProgramSlots, fmt::format("program of {} bytes exceeds the limit of {} instructions",
                                                    bytes.size(), kMaxProgramSlots));
    if (bytes.size() % sizeof(RawInsn) != 0) {
        const size_t whole = bytes.size() / sizeof(RawInsn);
        Error e = Error::at_insn(uint32_t(whole), fmt::format("truncated instruction: {} trailing bytes",
                                                              bytes.size() % sizeof(RawInsn)));
        e.offset = whole * sizeof(RawInsn);
        return fail(std::move(e));
    }
    // Copy: the byte buffer need not be aligned for RawInsn. The layout is little-endian,
    // which is also the host order on x86-64 and ARM64.
    std::vector<RawInsn> raw(bytes.size() / sizeof(RawInsn));
    std::memcpy(raw.data(), bytes.data(), bytes.size());
    return decode(raw);
}

} // namespace ebpfjit::isa
