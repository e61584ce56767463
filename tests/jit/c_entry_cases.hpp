// Programs for the C entry tests of both backends (tests/jit/c_entry_test.cpp on the
// host's backend, tests/jit_arm64/c_entry_test.cpp on A64): lean stackless code of the
// shapes whose C entry differs (jit/drive.hpp's emit_c_entry; each backend's prologue.cpp):
// with and without calls (where the r0 pointer is kept), with callee-saved registers to
// save, with the blinding register in use, with jumps (the copy's own labels), and with
// registers read before written (zeroed at entry: the r0 pointer arrives in r3's host
// register and must not be what the program reads).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/jit/program_builder.hpp"
#include "verifier/facts.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::test::c_entry {

constexpr int32_t kStatelessHelperId = 1020; // uses_run_state = false: its callers stay lean

inline uint64_t stateless_helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    return a * 3 + b * 5 + c * 7 + d * 11 + e * 13;
}

inline const helpers::HelperTable& table() {
    static const helpers::HelperTable t = [] {
        helpers::HelperTable h = test_helpers();
        helpers::Helper stateless{kStatelessHelperId, "test_c_entry_stateless", {}, kAllProgramTypes,
                                  &stateless_helper};
        stateless.uses_run_state = false;
        h.add(stateless);
        return h;
    }();
    return t;
}
inline helpers::ProgramBindings bindings() { return helpers::ProgramBindings{&table(), {}}; }

// Every access proven (what a verified program gets: no run-time checks, so lean code).
inline verifier::Facts all_proven(const Program& p) {
    verifier::Facts f;
    f.access_in_bounds.assign(p.insns.size(), true);
    return f;
}

// What the JIT is told about the program.
enum class Proof {
    All,      // every access proven (all_proven)
    None,     // empty Facts: registers read before written are zeroed at entry
    Verifier, // the full verifier's Facts (loop bounds: what the block idioms need)
};

struct Case {
    std::string name;
    Program program;
    Proof proof = Proof::All;
    bool blind = false; // constant blinding: the blinding register is in use
};

inline verifier::Facts facts_of(const Case& c) {
    switch (c.proof) {
    case Proof::All: return all_proven(c.program);
    case Proof::None: return {};
    case Proof::Verifier: break;
    }
    verifier::VerifierInput input;
    input.type = ProgramType::Mem;
    input.level = verifier::Level::Full;
    input.helpers = &helpers::HelperTable::builtin();
    auto facts = verifier::verify(c.program, input);
    if (!facts) return {}; // the test's own checks then find no C entry (checked code)
    return *facts;
}

// r1 = the buffer's address, r2 = its size (128 bytes: 0x01..0x80), as a mem run.
inline std::vector<Case> cases() {
    std::vector<Case> out;
    out.push_back({"return a constant", make_program({mov64(0, 0x1234), exit_insn()})});
    out.push_back({"arithmetic on r1 and r2",
                   make_program({mov64r(0, 2), alu64(AluOp::Mul, 0, 7), mov64r(3, 1), alu64(AluOp::Rsh, 3, 3),
                                 alu64r(AluOp::Xor, 0, 3), alu32r(AluOp::Add, 0, 2), exit_insn()})});
    out.push_back({"reads of the buffer",
                   make_program({ldx(Size::DW, 0, 1, 0), ldx(Size::W, 3, 1, 8), alu64r(AluOp::Add, 0, 3),
                                 ldx(Size::B, 4, 1, 15), alu64(AluOp::Lsh, 4, 56), alu64r(AluOp::Xor, 0, 4),
                                 exit_insn()})});
    out.push_back({"r6-r9 written, no calls",
                   make_program({mov64r(6, 1), mov64r(7, 2), mov64r(8, 6), alu64r(AluOp::Mul, 8, 7),
                                 mov64r(9, 8), alu64(AluOp::Xor, 9, 0x55), mov64r(0, 9), alu64r(AluOp::Add, 0, 6),
                                 alu64r(AluOp::Sub, 0, 7), exit_insn()})});
    // r6 and r7 live across the call: pushed by the lean frame, and the r0 pointer too.
    out.push_back({"r6-r7 across a helper call",
                   make_program({mov64r(6, 1), mov64r(7, 2), mov64(1, 1), mov64(2, 2), mov64(3, 3), mov64(4, 4),
                                 mov64(5, 5), call_helper(kStatelessHelperId), alu64r(AluOp::Add, 0, 7),
                                 alu64r(AluOp::Xor, 0, 6), exit_insn()})});
    // Only r6 saved: an odd number of pushes with the r0 pointer's, so x86-64's padding differs.
    out.push_back({"r6 across a helper call",
                   make_program({mov64r(6, 2), mov64(1, 9), mov64(2, 0), mov64(3, 0), mov64(4, 0), mov64(5, 0),
                                 call_helper(kStatelessHelperId), alu64r(AluOp::Add, 0, 6), exit_insn()})});
    // sum = size + (size - 1) + ... + 1, with an early exit for size 0 (the exit's jump
    // to the copy's own epilogue) and a backward jump.
    out.push_back({"a loop and two exits",
                   make_program({mov64(0, 0), jcc(Cond::Ne, 2, 0, 4), mov64(0, -1), exit_insn(),
                                 alu64r(AluOp::Add, 0, 2), alu64(AluOp::Sub, 2, 1), jcc(Cond::Ne, 2, 0, 4),
                                 exit_insn()})});
    // Empty Facts: r3, r4 and r5 are read before written, so the entry zeroes them (the
    // interpreter starts them at 0); the C entry's r0 pointer came in r3's register.
    out.push_back({"r3-r5 read before written",
                   make_program({mov64r(0, 3), alu64r(AluOp::Add, 0, 4), alu64r(AluOp::Add, 0, 5), exit_insn()}),
                   Proof::None});
    // Blinded constants use the blinding register (x86-64 r9, A64 x25).
    out.push_back({"blinded constants",
                   make_program({mov64(0, 0x1234), alu64(AluOp::Add, 0, 0x777), alu64r(AluOp::Add, 0, 2),
                                 exit_insn()}),
                   Proof::All, true});
    // clang's byte-copy loop (tests/jit/block_idiom_test.cpp's copy_loop: mem[64 + i] =
    // mem[i] for i < 40, when the buffer has 104 bytes), a block operation once verified
    // (rep movsb / 16-byte strides inside the copy); r0 = the count.
    out.push_back({"a byte-copy loop (block idiom)",
                   make_program({mov64(0, 0), mov64(3, 104), jccr(Cond::Gt, 3, 2, 14), mov64(2, 0), mov64r(3, 1),
                                 alu64r(AluOp::Add, 3, 2), alu64(AluOp::Add, 3, 0), ldx(Size::B, 4, 3, 0),
                                 alu64(AluOp::Add, 3, 64), stx(Size::B, 3, 0, 4), alu64(AluOp::Add, 2, 1),
                                 jcc(Cond::Eq, 2, 40, 13), jmp(4), mov64r(0, 2), exit_insn()}),
                   Proof::Verifier});
    return out;
}

// The buffer every case runs on.
inline std::vector<uint8_t> buffer() {
    std::vector<uint8_t> mem(128);
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i + 1);
    return mem;
}

} // namespace ebpfjit::test::c_entry
