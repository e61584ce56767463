#include "isa/asm_mnemonics.hpp"
#include "isa/opcodes.hpp"

#include <array>

namespace ebpfjit::isa::asm_syntax {
namespace {


struct Named {
    std::string_view name;
    uint8_t code;
    int16_t off = 0;
};

// sdiv/smod are div/mod with offset 1 (RFC 9669 4.1).
constexpr std::array kAluOps{
    Named{"add", BPF_ADD}, Named{"sub", BPF_SUB}, Named{"mul", BPF_MUL}, Named{"div", BPF_DIV},
    Named{"sdiv", BPF_DIV, 1}, Named{"or", BPF_OR}, Named{"and", BPF_AND}, Named{"lsh", BPF_LSH},
    Named{"rsh", BPF_RSH}, Named{"mod", BPF_MOD}, Named{"smod", BPF_MOD, 1}, Named{"xor", BPF_XOR},
    Named{"mov", BPF_MOV}, Named{"arsh", BPF_ARSH},
};

constexpr std::array kConditions{
    Named{"jeq", BPF_JEQ}, Named{"jgt", BPF_JGT}, Named{"jge", BPF_JGE}, Named{"jset", BPF_JSET},
    Named{"jne", BPF_JNE}, Named{"jsgt", BPF_JSGT}, Named{"jsge", BPF_JSGE}, Named{"jlt", BPF_JLT},
    Named{"jle", BPF_JLE}, Named{"jslt", BPF_JSLT}, Named{"jsle", BPF_JSLE},
};

constexpr std::array kWidths{Named{"b", BPF_B}, Named{"h", BPF_H}, Named{"w", BPF_W}, Named{"dw", BPF_DW}};

std::unordered_map<std::string, Mnemonic> build_table() {
    std::unordered_map<std::string, Mnemonic> t;
    auto add = [&](std::string name, Mnemonic m) { t.emplace(std::move(name), m); };

    for (const auto& op : kAluOps) {
        std::string name(op.name);
        add(name, {Form::AluBinary, uint8_t(BPF_ALU64 | op.code), op.off});
        add(name + "64", {Form::AluBinary, uint8_t(BPF_ALU64 | op.code), op.off});
        add(name + "32", {Form::AluBinary, uint8_t(BPF_ALU | op.code), op.off});
    }
    add("neg", {Form::AluUnary, uint8_t(BPF_ALU64 | BPF_NEG)});
    add("neg64", {Form::AluUnary, uint8_t(BPF_ALU64 | BPF_NEG)});
    add("neg32", {Form::AluUnary, uint8_t(BPF_ALU | BPF_NEG)});

    // movsx<from><to>: movsx832 is a 32-bit mov sign-extending the low 8 bits.
    for (int16_t from : {8, 16})
        add("movsx" + std::to_string(from) + "32", {Form::MovSx, uint8_t(BPF_ALU | BPF_MOV | BPF_X), from});
    for (int16_t from : {8, 16, 32})
        add("movsx" + std::to_string(from) + "64",
            {Form::MovSx, uint8_t(BPF_ALU64 | BPF_MOV | BPF_X), from});

    // le/be: ALU class, BPF_K = to little endian, BPF_X = to big endian; bswap: ALU64.
    for (int32_t width : {16, 32, 64}) {
        std::string w = std::to_string(width);
        add("le" + w, {Form::Endian, uint8_t(BPF_ALU | BPF_END), 0, width});
        add("be" + w, {Form::Endian, uint8_t(BPF_ALU | BPF_END | BPF_X), 0, width});
        add("bswap" + w, {Form::Endian, uint8_t(BPF_ALU64 | BPF_END), 0, width});
        add("swap" + w, {Form::Endian, uint8_t(BPF_ALU64 | BPF_END), 0, width});
    }

    for (const auto& w : kWidths) {
        std::string s(w.name);
        add("ldx" + s, {Form::Load, uint8_t(BPF_LDX | BPF_MEM | w.code)});
        add("st" + s, {Form::StoreImm, uint8_t(BPF_ST | BPF_MEM | w.code)});
        add("stx" + s, {Form::StoreReg, uint8_t(BPF_STX | BPF_MEM | w.code)});
        if (w.code != BPF_DW) {
            add("ldxs" + s, {Form::Load, uint8_t(BPF_LDX | BPF_MEMSX | w.code)});
            add("ldabs" + s, {Form::LdAbs, uint8_t(BPF_LD | BPF_ABS | w.code)});
            add("ldind" + s, {Form::LdInd, uint8_t(BPF_LD | BPF_IND | w.code)});
        }
    }
    add("lddw", {Form::Lddw, uint8_t(BPF_LD | BPF_IMM | BPF_DW)});

    for (const auto& c : kConditions) {
        std::string name(c.name);
        add(name, {Form::Jump, uint8_t(BPF_JMP | c.code)});
        add(name + "32", {Form::Jump, uint8_t(BPF_JMP32 | c.code)});
    }
    add("ja", {Form::Ja, uint8_t(BPF_JMP | BPF_JA)});
    add("ja32", {Form::Ja32, uint8_t(BPF_JMP32 | BPF_JA)});
    add("exit", {Form::Exit, uint8_t(BPF_JMP | BPF_EXIT)});
    add("call", {Form::Call, uint8_t(BPF_JMP | BPF_CALL)});
    add("lock", {Form::Lock, 0});
    return t;
}

// imm of the atomic operations (RFC 9669 5.3): the ALU op code, | BPF_FETCH when fetching.
std::unordered_map<std::string, AtomicMnemonic> build_atomics() {
    std::unordered_map<std::string, AtomicMnemonic> t;
    const std::array ops{Named{"add", BPF_ADD}, Named{"or", BPF_OR}, Named{"and", BPF_AND},
                         Named{"xor", BPF_XOR}, Named{"xchg", uint8_t(BPF_XCHG)},
                         Named{"cmpxchg", uint8_t(BPF_CMPXCHG)}};
    for (const auto& op : ops) {
        bool always_fetch = (op.code & BPF_FETCH) != 0;
        std::string name(op.name);
        t.emplace(name, AtomicMnemonic{op.code, true, always_fetch});
        t.emplace(name + "64", AtomicMnemonic{op.code, true, always_fetch});
        t.emplace(name + "32", AtomicMnemonic{op.code, false, always_fetch});
    }
    return t;
}

} // namespace

const std::unordered_map<std::string, Mnemonic>& mnemonic_table() {
    static const auto table = build_table();
    return table;
}

const Mnemonic* find_mnemonic(std::string_view name) {
    const auto& t = mnemonic_table();
    auto it = t.find(std::string(name));
    return it == t.end() ? nullptr : &it->second;
}

const AtomicMnemonic* find_atomic(std::string_view name) {
    static const auto table = build_atomics();
    auto it = table.find(std::string(name));
    return it == table.end() ? nullptr : &it->second;
}

} // namespace ebpfjit::isa::asm_syntax
