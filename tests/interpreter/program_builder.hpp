// Small helpers to write isa::Program values by hand in tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "isa/instruction.hpp"
#include "runtime/interpreter.hpp"

namespace ebpfjit::test {

using namespace ebpfjit::isa;

inline Reg r(uint8_t n) { return Reg{n}; }
inline Imm imm(int32_t v) { return Imm{v}; }

inline Alu alu64(AluOp op, uint8_t dst, Operand src) { return Alu{op, true, r(dst), src}; }
inline Alu alu32(AluOp op, uint8_t dst, Operand src) { return Alu{op, false, r(dst), src}; }
inline Alu mov(uint8_t dst, Operand src) { return alu64(AluOp::Mov, dst, src); }
inline Exit exit_() { return Exit{}; }

// Fills subprogram_starts from the local calls, as the decoder does.
inline Program make_program(std::vector<Instruction> insns) {
    Program p;
    p.insns = std::move(insns);
    p.subprogram_starts.push_back(0);
    for (const auto& insn : p.insns)
        if (const auto* call = std::get_if<Call>(&insn); call && call->kind == CallKind::Local)
            p.subprogram_starts.push_back(call->target);
    std::sort(p.subprogram_starts.begin(), p.subprogram_starts.end());
    p.subprogram_starts.erase(std::unique(p.subprogram_starts.begin(), p.subprogram_starts.end()),
                              p.subprogram_starts.end());
    return p;
}

// Appends an LDDW (two slots).
inline void add_lddw(std::vector<Instruction>& insns, uint8_t dst, uint64_t value,
                     LddwKind kind = LddwKind::Imm64) {
    insns.push_back(LoadImm64{r(dst), kind, static_cast<int32_t>(value), static_cast<int32_t>(value >> 32)});
    insns.push_back(LddwSecondSlot{});
}

inline Result<uint64_t> run_mem(const Program& p, std::span<uint8_t> mem = {},
                                runtime::InterpreterOptions options = {},
                                helpers::ProgramBindings bindings = {}) {
    return runtime::Interpreter(p, std::move(bindings), options).run_mem(mem);
}

} // namespace ebpfjit::test
