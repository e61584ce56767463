#include "isa/asm_mnemonics.hpp"

#include <array>

namespace ebpfjit::isa::asm_syntax {
namespace {

using namespace bits;

struct Named {
    std::string_view name;
    uint8_t code;
    int16_t off = 0;
};

// ALU operation codes (high nibble). sdiv/smod are div/mod with offset 1.
constexpr std::array kAluOps{
    Named{"add", 0x00}, Named{"sub", 0x10}, Named{"mul", 0x20}, Named{"div", 0x30},
    Named{"sdiv", 0x30, 1}, Named{"or", 0x40}, Named{"and", 0x50}, Named{"lsh", 0x60},
    Named{"rsh", 0x70}, Named{"mod", 0x90}, Named{"smod", 0x90, 1}, Named{"xor", 0xa0},
    Named{"mov", 0xb0}, Named{"arsh", 0xc0},
};
constexpr uint8_t kNeg = 0x80, kMov = 0xb0, kEnd = 0xd0;

constexpr std::array kConditions{
    Named{"jeq", 0x10}, Named{"jgt", 0x20}, Named{"jge", 0x30}, Named{"jset", 0x40},
    Named{"jne", 0x50}, Named{"jsgt", 0x60}, Named{"jsge", 0x70}, Named{"jlt", 0xa0},
    Named{"jle", 0xb0}, Named{"jslt", 0xc0}, Named{"jsle", 0xd0},
};

constexpr std::array kWidths{Named{"b", kB}, Named{"h", kH}, Named{"w", kW}, Named{"dw", kDW}};

std::unordered_map<std::string, Mnemonic> build_table() {
    std::unordered_map<std::string, Mnemonic> t;
    auto add = [&](std::string name, Mnemonic m) { t.emplace(std::move(name), m); };

    for (const auto& op : kAluOps) {
        std::string name(op.name);
        add(name, {Form::AluBinary, uint8_t(kAlu64 | op.code), op.off});
        add(name + "64", {Form::AluBinary, uint8_t(kAlu64 | op.code), op.off});
        add(name + "32", {Form::AluBinary, uint8_t(kAlu | op.code), op.off});
    }
    add("neg", {Form::AluUnary, uint8_t(kAlu64 | kNeg)});
    add("neg64", {Form::AluUnary, uint8_t(kAlu64 | kNeg)});
    add("neg32", {Form::AluUnary, uint8_t(kAlu | kNeg)});

    // movsx<from><to>: movsx832 is a 32-bit mov sign-extending the low 8 bits.
    for (int16_t from : {8, 16})
        add("movsx" + std::to_string(from) + "32", {Form::MovSx, uint8_t(kAlu | kMov | kSrcX), from});
    for (int16_t from : {8, 16, 32})
        add("movsx" + std::to_string(from) + "64",
            {Form::MovSx, uint8_t(kAlu64 | kMov | kSrcX), from});

    // le/be: ALU class, BPF_K = to little endian, BPF_X = to big endian; bswap: ALU64.
    for (int32_t width : {16, 32, 64}) {
        std::string w = std::to_string(width);
        add("le" + w, {Form::Endian, uint8_t(kAlu | kEnd), 0, width});
        add("be" + w, {Form::Endian, uint8_t(kAlu | kEnd | kSrcX), 0, width});
        add("bswap" + w, {Form::Endian, uint8_t(kAlu64 | kEnd), 0, width});
        add("swap" + w, {Form::Endian, uint8_t(kAlu64 | kEnd), 0, width});
    }

    for (const auto& w : kWidths) {
        std::string s(w.name);
        add("ldx" + s, {Form::Load, uint8_t(kLdx | kMem | w.code)});
        add("st" + s, {Form::StoreImm, uint8_t(kSt | kMem | w.code)});
        add("stx" + s, {Form::StoreReg, uint8_t(kStx | kMem | w.code)});
        if (w.code != kDW) {
            add("ldxs" + s, {Form::Load, uint8_t(kLdx | kMemSx | w.code)});
            add("ldabs" + s, {Form::LdAbs, uint8_t(kLd | kAbs | w.code)});
            add("ldind" + s, {Form::LdInd, uint8_t(kLd | kInd | w.code)});
        }
    }
    add("lddw", {Form::Lddw, uint8_t(kLd | kImm | kDW)});

    for (const auto& c : kConditions) {
        std::string name(c.name);
        add(name, {Form::Jump, uint8_t(kJmp | c.code)});
        add(name + "32", {Form::Jump, uint8_t(kJmp32 | c.code)});
    }
    add("ja", {Form::Ja, kJmp});
    add("ja32", {Form::Ja32, kJa32});
    add("exit", {Form::Exit, kExit});
    add("call", {Form::Call, kCall});
    add("lock", {Form::Lock, 0});
    return t;
}

// imm of the atomic operations (RFC 9669 5.3): the ALU op code, | BPF_FETCH when fetching.
std::unordered_map<std::string, AtomicMnemonic> build_atomics() {
    std::unordered_map<std::string, AtomicMnemonic> t;
    const std::array ops{Named{"add", 0x00}, Named{"or", 0x40}, Named{"and", 0x50},
                         Named{"xor", 0xa0}, Named{"xchg", 0xe0 | kAtomicFetch},
                         Named{"cmpxchg", 0xf0 | kAtomicFetch}};
    for (const auto& op : ops) {
        bool always_fetch = (op.code & kAtomicFetch) != 0;
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
