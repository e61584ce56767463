// The assembler's one table: mnemonic -> operand form + opcode bits. Built from the
// ISA's op lists, with the opcode constants of isa/opcodes.hpp (ALU ops x {"", "32", "64"}, conditions x {"", "32"}, widths), so a
// test can walk it and every spelling has a single home.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ebpfjit::isa::asm_syntax {

// How the operands after the mnemonic are read.
enum class Form : uint8_t {
    AluBinary, // op %rD, %rS|imm       (BPF_X bit set when the source is a register)
    AluUnary,  // neg %rD
    MovSx,     // movsxNNMM %rD, %rS     (offset = source width)
    Endian,    // le16 %rD               (imm = width)
    Load,      // ldx* %rD, [%rS+off]
    StoreImm,  // st* [%rD+off], imm
    StoreReg,  // stx* [%rD+off], %rS
    Lddw,      // lddw %rD, imm64        (two slots)
    Jump,      // j<cond> %rD, %rS|imm, label|+N
    Ja,        // ja label|+N            (16-bit offset)
    Ja32,      // ja32 label|+N          (32-bit offset in imm)
    Exit,      // exit
    Call,      // call N | call local label | call %rN
    Lock,      // lock [fetch] op [%rD+off], %rS
    LdAbs,     // ldabs{b,h,w} imm                (legacy LD_ABS)
    LdInd,     // ldind{b,h,w} %rS, imm           (legacy LD_IND)
};

struct Mnemonic {
    Form form;
    uint8_t opcode; // for AluBinary / Jump: without the BPF_X source bit
    int16_t off = 0;
    int32_t imm = 0;
};

// nullptr when unknown.
const Mnemonic* find_mnemonic(std::string_view name);
const std::unordered_map<std::string, Mnemonic>& mnemonic_table();

// Atomic operation names after `lock [fetch]`, with their imm (BPF_ADD, ..., BPF_CMPXCHG)
// and whether the operation always fetches (xchg, cmpxchg).
struct AtomicMnemonic {
    int32_t imm;
    bool is64;
    bool always_fetch;
};
const AtomicMnemonic* find_atomic(std::string_view name);

} // namespace ebpfjit::isa::asm_syntax
