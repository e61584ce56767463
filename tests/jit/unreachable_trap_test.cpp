// Defence in depth for dead code (jit/unreachable_runs.hpp): when Facts::reachable is wrong
// (here: hand-built Facts that mark reached slots unreachable), a jump or fall-through into
// the "dead" slots stops the run with "reached code the verifier proved unreachable" at the
// run's first slot, on the host's JIT and on the interpreter alike, instead of running into
// whatever code follows. The ARM64 backend assembles each case here; under qemu (the
// arm64 build's ctest) the host JIT runs are the ARM64 backend's.
#include <catch2/catch.hpp>

#include <array>

#include "jit/arm64/compile.hpp"
#include "jit/compiler.hpp"
#include "jit/lowering.hpp"
#include "program_builder.hpp"
#include "require_fault.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/run/lean_run.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

constexpr const char* kText = "reached code the verifier proved unreachable";

verifier::Facts reachable_except(size_t size, std::initializer_list<uint32_t> dead) {
    verifier::Facts facts;
    facts.reachable.assign(size, true);
    for (uint32_t pc : dead) facts.reachable[pc] = false;
    return facts;
}

jit::Lowered lowered(const Program& p, const verifier::Facts& facts, const helpers::ProgramBindings& bindings) {
    jit::LoweringOptions options;
    options.bindings = &bindings;
    auto l = jit::lower(p, facts, options);
    REQUIRE(l);
    return std::move(*l);
}

// Both engines stop at `insn`; the ARM64 backend assembles the program too.
void require_trap(const Program& p, const verifier::Facts& facts, uint32_t insn,
                  const jit::CompileOptions& compile = {}) {
    const helpers::ProgramBindings bindings = test_bindings();
    std::array<uint8_t, 16> mem{};
    runtime::InterpreterOptions interp;
    interp.reachable = facts.reachable;
    {
        INFO("interpreter");
        require_fault(runtime::Interpreter(p, bindings, interp).run_mem(mem), insn, kText);
    }
    {
        INFO("host JIT");
        auto compiled = jit::compile(p, facts, bindings, compile);
        INFO((compiled ? std::string("compiled") : compiled.error().message));
        REQUIRE(compiled);
        require_fault(runtime::run_native_mem(*compiled, mem), insn, kText);
    }
    auto arm64 = jit::arm64::assemble(lowered(p, facts, bindings));
    INFO((arm64 ? std::string("assembled") : arm64.error().message));
    CHECK(arm64);
}

// A program whose frame would be lean but for its trap keeps the lean frame and the lean
// run (a RunStatus, an eBPF stack level only if it uses r10, no C entry: its callers test
// nothing) and still stops at `insn` on both engines, as often as it is run (the trap's
// unwinding leaves the host frame as the C caller had it, or a later run would crash).
void require_lean_trap(const Program& p, const verifier::Facts& facts, uint32_t insn, bool stack = false) {
    const helpers::ProgramBindings bindings = test_bindings();
    const jit::Lowered l = lowered(p, facts, bindings);
    REQUIRE_FALSE(l.unreachable_runs.empty());
    CHECK_FALSE(jit::entry_frame_needs(l).full);
    CHECK(jit::entry_frame_needs(l).trap_status);
    auto compiled = jit::compile(p, facts, bindings);
    REQUIRE(compiled);
    CHECK(compiled->lean());
    CHECK(compiled->run_needs().status);
    CHECK(compiled->run_needs().stack == stack);
    CHECK(compiled->c_entry() == nullptr);
    const runtime::LeanEntry lean = runtime::LeanEntry::of(&*compiled);
    CHECK(lean.status);
    CHECK(lean.stack == stack);
    require_trap(p, facts, insn);
    std::array<uint8_t, 16> mem{};
    for (int run = 0; run < 3; ++run) {
        require_fault(runtime::run_native_mem(*compiled, mem), insn, kText);
        require_fault(runtime::run_native(*compiled, 0, 0), insn, kText);
    }
}

// The same program with Facts that are right runs through its lean frame (the trap's
// status slot pushed and popped) to `r0`.
void require_lean_run(const Program& p, const verifier::Facts& facts, uint64_t r0) {
    const helpers::ProgramBindings bindings = test_bindings();
    REQUIRE_FALSE(lowered(p, facts, bindings).unreachable_runs.empty());
    auto compiled = jit::compile(p, facts, bindings);
    REQUIRE(compiled);
    CHECK(compiled->lean());
    std::array<uint8_t, 16> mem{};
    for (int run = 0; run < 3; ++run) {
        auto result = runtime::run_native_mem(*compiled, mem);
        REQUIRE(result);
        CHECK(*result == r0);
    }
}

} // namespace

TEST_CASE("a jump into slots wrongly proven unreachable stops the run", "[jit][dead][unreachable]") {
    // r0 = 1, so the branch is taken: slots 4-5 run, but the Facts say they never do.
    Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 4), mov64(0, 2), exit_insn(), mov64(0, 3),
                              exit_insn()});
    require_trap(p, reachable_except(p.size(), {4, 5}), 4);
    // Into the middle of a run: the run's first slot is named (one trap per run).
    Program q = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 5), mov64(0, 2), exit_insn(), mov64(0, 3),
                              mov64(0, 4), exit_insn()});
    require_trap(q, reachable_except(q.size(), {4, 5, 6}), 4);
}

TEST_CASE("a fall-through into slots wrongly proven unreachable stops the run", "[jit][dead][unreachable]") {
    // The branch is never taken: slots 2-3 run by falling through (the lowering's dead
    // fall-through of a conditional jump, the kernel's hard-wired branch).
    Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 2, 4), mov64(0, 5), alu64(AluOp::Add, 0, 1),
                              exit_insn()});
    require_trap(p, reachable_except(p.size(), {2, 3}), 2);
    // The dead run is the subprogram's tail: without the trap it would fall into the epilogue.
    Program q = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 2, 0), mov64(0, 5), exit_insn()});
    require_trap(q, reachable_except(q.size(), {2, 3}), 2);
    // Slot 0 itself: the entry prologue falls into it.
    Program r = make_program({mov64(0, 1), exit_insn()});
    require_trap(r, reachable_except(r.size(), {0}), 0);
}

TEST_CASE("a local call into a subprogram wrongly proven unreachable stops the whole run", "[jit][dead][unreachable]") {
    // The trap fires one frame down: the abort path unwinds the call.
    Program p = make_program({mov64(0, 1), call_local(3), exit_insn(), mov64(0, 7), exit_insn()});
    require_trap(p, reachable_except(p.size(), {3, 4}), 3);
}

TEST_CASE("an unreachable-code trap names the program's own slot under constant blinding", "[jit][dead][unreachable]") {
    Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 4), mov64(0, 0x1234567), exit_insn(),
                              mov64(0, 0x7654321), exit_insn()});
    jit::CompileOptions blinded;
    blinded.hardening.blind_constants = true;
    blinded.blinding_key = 0x5a5a5a5a;
    require_trap(p, reachable_except(p.size(), {4, 5}), 4, blinded);
}

TEST_CASE("unreachable runs get one trap each, and only where emitted code can enter", "[jit][dead][unreachable]") {
    const helpers::ProgramBindings bindings = test_bindings();
    SECTION("one trap for a run entered at two slots") {
        Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 4), jcc(Cond::Eq, 0, 2, 5), exit_insn(),
                                  mov64(0, 3), mov64(0, 4), exit_insn()});
        const jit::Lowered l = lowered(p, reachable_except(p.size(), {4, 5, 6}), bindings);
        REQUIRE(l.unreachable_runs.size() == 1);
        CHECK(l.unreachable_runs[0] == jit::UnreachableRun{4, 6});
        CHECK(l.slots[6].unreachable_run == 0);
        // The trap writes RunStatus through the pointer the lean frame keeps (no FrameInfo).
        CHECK_FALSE(jit::entry_frame_needs(l).full);
        CHECK(jit::entry_frame_needs(l).trap_status);
        CHECK_FALSE(jit::wants_c_entry(l)); // its callers test nothing: it must not fault
    }
    SECTION("none for a dead tail after an exit, or a run only dead code enters") {
        // Slots 2-3: after the exit, entered only by slot 2's own dead jump; nothing emitted
        // can reach them, so verified code keeps its size and its lean frame.
        Program p = make_program({mov64(0, 1), exit_insn(), jmp(3), mov64(0, 2), exit_insn()});
        const jit::Lowered l = lowered(p, reachable_except(p.size(), {2, 3, 4}), bindings);
        CHECK(l.unreachable_runs.empty());
        CHECK_FALSE(jit::entry_frame_needs(l).full);
        CHECK(jit::wants_c_entry(l));
    }
    SECTION("none for a subprogram whose only call is dead") {
        Program p = make_program({mov64(0, 5), jcc(Cond::Eq, 0, 5, 3), call_local(4), exit_insn(), mov64(0, 7),
                                  exit_insn()});
        const jit::Lowered l = lowered(p, reachable_except(p.size(), {2, 4, 5}), bindings);
        REQUIRE(l.unreachable_runs.size() == 1); // slot 2: the branch's dead fall-through
        CHECK(l.unreachable_runs[0] == jit::UnreachableRun{2, 2});
    }
    SECTION("no Facts: nothing is unreachable") {
        Program p = make_program({mov64(0, 1), exit_insn(), mov64(0, 2), exit_insn()});
        CHECK(lowered(p, verifier::Facts{}, bindings).unreachable_runs.empty());
    }
}

TEST_CASE("the interpreter without Facts runs every slot as before", "[interpreter][dead][unreachable]") {
    Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 4), mov64(0, 2), exit_insn(), mov64(0, 3),
                              exit_insn()});
    std::array<uint8_t, 8> mem{};
    auto r0 = runtime::Interpreter(p, test_bindings()).run_mem(mem);
    REQUIRE(r0);
    CHECK(*r0 == 3);
    // Facts that are right change nothing either.
    runtime::InterpreterOptions options;
    options.reachable = reachable_except(p.size(), {2, 3}).reachable;
    auto proven = runtime::Interpreter(p, test_bindings(), options).run_mem(mem);
    REQUIRE(proven);
    CHECK(*proven == 3);
}

TEST_CASE("a tail call into slots wrongly proven unreachable stops the run", "[jit][dead][unreachable][tailcall]") {
    int err = 0;
    auto array = maps::ProgArray::create({maps::kMapTypeProgArray, 4, 8, 1, 0, "progs", nullptr}, &err);
    REQUIRE(array);
    const helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    // The target's Facts say its slot 0 never runs; a tail call lands there.
    const Program target = make_program({mov64(0, 7), exit_insn()});
    const verifier::Facts wrong = reachable_except(target.size(), {0});
    auto native = jit::compile(target, wrong, bindings);
    REQUIRE(native);
    engine_abi::ProgramEntry* entry = native->tail_call_entry();
    entry->program = &target; // what the interpreter continues with, as PreparedProgram fills it
    entry->bindings = &bindings;
    entry->reachable = &wrong.reachable;
    array->set(0, entry);

    std::vector<Instruction> v;
    lddw(v, 2, 0, LddwKind::MapFd);
    v.insert(v.end(), {mov64(3, 0), call_helper(12), mov64(0, -1), exit_insn()});
    const Program caller = make_program(v);
    std::array<uint8_t, 8> mem{};
    require_fault(runtime::Interpreter(caller, bindings).run_mem(mem), 0, kText);
    auto compiled = jit::compile(caller, {}, bindings);
    REQUIRE(compiled);
    require_fault(runtime::run_native_mem(*compiled, mem), 0, kText);
}

TEST_CASE("a trap keeps a one-subprogram program's lean frame and lean run", "[jit][dead][unreachable][lean]") {
    SECTION("no calls, no stack") {
        Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 4), mov64(0, 2), exit_insn(), mov64(0, 3),
                                  exit_insn()});
        require_lean_trap(p, reachable_except(p.size(), {4, 5}), 4);
        require_lean_run(p, reachable_except(p.size(), {2, 3}), 3); // the fall-through's trap is never reached
    }
    SECTION("callee-saved registers and r5 written: the status slot sits below their pushes") {
        Program p = make_program({mov64(6, 10), mov64(7, 20), mov64(5, 1), alu64r(AluOp::Mov, 0, 5),
                                  jcc(Cond::Eq, 0, 1, 8), alu64r(AluOp::Add, 0, 6), alu64r(AluOp::Add, 0, 7),
                                  exit_insn(), alu64r(AluOp::Add, 0, 7), exit_insn()});
        require_lean_trap(p, reachable_except(p.size(), {8, 9}), 8);
        require_lean_run(p, reachable_except(p.size(), {5, 6, 7}), 21);
    }
    SECTION("r10: the lean run takes its eBPF stack level as before") {
        Program p = make_program({mov64(1, 5), stx(Size::DW, 10, -8, 1), ldx(Size::DW, 0, 10, -8),
                                  jcc(Cond::Eq, 0, 5, 5), exit_insn(), mov64(0, 1), exit_insn()});
        require_lean_trap(p, reachable_except(p.size(), {5, 6}), 5, true);
        require_lean_run(p, reachable_except(p.size(), {4}), 1);
    }
}

TEST_CASE("a trap keeps a program with local calls lean and unwinds them", "[jit][dead][unreachable][lean]") {
    SECTION("the trap two calls down: the anchor brings the stack back to the entry frame") {
        // r6 and r7 written in the entry, r6 again in the first callee (saved by its prologue).
        // The right Facts: only slot 10 is dead (r0 is 9 there): 9 + r6 = 15.
        Program p = make_program({mov64(6, 6), mov64(7, 7), call_local(5), alu64r(AluOp::Add, 0, 6), exit_insn(),
                                  mov64(6, 60), call_local(8), exit_insn(), mov64(0, 9), jcc(Cond::Eq, 0, 9, 11),
                                  exit_insn(), exit_insn()});
        require_lean_trap(p, reachable_except(p.size(), {8, 9, 10, 11}), 8, true);
        require_lean_run(p, reachable_except(p.size(), {10}), 15);
    }
    SECTION("the trap in the entry after a call returned") {
        Program p = make_program({call_local(5), jcc(Cond::Eq, 0, 5, 3), exit_insn(), mov64(0, 1), exit_insn(),
                                  mov64(0, 5), exit_insn()});
        require_lean_trap(p, reachable_except(p.size(), {3, 4}), 3, true);
        require_lean_run(p, reachable_except(p.size(), {2}), 1);
    }
}
