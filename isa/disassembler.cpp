#include "isa/disassembler.hpp"

#include <fmt/format.h>

namespace ebpfjit::isa {
namespace {

// 64-bit operations name registers rN, 32-bit ones wN (llvm-objdump's convention).
std::string reg(Reg r, bool is64 = true) { return fmt::format("{}{}", is64 ? 'r' : 'w', r.n); }

std::string operand(const Operand& o, bool is64 = true) {
    if (auto* r = std::get_if<Reg>(&o)) return reg(*r, is64);
    return fmt::format("{}", std::get<Imm>(o).v);
}

// "(r2 + 4)", "(r10 - 8)"
std::string address(Reg base, int16_t off) {
    if (off < 0) return fmt::format("({} - {})", reg(base), -int32_t(off));
    return fmt::format("({} + {})", reg(base), off);
}

std::string size_type(Size s, bool is_signed = false) {
    return fmt::format("{}{}", is_signed ? 's' : 'u', unsigned(s) * 8);
}

// "+3", "-2": llvm prints branch offsets relative to the next instruction.
std::string relative(int64_t target, uint32_t pc) {
    const int64_t rel = target - int64_t(pc) - 1;
    return fmt::format("{}{}", rel < 0 ? "" : "+", rel);
}

const char* alu_symbol(AluOp op) {
    switch (op) {
    case AluOp::Add: return "+=";
    case AluOp::Sub: return "-=";
    case AluOp::Mul: return "*=";
    case AluOp::Div: return "/=";
    case AluOp::SDiv: return "s/=";
    case AluOp::Or: return "|=";
    case AluOp::And: return "&=";
    case AluOp::Lsh: return "<<=";
    case AluOp::Rsh: return ">>=";
    case AluOp::Mod: return "%=";
    case AluOp::SMod: return "s%=";
    case AluOp::Xor: return "^=";
    case AluOp::Arsh: return "s>>=";
    case AluOp::Mov:
    case AluOp::MovSx8:
    case AluOp::MovSx16:
    case AluOp::MovSx32:
    case AluOp::Neg: return "=";
    }
    return "?";
}

const char* cond_symbol(Cond c) {
    switch (c) {
    case Cond::Eq: return "==";
    case Cond::Gt: return ">";
    case Cond::Ge: return ">=";
    case Cond::Set: return "&";
    case Cond::Ne: return "!=";
    case Cond::SGt: return "s>";
    case Cond::SGe: return "s>=";
    case Cond::Lt: return "<";
    case Cond::Le: return "<=";
    case Cond::SLt: return "s<";
    case Cond::SLe: return "s<=";
    case Cond::Always: break;
    }
    return "?";
}

const char* atomic_name(AtomicOp op) {
    switch (op) {
    case AtomicOp::Add: return "add";
    case AtomicOp::Or: return "or";
    case AtomicOp::And: return "and";
    case AtomicOp::Xor: return "xor";
    case AtomicOp::Xchg: return "xchg";
    case AtomicOp::CmpXchg: return "cmpxchg";
    }
    return "?";
}

const char* atomic_symbol(AtomicOp op) {
    switch (op) {
    case AtomicOp::Add: return "+=";
    case AtomicOp::Or: return "|=";
    case AtomicOp::And: return "&=";
    case AtomicOp::Xor: return "^=";
    default: return "?";
    }
}

struct Printer {
    uint32_t pc;
    const HelperNamer& namer;

    std::string operator()(const Alu& i) const {
        const std::string dst = reg(i.dst, i.is64);
        switch (i.op) {
        case AluOp::Neg: return fmt::format("{} = -{}", dst, dst);
        case AluOp::MovSx8: return fmt::format("{} = (s8){}", dst, operand(i.src, i.is64));
        case AluOp::MovSx16: return fmt::format("{} = (s16){}", dst, operand(i.src, i.is64));
        case AluOp::MovSx32: return fmt::format("{} = (s32){}", dst, operand(i.src, i.is64));
        default: return fmt::format("{} {} {}", dst, alu_symbol(i.op), operand(i.src, i.is64));
        }
    }
    std::string operator()(const Endian& i) const {
        const char* name = i.op == EndianOp::ToLe ? "le" : i.op == EndianOp::ToBe ? "be" : "bswap";
        return fmt::format("{} = {}{} {}", reg(i.dst), name, i.bits, reg(i.dst));
    }
    std::string operator()(const Load& i) const {
        return fmt::format("{} = *({} *){}", reg(i.dst), size_type(i.size, i.sign_extend), address(i.base, i.off));
    }
    std::string operator()(const Store& i) const {
        return fmt::format("*({} *){} = {}", size_type(i.size), address(i.base, i.off), operand(i.src));
    }
    std::string operator()(const LoadImm64& i) const {
        const std::string dst = reg(i.dst);
        switch (i.kind) {
        case LddwKind::Imm64: return fmt::format("{} = {:#x} ll", dst, i.value());
        case LddwKind::MapFd: return fmt::format("{} = map_fd {} ll", dst, i.imm);
        case LddwKind::MapValue: return fmt::format("{} = map_value {} + {} ll", dst, i.imm, i.next_imm);
        case LddwKind::VariableAddr: return fmt::format("{} = btf_var {} ll", dst, i.imm);
        case LddwKind::CodeAddr: return fmt::format("{} = func pc{} ll", dst, relative(int64_t(pc) + 1 + i.imm, pc));
        case LddwKind::MapIdx: return fmt::format("{} = map_idx {} ll", dst, i.imm);
        case LddwKind::MapIdxValue: return fmt::format("{} = map_idx_value {} + {} ll", dst, i.imm, i.next_imm);
        }
        return "?";
    }
    // As llvm prints them: `lock *(u64 *)(r1 + 0) += r2`, `r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)`,
    // `r2 = xchg_64(r1 + 0, r2)`, `w0 = cmpxchg32_32(r1 + 0, w0, w2)`.
    std::string operator()(const Atomic& i) const {
        const std::string addr = address(i.base, i.off);
        const std::string bare_addr = addr.substr(1, addr.size() - 2);
        const std::string src = reg(i.src, i.is64);
        const char* suffix = i.is64 ? "_64" : "32_32";
        switch (i.op) {
        case AtomicOp::Xchg: return fmt::format("{} = xchg{}({}, {})", src, suffix, bare_addr, src);
        case AtomicOp::CmpXchg: {
            const std::string r0 = reg(Reg{0}, i.is64);
            return fmt::format("{} = cmpxchg{}({}, {}, {})", r0, suffix, bare_addr, r0, src);
        }
        default: {
            const char* type = i.is64 ? "u64" : "u32";
            if (i.fetch)
                return fmt::format("{} = atomic_fetch_{}(({} *){}, {})", src, atomic_name(i.op), type, addr, src);
            return fmt::format("lock *({} *){} {} {}", type, addr, atomic_symbol(i.op), src);
        }
        }
    }
    std::string operator()(const Jump& i) const {
        if (i.cond == Cond::Always) return fmt::format("{} {}", i.is32 ? "gotol" : "goto", relative(i.target, pc));
        return fmt::format("if {} {} {} goto {}", reg(i.dst, !i.is32), cond_symbol(i.cond), operand(i.src, !i.is32),
                           relative(i.target, pc));
    }
    std::string operator()(const Call& i) const {
        switch (i.kind) {
        case CallKind::Helper: {
            const std::string_view name = namer ? namer(i.imm) : std::string_view{};
            if (name.empty()) return fmt::format("call #{}", i.imm);
            return fmt::format("call bpf_{}#{}", name, i.imm);
        }
        case CallKind::Local: return fmt::format("call pc{}", relative(i.target, pc));
        case CallKind::Kfunc: return fmt::format("call kfunc#{}", i.imm);
        }
        return "?";
    }
    std::string operator()(const CallX& i) const { return fmt::format("callx {}", reg(i.reg)); }
    std::string operator()(const Exit&) const { return "exit"; }
    std::string operator()(const PacketLoad& i) const {
        if (i.indirect) {
            if (i.imm < 0) return fmt::format("r0 = *({} *)skb[{} - {}]", size_type(i.size), reg(i.src), -int64_t(i.imm));
            return fmt::format("r0 = *({} *)skb[{} + {}]", size_type(i.size), reg(i.src), i.imm);
        }
        return fmt::format("r0 = *({} *)skb[{}]", size_type(i.size), i.imm);
    }
    std::string operator()(const LddwSecondSlot&) const { return ""; }
};

} // namespace

std::string disassemble(const Instruction& insn, uint32_t pc, const HelperNamer& namer) {
    return std::visit(Printer{pc, namer}, insn);
}

std::string disassemble(const Program& program, const HelperNamer& namer) {
    std::string out;
    for (size_t pc = 0; pc < program.insns.size(); ++pc) {
        if (std::holds_alternative<LddwSecondSlot>(program.insns[pc])) continue;
        out += fmt::format("{:>5}: {}\n", pc, disassemble(program.insns[pc], uint32_t(pc), namer));
    }
    return out;
}

} // namespace ebpfjit::isa
