// Two passes over the source: the first turns each line into raw words and records
// label definitions and label uses (fixups); the second patches every use with the
// relative offset target - (slot + 1), as the ISA counts jumps and local calls.
#include "isa/assembler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <unordered_map>

#include "isa/asm_lexer.hpp"
#include "isa/asm_mnemonics.hpp"
#include "isa/decoder.hpp"
#include "isa/opcodes.hpp"

namespace ebpfjit::isa {
namespace {

using namespace asm_syntax;

// Where a label's relative offset goes: the 16-bit offset (ja, j<cond>) or the 32-bit
// imm (ja32, call local).
enum class FixupField { Off16, Imm32 };

struct Fixup {
    size_t slot;
    std::string label;
    FixupField field;
    uint32_t line;
};

struct Assembled {
    std::vector<RawInsn> words;
    std::vector<uint32_t> lines; // source line of every slot
};

RawInsn make(uint8_t opcode, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0) {
    RawInsn w{};
    w.opcode = opcode;
    w.dst = dst & 0xf;
    w.src = src & 0xf;
    w.off = off;
    w.imm = imm;
    return w;
}

class Assembler {
public:
    Result<void> line(uint32_t line_no, std::string_view text);
    Result<Assembled> finish(uint32_t last_line);

private:
    using Status = Result<void>;

    Status error(std::string msg) const { return fail(Error::at_line(line_no_, std::move(msg))); }
    Status instruction(std::string_view text);
    Status emit(RawInsn w) {
        out_.words.push_back(w);
        out_.lines.push_back(line_no_);
        return {};
    }
    Status expect_operands(std::string_view mnemonic, const std::vector<std::string_view>& ops,
                           size_t n) const;
    Result<uint8_t> reg(std::string_view text) const;
    Result<MemOperand> mem(std::string_view text) const;
    Result<int32_t> imm(std::string_view text) const;
    // A jump target: `+N` / `-N` (checked against [lo, hi]) or a label (fixed up later).
    Result<int32_t> target(std::string_view text, FixupField field);

    Status alu(const Mnemonic& m, std::string_view name, const std::vector<std::string_view>& ops);
    Status jump(const Mnemonic& m, std::string_view name, const std::vector<std::string_view>& ops);
    Status call(std::string_view rest);
    Status lock(std::string_view rest);

    uint32_t line_no_ = 0;
    Assembled out_;
    std::unordered_map<std::string, int32_t> labels_;
    std::vector<Fixup> fixups_;
    std::optional<int32_t> first_exit_;
};

Result<void> Assembler::line(uint32_t line_no, std::string_view text) {
    line_no_ = line_no;
    text = trim(text.substr(0, text.find('#')));
    // `name:` (optionally followed by an instruction on the same line).
    size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
        std::string_view name = trim(text.substr(0, colon));
        if (!is_label_name(name)) return error(fmt::format("bad label name '{}'", name));
        auto [it, inserted] = labels_.emplace(std::string(name), int32_t(out_.words.size()));
        if (!inserted) return error(fmt::format("duplicate label '{}'", name));
        text = trim(text.substr(colon + 1));
    }
    if (text.empty()) return {};
    return instruction(text);
}

Result<void> Assembler::instruction(std::string_view text) {
    size_t space = text.find_first_of(" \t");
    std::string_view name = text.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? "" : trim(text.substr(space));
    const Mnemonic* m = find_mnemonic(name);
    if (!m) return error(fmt::format("unknown mnemonic '{}'", name));
    if (m->form == Form::Call) return call(rest);
    if (m->form == Form::Lock) return lock(rest);

    auto ops = split_operands(rest);
    switch (m->form) {
    case Form::AluBinary:
    case Form::AluUnary:
    case Form::MovSx:
    case Form::Endian:
        return alu(*m, name, ops);
    case Form::Jump:
    case Form::Ja:
    case Form::Ja32:
        return jump(*m, name, ops);
    case Form::Load: {
        if (auto s = expect_operands(name, ops, 2); !s) return s;
        auto dst = reg(ops[0]);
        if (!dst) return fail(dst.error());
        auto src = mem(ops[1]);
        if (!src) return fail(src.error());
        return emit(make(m->opcode, *dst, src->base, src->off));
    }
    case Form::StoreImm:
    case Form::StoreReg: {
        if (auto s = expect_operands(name, ops, 2); !s) return s;
        auto dst = mem(ops[0]);
        if (!dst) return fail(dst.error());
        if (m->form == Form::StoreReg) {
            auto src = reg(ops[1]);
            if (!src) return fail(src.error());
            return emit(make(m->opcode, dst->base, *src, dst->off));
        }
        auto value = imm(ops[1]);
        if (!value) return fail(value.error());
        return emit(make(m->opcode, dst->base, 0, dst->off, *value));
    }
    case Form::Lddw: {
        if (auto s = expect_operands(name, ops, 2); !s) return s;
        auto dst = reg(ops[0]);
        if (!dst) return fail(dst.error());
        auto n = parse_number(ops[1]);
        if (!n) return error(fmt::format("bad immediate '{}'", ops[1]));
        auto value = imm64(*n);
        if (!value) return error(fmt::format("immediate out of range: '{}'", ops[1]));
        // Two slots: low 32 bits in the first imm, high 32 bits in the second.
        emit(make(m->opcode, *dst, 0, 0, int32_t(uint32_t(*value))));
        return emit(make(0, 0, 0, 0, int32_t(uint32_t(*value >> 32))));
    }
    case Form::Exit:
        if (auto s = expect_operands(name, ops, 0); !s) return s;
        if (!first_exit_) first_exit_ = int32_t(out_.words.size());
        return emit(make(m->opcode));
    case Form::LdAbs: {
        if (auto s = expect_operands(name, ops, 1); !s) return s;
        auto value = imm(ops[0]);
        if (!value) return fail(value.error());
        return emit(make(m->opcode, 0, 0, 0, *value));
    }
    case Form::LdInd: {
        if (auto s = expect_operands(name, ops, 2); !s) return s;
        auto src = reg(ops[0]);
        if (!src) return fail(src.error());
        auto value = imm(ops[1]);
        if (!value) return fail(value.error());
        return emit(make(m->opcode, 0, *src, 0, *value));
    }
    case Form::Call:
    case Form::Lock:
        break; // handled above
    }
    return error(fmt::format("unknown mnemonic '{}'", name));
}

Result<void> Assembler::alu(const Mnemonic& m, std::string_view name,
                            const std::vector<std::string_view>& ops) {
    size_t want = (m.form == Form::AluBinary || m.form == Form::MovSx) ? 2 : 1;
    if (auto s = expect_operands(name, ops, want); !s) return s;
    auto dst = reg(ops[0]);
    if (!dst) return fail(dst.error());
    switch (m.form) {
    case Form::AluUnary:
        return emit(make(m.opcode, *dst));
    case Form::Endian:
        return emit(make(m.opcode, *dst, 0, 0, m.imm));
    case Form::MovSx: {
        auto src = reg(ops[1]);
        if (!src) return fail(src.error());
        return emit(make(m.opcode, *dst, *src, m.off));
    }
    default:
        break;
    }
    if (ops[1].starts_with('%')) {
        auto src = reg(ops[1]);
        if (!src) return fail(src.error());
        return emit(make(m.opcode | BPF_X, *dst, *src, m.off));
    }
    auto value = imm(ops[1]);
    if (!value) return fail(value.error());
    return emit(make(m.opcode, *dst, 0, m.off, *value));
}

Result<void> Assembler::jump(const Mnemonic& m, std::string_view name,
                             const std::vector<std::string_view>& ops) {
    if (m.form == Form::Ja || m.form == Form::Ja32) {
        if (auto s = expect_operands(name, ops, 1); !s) return s;
        bool wide = m.form == Form::Ja32;
        auto rel = target(ops[0], wide ? FixupField::Imm32 : FixupField::Off16);
        if (!rel) return fail(rel.error());
        return wide ? emit(make(m.opcode, 0, 0, 0, *rel)) : emit(make(m.opcode, 0, 0, int16_t(*rel)));
    }
    if (auto s = expect_operands(name, ops, 3); !s) return s;
    auto dst = reg(ops[0]);
    if (!dst) return fail(dst.error());
    auto rel = target(ops[2], FixupField::Off16);
    if (!rel) return fail(rel.error());
    if (ops[1].starts_with('%')) {
        auto src = reg(ops[1]);
        if (!src) return fail(src.error());
        return emit(make(m.opcode | BPF_X, *dst, *src, int16_t(*rel)));
    }
    auto value = imm(ops[1]);
    if (!value) return fail(value.error());
    return emit(make(m.opcode, *dst, 0, int16_t(*rel), *value));
}

// `call N` (helper), `call local label|+N` (bpf-to-bpf), `call %rN` (callx, reg in dst).
Result<void> Assembler::call(std::string_view rest) {
    if (rest.starts_with("local") && (rest.size() == 5 || std::isspace(static_cast<unsigned char>(rest[5])))) {
        auto ops = split_operands(rest.substr(5));
        if (auto s = expect_operands("call local", ops, 1); !s) return s;
        auto rel = target(ops[0], FixupField::Imm32);
        if (!rel) return fail(rel.error());
        return emit(make(uint8_t(BPF_JMP | BPF_CALL), 0, BPF_PSEUDO_CALL, 0, *rel));
    }
    auto ops = split_operands(rest);
    if (auto s = expect_operands("call", ops, 1); !s) return s;
    if (ops[0].starts_with('%')) {
        auto r = reg(ops[0]);
        if (!r) return fail(r.error());
        return emit(make(uint8_t(BPF_JMP | BPF_CALL | BPF_X), *r));
    }
    auto id = imm(ops[0]);
    if (!id) return fail(id.error());
    return emit(make(uint8_t(BPF_JMP | BPF_CALL), 0, 0, 0, *id));
}

// `lock [fetch] op [%rD+off], %rS`: STX | ATOMIC | W/DW, imm = operation (| FETCH).
Result<void> Assembler::lock(std::string_view rest) {
    bool fetch = false;
    if (rest.starts_with("fetch ") || rest.starts_with("fetch\t")) {
        fetch = true;
        rest = trim(rest.substr(5));
    }
    size_t space = rest.find_first_of(" \t");
    std::string_view op_name = rest.substr(0, space);
    const AtomicMnemonic* op = find_atomic(op_name);
    if (!op) return error(fmt::format("unknown atomic operation 'lock {}{}'", fetch ? "fetch " : "", op_name));
    if (fetch && op->always_fetch)
        return error(fmt::format("'{}' always fetches; write 'lock {}'", op_name, op_name));
    auto ops = split_operands(space == std::string_view::npos ? "" : rest.substr(space));
    if (auto s = expect_operands(fmt::format("lock {}", op_name), ops, 2); !s) return s;
    auto dst = mem(ops[0]);
    if (!dst) return fail(dst.error());
    auto src = reg(ops[1]);
    if (!src) return fail(src.error());
    uint8_t opcode = BPF_STX | BPF_ATOMIC | (op->is64 ? BPF_DW : BPF_W);
    int32_t imm_value = op->imm | (fetch ? BPF_FETCH : 0);
    return emit(make(opcode, dst->base, *src, dst->off, imm_value));
}

Result<void> Assembler::expect_operands(std::string_view mnemonic,
                                        const std::vector<std::string_view>& ops, size_t n) const {
    if (ops.size() == n) return {};
    return error(fmt::format("'{}' takes {} operand{}, got {}", mnemonic, n, n == 1 ? "" : "s", ops.size()));
}

Result<uint8_t> Assembler::reg(std::string_view text) const {
    if (auto r = parse_register(text)) return *r;
    return fail(Error::at_line(line_no_, fmt::format("bad register '{}'", text)));
}

Result<MemOperand> Assembler::mem(std::string_view text) const {
    auto parsed = parse_mem(text);
    if (parsed.mem) return *parsed.mem;
    switch (parsed.error) {
    case MemError::BadRegister:
        return fail(Error::at_line(line_no_, fmt::format("bad register in memory operand '{}'", text)));
    case MemError::OffsetRange:
        return fail(Error::at_line(line_no_, fmt::format("offset out of range in '{}'", text)));
    case MemError::Syntax:
        break;
    }
    return fail(Error::at_line(line_no_, fmt::format("bad memory operand '{}' (want [%rN+off])", text)));
}

Result<int32_t> Assembler::imm(std::string_view text) const {
    auto n = parse_number(text);
    if (!n) return fail(Error::at_line(line_no_, fmt::format("bad immediate '{}'", text)));
    auto v = imm32(*n);
    if (!v) return fail(Error::at_line(line_no_, fmt::format("immediate out of range: '{}'", text)));
    return *v;
}

Result<int32_t> Assembler::target(std::string_view text, FixupField field) {
    if (text.starts_with('+') || text.starts_with('-')) {
        auto n = parse_number(text);
        if (!n) return fail(Error::at_line(line_no_, fmt::format("bad jump offset '{}'", text)));
        auto v = field == FixupField::Off16
                     ? number_in_range(*n, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max())
                     : number_in_range(*n, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
        if (!v) return fail(Error::at_line(line_no_, fmt::format("jump offset out of range: '{}'", text)));
        return int32_t(*v);
    }
    if (!is_label_name(text))
        return fail(Error::at_line(line_no_, fmt::format("bad jump target '{}' (want a label or +N/-N)", text)));
    fixups_.push_back(Fixup{out_.words.size(), std::string(text), field, line_no_});
    return 0;
}

Result<Assembled> Assembler::finish(uint32_t last_line) {
    for (const auto& f : fixups_) {
        std::optional<int32_t> target;
        if (auto it = labels_.find(f.label); it != labels_.end()) target = it->second;
        else if (f.label == "exit") target = first_exit_; // the suite's implicit label
        if (!target) return fail(Error::at_line(f.line, fmt::format("undefined label '{}'", f.label)));
        int64_t rel = int64_t(*target) - int64_t(f.slot) - 1;
        RawInsn& w = out_.words[f.slot];
        if (f.field == FixupField::Off16) {
            if (rel < std::numeric_limits<int16_t>::min() || rel > std::numeric_limits<int16_t>::max())
                return fail(Error::at_line(f.line, fmt::format("jump to '{}' out of range ({} slots)", f.label, rel)));
            w.off = int16_t(rel);
        } else {
            w.imm = int32_t(rel);
        }
    }
    if (out_.words.empty()) return fail(Error::at_line(last_line, "no instructions"));
    return std::move(out_);
}

Result<Assembled> assemble_with_lines(std::string_view source) {
    Assembler a;
    uint32_t line_no = 0;
    size_t pos = 0;
    while (pos <= source.size()) {
        size_t nl = source.find('\n', pos);
        std::string_view text = source.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        ++line_no;
        if (auto s = a.line(line_no, text); !s) return fail(s.error());
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return a.finish(std::max<uint32_t>(line_no, 1));
}

} // namespace

Result<std::vector<RawInsn>> assemble_raw(std::string_view source) {
    auto assembled = assemble_with_lines(source);
    if (!assembled) return fail(assembled.error());
    return std::move(assembled->words);
}

Result<Program> assemble(std::string_view source) {
    auto assembled = assemble_with_lines(source);
    if (!assembled) return fail(assembled.error());
    auto program = decode(assembled->words);
    if (!program) {
        // Point the decoder's complaint back at the source line of its instruction.
        Error e = program.error();
        if (e.insn && *e.insn < assembled->lines.size()) e.line = assembled->lines[*e.insn];
        return fail(std::move(e));
    }
    return program;
}

} // namespace ebpfjit::isa
