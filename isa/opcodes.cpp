#include "isa/opcodes.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace ebpfjit::isa {
namespace {

template <class E>
constexpr uint8_t u8(E e) { return static_cast<uint8_t>(e); }

constexpr uint8_t kSizeCodes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
constexpr uint8_t size_bytes(uint8_t size_code) {
    switch (size_code) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
    }
}

// Builds the rows class by class, following the kernel's reserved-field checks
// (kernel/bpf/verifier.c: check_alu_op, check_cond_jmp_op, do_check, check_ld_abs,
// check_atomic, resolve_pseudo_ldimm64).
class TableBuilder {
public:
    std::vector<OpcodeForm> rows;

    void alu_class(uint8_t cls) {
        const bool wide = cls == BPF_ALU64;
        struct Plain { uint8_t code; AluOp op; };
        constexpr Plain plain[] = {
            {BPF_ADD, AluOp::Add}, {BPF_SUB, AluOp::Sub}, {BPF_MUL, AluOp::Mul}, {BPF_OR, AluOp::Or},
            {BPF_AND, AluOp::And}, {BPF_LSH, AluOp::Lsh}, {BPF_RSH, AluOp::Rsh}, {BPF_XOR, AluOp::Xor},
            {BPF_ARSH, AluOp::Arsh},
        };
        for (uint8_t src : {BPF_K, BPF_X}) {
            const bool reg = src == BPF_X;
            // BPF_K reserves src_reg, BPF_X reserves imm.
            const uint8_t unused_operand = reg ? kFieldImm : kFieldSrc;
            const uint8_t base = cls | src;
            for (auto [code, op] : plain)
                add(base | code, unused_operand | kFieldOff, alu(op, wide, reg));
            // off = 1 turns div/mod into their signed variants (cpu v4).
            add_selected(base | BPF_DIV, Selector::Off, 0, unused_operand, alu(AluOp::Div, wide, reg));
            add_selected(base | BPF_DIV, Selector::Off, 1, unused_operand, alu(AluOp::SDiv, wide, reg));
            add_selected(base | BPF_MOD, Selector::Off, 0, unused_operand, alu(AluOp::Mod, wide, reg));
            add_selected(base | BPF_MOD, Selector::Off, 1, unused_operand, alu(AluOp::SMod, wide, reg));
            if (!reg) {
                add(base | BPF_MOV, kFieldSrc | kFieldOff, alu(AluOp::Mov, wide, false));
            } else {
                // movsx: off = 8/16/32 is the source width; 32 only makes sense in ALU64.
                add_selected(base | BPF_MOV, Selector::Off, 0, kFieldImm, alu(AluOp::Mov, wide, true));
                add_selected(base | BPF_MOV, Selector::Off, 8, kFieldImm, alu(AluOp::MovSx8, wide, true));
                add_selected(base | BPF_MOV, Selector::Off, 16, kFieldImm, alu(AluOp::MovSx16, wide, true));
                if (wide)
                    add_selected(base | BPF_MOV, Selector::Off, 32, kFieldImm, alu(AluOp::MovSx32, wide, true));
            }
        }
        add(cls | BPF_NEG | BPF_K, kFieldSrc | kFieldOff | kFieldImm, alu(AluOp::Neg, wide, false));
        // BPF_END: ALU|TO_LE = le, ALU|TO_BE = be, ALU64|TO_LE = bswap; ALU64|TO_BE is invalid.
        const EndianOp le_or_swap = wide ? EndianOp::Swap : EndianOp::ToLe;
        for (uint8_t bits : {16, 32, 64}) {
            add_selected(cls | BPF_END | BPF_TO_LE, Selector::Imm, bits, kFieldSrc | kFieldOff,
                         FormKey{InsnKind::Endian, u8(le_or_swap), bits, wide});
            if (!wide)
                add_selected(cls | BPF_END | BPF_TO_BE, Selector::Imm, bits, kFieldSrc | kFieldOff,
                             FormKey{InsnKind::Endian, u8(EndianOp::ToBe), bits, false});
        }
    }

    void memory() {
        for (uint8_t size : kSizeCodes) {
            const uint8_t bytes = size_bytes(size);
            add(BPF_LDX | BPF_MEM | size, kFieldImm, FormKey{InsnKind::Load, 0, bytes});
            if (size != BPF_DW)
                add(BPF_LDX | BPF_MEMSX | size, kFieldImm, FormKey{InsnKind::Load, 0, bytes, false, false, true});
            add(BPF_ST | BPF_MEM | size, kFieldSrc, FormKey{InsnKind::Store, 0, bytes, false, false});
            add(BPF_STX | BPF_MEM | size, kFieldImm, FormKey{InsnKind::Store, 0, bytes, false, true});
        }
        struct AtomicRow { int32_t imm; AtomicOp op; bool fetch; };
        constexpr AtomicRow atomics[] = {
            {BPF_ADD, AtomicOp::Add, false}, {BPF_ADD | BPF_FETCH, AtomicOp::Add, true},
            {BPF_OR, AtomicOp::Or, false},   {BPF_OR | BPF_FETCH, AtomicOp::Or, true},
            {BPF_AND, AtomicOp::And, false}, {BPF_AND | BPF_FETCH, AtomicOp::And, true},
            {BPF_XOR, AtomicOp::Xor, false}, {BPF_XOR | BPF_FETCH, AtomicOp::Xor, true},
            {BPF_XCHG, AtomicOp::Xchg, true}, {BPF_CMPXCHG, AtomicOp::CmpXchg, true},
        };
        for (uint8_t size : {BPF_W, BPF_DW})
            for (auto [imm, op, fetch] : atomics)
                add_selected(BPF_STX | BPF_ATOMIC | size, Selector::Imm, imm, 0,
                             FormKey{InsnKind::Atomic, u8(op), size_bytes(size), size == BPF_DW, true, fetch});
        // LDDW: src selects the kind; the second slot is checked by the decoder.
        for (uint8_t kind = 0; kind <= u8(LddwKind::MapIdxValue); ++kind)
            add_selected(BPF_LD | BPF_IMM | BPF_DW, Selector::Src, kind, kFieldOff,
                         FormKey{InsnKind::LoadImm64, kind});
        // Legacy packet loads: r0 is implied, no DW.
        for (uint8_t size : {BPF_B, BPF_H, BPF_W}) {
            add(BPF_LD | BPF_ABS | size, kFieldDst | kFieldSrc | kFieldOff,
                FormKey{InsnKind::PacketLoad, 0, size_bytes(size)});
            add(BPF_LD | BPF_IND | size, kFieldDst | kFieldOff,
                FormKey{InsnKind::PacketLoad, 0, size_bytes(size), false, true, true});
        }
    }

    void jumps() {
        // ja: JMP takes the offset in off, JMP32 (gotol) in imm.
        add(BPF_JMP | BPF_JA, kFieldDst | kFieldSrc | kFieldImm, FormKey{InsnKind::Jump, u8(Cond::Always), 0, true});
        add(BPF_JMP32 | BPF_JA, kFieldDst | kFieldSrc | kFieldOff, FormKey{InsnKind::Jump, u8(Cond::Always), 0, false});
        struct CondRow { uint8_t code; Cond cond; };
        constexpr CondRow conds[] = {
            {BPF_JEQ, Cond::Eq},   {BPF_JGT, Cond::Gt},   {BPF_JGE, Cond::Ge},   {BPF_JSET, Cond::Set},
            {BPF_JNE, Cond::Ne},   {BPF_JSGT, Cond::SGt}, {BPF_JSGE, Cond::SGe}, {BPF_JLT, Cond::Lt},
            {BPF_JLE, Cond::Le},   {BPF_JSLT, Cond::SLt}, {BPF_JSLE, Cond::SLe},
        };
        for (uint8_t cls : {BPF_JMP, BPF_JMP32})
            for (auto [code, cond] : conds) {
                add(cls | code | BPF_K, kFieldSrc, FormKey{InsnKind::Jump, u8(cond), 0, cls == BPF_JMP, false});
                add(cls | code | BPF_X, kFieldImm, FormKey{InsnKind::Jump, u8(cond), 0, cls == BPF_JMP, true});
            }
        for (uint8_t kind = 0; kind <= u8(CallKind::Kfunc); ++kind)
            add_selected(BPF_JMP | BPF_CALL | BPF_K, Selector::Src, kind, kFieldDst | kFieldOff,
                         FormKey{InsnKind::Call, kind});
        // callx keeps its register in dst (as clang and the conformance suite encode it).
        add(BPF_JMP | BPF_CALL | BPF_X, kFieldSrc | kFieldOff | kFieldImm, FormKey{InsnKind::CallX, 0, 0, false, true});
        add(BPF_JMP | BPF_EXIT, kFieldDst | kFieldSrc | kFieldOff | kFieldImm, FormKey{InsnKind::Exit});
    }

private:
    static FormKey alu(AluOp op, bool wide, bool reg) { return FormKey{InsnKind::Alu, u8(op), 0, wide, reg}; }
    void add(int opcode, uint8_t zero, FormKey key) {
        rows.push_back(OpcodeForm{uint8_t(opcode), Selector::None, 0, zero, key});
    }
    void add_selected(int opcode, Selector sel, int32_t value, uint8_t zero, FormKey key) {
        rows.push_back(OpcodeForm{uint8_t(opcode), sel, value, zero, key});
    }
};

const std::vector<OpcodeForm>& table() {
    static const std::vector<OpcodeForm> rows = [] {
        TableBuilder b;
        b.alu_class(BPF_ALU);
        b.alu_class(BPF_ALU64);
        b.memory();
        b.jumps();
        return std::move(b.rows);
    }();
    return rows;
}

int32_t selector_field(const RawInsn& raw, Selector s) {
    switch (s) {
    case Selector::Off: return raw.off;
    case Selector::Imm: return raw.imm;
    case Selector::Src: return raw.src;
    case Selector::None: break;
    }
    return 0;
}

} // namespace

std::span<const OpcodeForm> opcode_forms() { return table(); }

bool opcode_exists(uint8_t opcode) {
    static const std::array<bool, 256> known = [] {
        std::array<bool, 256> k{};
        for (const auto& f : table()) k[f.opcode] = true;
        return k;
    }();
    return known[opcode];
}

const OpcodeForm* find_form(const RawInsn& raw) {
    for (const auto& f : table())
        if (f.opcode == raw.opcode && selector_field(raw, f.selector) == f.selector_value) return &f;
    return nullptr;
}

const OpcodeForm* find_form(const FormKey& key) {
    auto it = std::ranges::find(table(), key, &OpcodeForm::key);
    return it == table().end() ? nullptr : &*it;
}

std::optional<FormKey> form_key(const Instruction& insn) {
    struct Visitor {
        std::optional<FormKey> operator()(const Alu& i) const {
            return FormKey{InsnKind::Alu, u8(i.op), 0, i.is64, std::holds_alternative<Reg>(i.src)};
        }
        std::optional<FormKey> operator()(const Endian& i) const {
            return FormKey{InsnKind::Endian, u8(i.op), i.bits, i.op == EndianOp::Swap};
        }
        std::optional<FormKey> operator()(const Load& i) const {
            return FormKey{InsnKind::Load, 0, u8(i.size), false, false, i.sign_extend};
        }
        std::optional<FormKey> operator()(const Store& i) const {
            return FormKey{InsnKind::Store, 0, u8(i.size), false, std::holds_alternative<Reg>(i.src)};
        }
        std::optional<FormKey> operator()(const LoadImm64& i) const { return FormKey{InsnKind::LoadImm64, u8(i.kind)}; }
        std::optional<FormKey> operator()(const Atomic& i) const {
            return FormKey{InsnKind::Atomic, u8(i.op), uint8_t(i.is64 ? 8 : 4), i.is64, true, i.fetch};
        }
        std::optional<FormKey> operator()(const Jump& i) const {
            return FormKey{InsnKind::Jump, u8(i.cond), 0, !i.is32, std::holds_alternative<Reg>(i.src)};
        }
        std::optional<FormKey> operator()(const Call& i) const { return FormKey{InsnKind::Call, u8(i.kind)}; }
        std::optional<FormKey> operator()(const CallX&) const { return FormKey{InsnKind::CallX, 0, 0, false, true}; }
        std::optional<FormKey> operator()(const Exit&) const { return FormKey{InsnKind::Exit}; }
        std::optional<FormKey> operator()(const PacketLoad& i) const {
            return FormKey{InsnKind::PacketLoad, 0, u8(i.size), false, i.indirect, i.indirect};
        }
        std::optional<FormKey> operator()(const LddwSecondSlot&) const { return std::nullopt; }
    };
    return std::visit(Visitor{}, insn);
}

const char* field_name(RawField f) {
    switch (f) {
    case kFieldDst: return "dst";
    case kFieldSrc: return "src";
    case kFieldOff: return "off";
    case kFieldImm: return "imm";
    }
    return "?";
}

const char* selector_name(Selector s) {
    switch (s) {
    case Selector::Off: return "off";
    case Selector::Imm: return "imm";
    case Selector::Src: return "src";
    case Selector::None: break;
    }
    return "";
}

} // namespace ebpfjit::isa
