// Tiny raw-instruction builders for the isa tests.
#pragma once

#include <vector>

#include "isa/instruction.hpp"
#include "isa/opcodes.hpp"

namespace ebpfjit::isa::test {

inline RawInsn raw(uint8_t opcode, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0) {
    RawInsn r{};
    r.opcode = opcode;
    r.dst = dst;
    r.src = src;
    r.off = off;
    r.imm = imm;
    return r;
}
inline RawInsn exit_insn() { return raw(BPF_JMP | BPF_EXIT); }
inline RawInsn mov64_imm(uint8_t dst, int32_t imm) { return raw(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
// Both halves of an LDDW.
inline std::vector<RawInsn> lddw(uint8_t dst, uint8_t src, int32_t imm, int32_t next_imm) {
    return {raw(BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, imm), raw(0, 0, 0, 0, next_imm)};
}

} // namespace ebpfjit::isa::test
