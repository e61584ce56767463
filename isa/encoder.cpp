#include "isa/encoder.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "ebpfjit/log.hpp"
#include "isa/opcodes.hpp"

namespace ebpfjit::isa {
namespace {

std::unexpected<Error> reject(size_t pc, std::string msg) {
    return fail(Error::at_insn(uint32_t(pc), std::move(msg)));
}

void set_selector(RawInsn& raw, const OpcodeForm& form) {
    switch (form.selector) {
    case Selector::Off: raw.off = int16_t(form.selector_value); break;
    case Selector::Imm: raw.imm = form.selector_value; break;
    case Selector::Src: raw.src = uint8_t(form.selector_value) & 0xf; break;
    case Selector::None: break;
    }
}

// Fills raw's operand fields; returns false when a register cannot be encoded.
struct FieldWriter {
    RawInsn& raw;
    bool ok = true;

    void dst(Reg r) { raw.dst = reg(r); }
    void src(Reg r) { raw.src = reg(r); }
    void operand(const Operand& o) {
        if (auto* r = std::get_if<Reg>(&o)) src(*r);
        else raw.imm = std::get<Imm>(o).v;
    }
    uint8_t reg(Reg r) {
        if (r.n >= kNumRegisters) ok = false;
        return r.n & 0xf;
    }
};

// Relative offset to an absolute target, as stored in off (16 bit) or imm (32 bit).
Result<int32_t> relative(int64_t target, size_t pc, bool in_off) {
    const int64_t rel = target - int64_t(pc) - 1;
    const int64_t lo = in_off ? std::numeric_limits<int16_t>::min() : std::numeric_limits<int32_t>::min();
    const int64_t hi = in_off ? std::numeric_limits<int16_t>::max() : std::numeric_limits<int32_t>::max();
    if (rel < lo || rel > hi) return reject(pc, fmt::format("target {} is out of reach of the offset field", target));
    return int32_t(rel);
}

Result<void> write_fields(const Instruction& insn, size_t pc, RawInsn& raw, FieldWriter& w) {
    if (auto* i = std::get_if<Alu>(&insn)) {
        w.dst(i->dst);
        if (i->op != AluOp::Neg) w.operand(i->src);
    } else if (auto* i = std::get_if<Endian>(&insn)) {
        w.dst(i->dst);
    } else if (auto* i = std::get_if<Load>(&insn)) {
        w.dst(i->dst);
        w.src(i->base);
        raw.off = i->off;
    } else if (auto* i = std::get_if<Store>(&insn)) {
        w.dst(i->base);
        raw.off = i->off;
        w.operand(i->src);
    } else if (auto* i = std::get_if<Atomic>(&insn)) {
        w.dst(i->base);
        w.src(i->src);
        raw.off = i->off;
    } else if (auto* i = std::get_if<Jump>(&insn)) {
        const bool ja32 = i->cond == Cond::Always && i->is32;
        auto rel = relative(i->target, pc, !ja32);
        if (!rel) return fail(rel.error());
        if (ja32) {
            raw.imm = *rel;
        } else {
            raw.off = int16_t(*rel);
            if (i->cond != Cond::Always) {
                w.dst(i->dst);
                w.operand(i->src);
            }
        }
    } else if (auto* i = std::get_if<Call>(&insn)) {
        if (i->kind == CallKind::Local) {
            auto rel = relative(i->target, pc, false);
            if (!rel) return fail(rel.error());
            raw.imm = *rel;
        } else {
            raw.imm = i->imm;
        }
    } else if (auto* i = std::get_if<LoadImm64>(&insn)) {
        w.dst(i->dst);
        raw.imm = i->imm;
    } else if (auto* i = std::get_if<CallX>(&insn)) {
        w.dst(i->reg);
    } else if (auto* i = std::get_if<PacketLoad>(&insn)) {
        if (i->indirect) w.src(i->src);
        raw.imm = i->imm;
    }
    return {};
}

} // namespace

Result<std::vector<RawInsn>> try_encode(const Program& program) {
    std::vector<RawInsn> out;
    out.reserve(program.size());
    for (size_t pc = 0; pc < program.insns.size(); ++pc) {
        const Instruction& insn = program.insns[pc];
        auto key = form_key(insn);
        if (!key) {
            // Only valid right after an LDDW, which already wrote this slot.
            if (pc == 0 || !std::holds_alternative<LoadImm64>(program.insns[pc - 1]))
                return reject(pc, "LDDW second-slot filler without its LDDW");
            continue;
        }
        const OpcodeForm* form = find_form(*key);
        if (!form) return reject(pc, "instruction has no encoding (invalid operation/width combination)");
        RawInsn raw{};
        raw.opcode = form->opcode;
        set_selector(raw, *form);
        FieldWriter w{raw};
        if (auto ok = write_fields(insn, pc, raw, w); !ok) return fail(ok.error());
        if (!w.ok) return reject(pc, "register above r10");
        out.push_back(raw);
        if (auto* l = std::get_if<LoadImm64>(&insn)) {
            if (pc + 1 >= program.size() || !std::holds_alternative<LddwSecondSlot>(program.insns[pc + 1]))
                return reject(pc, "LDDW not followed by its second-slot filler");
            RawInsn second{};
            second.imm = l->next_imm;
            out.push_back(second);
        }
    }
    return out;
}

std::vector<RawInsn> encode(const Program& program) {
    auto raw = try_encode(program);
    if (!raw) {
        logger().critical("isa::encode: invalid IR: {}", raw.error().to_string());
        std::abort();
    }
    return std::move(*raw);
}

std::vector<uint8_t> encode_bytes(const Program& program) {
    const auto raw = encode(program);
    std::vector<uint8_t> bytes(raw.size() * sizeof(RawInsn));
    std::memcpy(bytes.data(), raw.data(), bytes.size());
    return bytes;
}

} // namespace ebpfjit::isa
