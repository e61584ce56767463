// Hand-built isa::Program values for JIT tests (no assembler needed).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiler.hpp"
#include "jit/x86_64/compile.hpp"
#include "runtime/run/native_run.hpp"

namespace ebpfjit::test {

using namespace isa;

inline Instruction mov64(uint8_t d, int32_t imm) { return Alu{AluOp::Mov, true, Reg{d}, Imm{imm}}; }
inline Instruction mov64r(uint8_t d, uint8_t s) { return Alu{AluOp::Mov, true, Reg{d}, Reg{s}}; }
inline Instruction alu64(AluOp op, uint8_t d, int32_t imm) { return Alu{op, true, Reg{d}, Imm{imm}}; }
inline Instruction alu64r(AluOp op, uint8_t d, uint8_t s) { return Alu{op, true, Reg{d}, Reg{s}}; }
inline Instruction alu32(AluOp op, uint8_t d, int32_t imm) { return Alu{op, false, Reg{d}, Imm{imm}}; }
inline Instruction alu32r(AluOp op, uint8_t d, uint8_t s) { return Alu{op, false, Reg{d}, Reg{s}}; }
inline Instruction exit_insn() { return Exit{}; }
inline Instruction jmp(int32_t target) { return Jump{Cond::Always, false, Reg{0}, Imm{0}, target}; }
inline Instruction jcc(Cond c, uint8_t d, int32_t imm, int32_t target) {
    return Jump{c, false, Reg{d}, Imm{imm}, target};
}
inline Instruction jccr(Cond c, uint8_t d, uint8_t s, int32_t target) {
    return Jump{c, false, Reg{d}, Reg{s}, target};
}
inline Instruction call_local(int32_t target) { return Call{CallKind::Local, 0, target}; }
inline Instruction call_helper(int32_t id) { return Call{CallKind::Helper, id, -1}; }
inline Instruction ldx(Size s, uint8_t d, uint8_t b, int16_t off) { return Load{s, false, Reg{d}, Reg{b}, off}; }
inline Instruction stx(Size s, uint8_t b, int16_t off, uint8_t src) { return Store{s, Reg{b}, off, Reg{src}}; }

// Appends an LDDW (two slots).
inline void lddw(std::vector<Instruction>& v, uint8_t d, uint64_t value,
                 LddwKind kind = LddwKind::Imm64) {
    v.push_back(LoadImm64{Reg{d}, kind, static_cast<int32_t>(static_cast<uint32_t>(value)),
                          static_cast<int32_t>(static_cast<uint32_t>(value >> 32))});
    v.push_back(LddwSecondSlot{});
}

// subprogram_starts from the local calls, as the decoder computes them.
inline Program make_program(std::vector<Instruction> insns) {
    Program p;
    p.insns = std::move(insns);
    p.subprogram_starts.push_back(0);
    for (const auto& i : p.insns)
        if (const auto* c = std::get_if<Call>(&i); c && c->kind == CallKind::Local)
            p.subprogram_starts.push_back(c->target);
    std::sort(p.subprogram_starts.begin(), p.subprogram_starts.end());
    p.subprogram_starts.erase(std::unique(p.subprogram_starts.begin(), p.subprogram_starts.end()),
                              p.subprogram_starts.end());
    return p;
}

// A small helper table for tests (the builtin table belongs to the helpers folder).
inline uint64_t test_helper_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e;
}
inline const helpers::HelperTable& test_helpers() {
    static const helpers::HelperTable table = [] {
        helpers::HelperTable t;
        t.add(helpers::Helper{1000, "test_sum", {}, kAllProgramTypes, &test_helper_sum});
        return t;
    }();
    return table;
}
inline helpers::ProgramBindings test_bindings() { return helpers::ProgramBindings{&test_helpers(), {}}; }

inline Result<uint64_t> jit_run(const Program& p, std::span<uint8_t> mem = {},
                                const helpers::ProgramBindings* bindings = nullptr) {
    const helpers::ProgramBindings fallback = test_bindings();
    auto compiled = jit::compile(p, verifier::Facts{}, bindings ? *bindings : fallback);
    if (!compiled) return fail(compiled.error());
    return runtime::run_native_mem(*compiled, mem);
}

} // namespace ebpfjit::test
