// Hoisted range checks (jit/hoist_checks.hpp): a loop with checked accesses runs an
// unchecked version of itself (a block op first when it is a copy or fill) after one
// range check per access, or the checked loop when a range is refused. Every program runs
// unproven (empty Facts: every access checked) on the interpreter, on the JIT without
// hoisting, with hoisting but no block ops and with both, over one arena reset before
// each run; they must agree on r0 or on the faulting instruction (the JITs on the whole
// message), and on every byte of the arena, guard bytes included.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine_abi/frame_info.hpp"
#include "jit/compiler.hpp"
#include "jit/lowering.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/checked_run.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/jit/program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

Instruction st(Size s, uint8_t base, int16_t off, int32_t imm) { return Store{s, Reg{base}, off, Imm{imm}}; }

// A (writable), B (writable, right after A), RO (read-only, right after B), then guard
// bytes no region lists. One allocation, so every run sees the same addresses.
struct Arena {
    size_t na, nb, nro;
    static constexpr size_t kGuard = 64;
    std::vector<uint8_t> initial, bytes;

    Arena(size_t a, size_t b, size_t ro) : na(a), nb(b), nro(ro), initial(a + b + ro + kGuard), bytes(initial.size()) {
        uint64_t state = 0x9e3779b97f4a7c15ull ^ initial.size();
        for (auto& x : initial) {
            state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
            x = static_cast<uint8_t>((state * 0x2545F4914F6CDD1Dull) >> 56);
        }
        reset();
    }
    void reset() { std::memcpy(bytes.data(), initial.data(), bytes.size()); }
    uint64_t a() const { return reinterpret_cast<uint64_t>(bytes.data()); }
    uint64_t b() const { return a() + na; }
    uint64_t ro() const { return b() + nb; }
    uint64_t end() const { return ro() + nro; }
    std::vector<runtime::MemoryRegion> regions() const {
        return {{a(), na, true}, {b(), nb, true}, {ro(), nro, false}};
    }
};

struct Outcome {
    bool ok = false;
    uint64_t r0 = 0;
    uint32_t insn = ~0u;
    std::string message;
    std::vector<uint8_t> bytes;
};

Outcome outcome(const Result<uint64_t>& r, const Arena& arena) {
    Outcome o;
    o.ok = r.has_value();
    if (r) o.r0 = *r;
    else o.insn = r.error().insn.value_or(~0u), o.message = r.error().message;
    o.bytes = arena.bytes;
    return o;
}

void require_same_bytes(const Outcome& want, const Outcome& got) {
    const auto diff = std::mismatch(want.bytes.begin(), want.bytes.end(), got.bytes.begin());
    INFO("first differing byte: " << (diff.first - want.bytes.begin()));
    CHECK(diff.first == want.bytes.end());
}

struct Versions {
    size_t loops = 0;     // loop versions
    size_t block_ops = 0; // of them, those that start with a block op
    uint8_t budget_reg = 0; // Lowered::budget_reg (budget.cpp)
};

Versions versions(const Program& p, uint64_t budget = 0) {
    const helpers::ProgramBindings bindings = test_bindings();
    jit::LoweringOptions options;
    options.bindings = &bindings;
    options.instruction_budget = budget;
    auto lowered = jit::lower(p, verifier::Facts{}, options);
    REQUIRE(lowered.has_value());
    Versions v{lowered->loop_versions.size(), 0};
    for (const auto& version : lowered->loop_versions) v.block_ops += version.block_op.has_value();
    v.budget_reg = lowered->budget_reg;
    return v;
}

Outcome run_jit(const Program& p, Arena& arena, jit::Optimisations optimise, uint64_t budget) {
    jit::CompileOptions options;
    options.optimise = optimise;
    options.hardening.instruction_budget = budget;
    auto compiled = jit::compile(p, verifier::Facts{}, test_bindings(), options);
    if (!compiled) FAIL(compiled.error().to_string());
    REQUIRE(compiled->checked());
    arena.reset();
    const auto regions = arena.regions();
    return outcome(runtime::run_native(*compiled, arena.a(), arena.b(), {}, regions), arena);
}

// The three runs; returns the hoisted JIT's outcome. With a budget the interpreter is left
// out (it charges every instruction, the JIT back edges only).
Outcome run_all(const Program& p, Arena& arena, uint64_t budget = 0) {
    jit::Optimisations off;
    off.hoisted_checks = false;
    jit::Optimisations byte_loop; // hoisted, the version a byte loop
    byte_loop.block_idioms = false;
    const Outcome plain = run_jit(p, arena, off, budget);
    const Outcome bytes = run_jit(p, arena, byte_loop, budget);
    const Outcome hoisted = run_jit(p, arena, jit::Optimisations{}, budget);
    for (const Outcome* o : {&bytes, &hoisted}) {
        INFO("JIT without hoisting vs " << (o == &bytes ? "hoisted, no block ops" : "hoisted") << ": "
                                        << plain.message << " / " << o->message);
        REQUIRE(o->ok == plain.ok);
        CHECK(o->r0 == plain.r0);
        CHECK(o->insn == plain.insn);
        CHECK(o->message == plain.message);
        require_same_bytes(plain, *o);
    }
    if (budget == 0) {
        arena.reset();
        const auto regions = arena.regions();
        runtime::Interpreter interpreter(p, test_bindings());
        const Outcome interp = outcome(interpreter.run(arena.a(), arena.b(), regions), arena);
        INFO("interpreter vs JIT: " << interp.message << " / " << hoisted.message);
        REQUIRE(hoisted.ok == interp.ok);
        CHECK(hoisted.r0 == interp.r0);
        CHECK(hoisted.insn == interp.insn);
        require_same_bytes(interp, hoisted);
    }
    return hoisted;
}

// r1 = src, r2 = dst, r5 = n, r4 = i = 0; if n == 0 skip; then slots 8..: the loop.
std::vector<Instruction> prologue(uint64_t src, uint64_t dst, int32_t n) {
    std::vector<Instruction> v;
    lddw(v, 1, src);
    lddw(v, 2, dst);
    v.push_back(mov64(5, n));
    v.push_back(mov64(4, 0));
    v.push_back(mov64(0, 0));
    return v; // 7 slots; slot 7 is the zero-trip test
}

// dst[i] = src[i] for i < n (clang's loop: the counter test at the bottom). r0 = n.
// Load at slot 10, store at slot 13.
constexpr uint32_t kCopyLoad = 10, kCopyStore = 13;
Program copy_loop(uint64_t src, uint64_t dst, int32_t n) {
    auto v = prologue(src, dst, n);
    v.push_back(jcc(Cond::Eq, 5, 0, 16));
    /*8*/ v.push_back(mov64r(6, 1));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(ldx(Size::B, 7, 6, 0));
    v.push_back(mov64r(6, 2));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    /*13*/ v.push_back(stx(Size::B, 6, 0, 7));
    v.push_back(alu64(AluOp::Add, 4, 1));
    v.push_back(jccr(Cond::Ne, 4, 5, 8));
    /*16*/ v.push_back(mov64r(0, 4));
    v.push_back(exit_insn());
    return make_program(std::move(v));
}

// dst[i] = 0x5a for i < n, with `if i == n goto out; goto head` at the bottom. Store at 10.
constexpr uint32_t kFillStore = 10;
Program fill_loop(uint64_t dst, int32_t n) {
    auto v = prologue(dst, dst, n);
    v.push_back(jcc(Cond::Eq, 5, 0, 14));
    /*8*/ v.push_back(mov64r(6, 2));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(st(Size::B, 6, 0, 0x5a));
    v.push_back(alu64(AluOp::Add, 4, 1));
    v.push_back(jccr(Cond::Eq, 4, 5, 14));
    v.push_back(jmp(8));
    /*14*/ v.push_back(mov64r(0, 4));
    v.push_back(exit_insn());
    return make_program(std::move(v));
}

// The first i < n with a[i] != b[i] (r0 = i + 1000000), or r0 = n: a side exit per trip.
// Loads at 10 and 13.
Program compare_loop(uint64_t a, uint64_t b, int32_t n) {
    auto v = prologue(a, b, n);
    v.push_back(jcc(Cond::Eq, 5, 0, 18));
    /*8*/ v.push_back(mov64r(6, 1));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(ldx(Size::B, 7, 6, 0));
    v.push_back(mov64r(6, 2));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(ldx(Size::B, 8, 6, 0));
    /*14*/ v.push_back(jccr(Cond::Ne, 7, 8, 20));
    v.push_back(alu64(AluOp::Add, 4, 1));
    v.push_back(jccr(Cond::Lt, 4, 5, 8));
    v.push_back(jmp(18));
    /*18*/ v.push_back(mov64r(0, 4));
    v.push_back(exit_insn());
    /*20*/ v.push_back(mov64r(0, 4));
    v.push_back(alu64(AluOp::Add, 0, 1000000));
    v.push_back(exit_insn());
    return make_program(std::move(v));
}

// The benchmark's mixed loop and more: per trip a byte copy, a 4-byte load at src + i
// (range n + 3), a read-only table byte at ro[i & 15] (a masked index: stays checked), an
// 8-byte add into *sum (stride 0) and r0 += both loaded values.
Program mixed_loop(uint64_t src, uint64_t dst, int32_t n, uint64_t ro, uint64_t sum) {
    std::vector<Instruction> v;
    lddw(v, 3, ro);
    lddw(v, 9, sum);
    auto rest = prologue(src, dst, n); // slots 4..10
    v.insert(v.end(), rest.begin(), rest.end());
    v.push_back(jcc(Cond::Eq, 5, 0, 31));
    /*12*/ v.push_back(mov64r(6, 1));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(ldx(Size::B, 7, 6, 0));
    v.push_back(ldx(Size::W, 8, 6, 0));
    v.push_back(alu64r(AluOp::Add, 0, 8));
    v.push_back(mov64r(6, 2));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(stx(Size::B, 6, 0, 7));
    /*20*/ v.push_back(mov64r(8, 4));
    v.push_back(alu64(AluOp::And, 8, 15));
    v.push_back(alu64r(AluOp::Add, 8, 3));
    v.push_back(ldx(Size::B, 8, 8, 0));
    v.push_back(ldx(Size::DW, 6, 9, 0));
    v.push_back(alu64r(AluOp::Add, 6, 8));
    v.push_back(stx(Size::DW, 9, 0, 6));
    v.push_back(alu64r(AluOp::Add, 0, 8));
    v.push_back(alu64(AluOp::Add, 4, 1));
    v.push_back(jccr(Cond::Eq, 4, 5, 31));
    /*30*/ v.push_back(jmp(12));
    /*31*/ v.push_back(exit_insn());
    return make_program(std::move(v));
}

// dst[2 * i] = src[i] for i < n: the store's address reads two inductions (stride 2).
// Store at slot 14.
Program spread_loop(uint64_t src, uint64_t dst, int32_t n) {
    auto v = prologue(src, dst, n);
    v.push_back(mov64r(7, 2));
    v.push_back(jcc(Cond::Eq, 5, 0, 18));
    /*9*/ v.push_back(mov64r(6, 1));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    v.push_back(ldx(Size::B, 8, 6, 0));
    v.push_back(mov64r(6, 7));
    v.push_back(alu64r(AluOp::Add, 6, 4));
    /*14*/ v.push_back(stx(Size::B, 6, 0, 8));
    v.push_back(alu64(AluOp::Add, 7, 1));
    v.push_back(alu64(AluOp::Add, 4, 1));
    v.push_back(jccr(Cond::Ne, 4, 5, 9));
    /*18*/ v.push_back(mov64r(0, 4));
    v.push_back(exit_insn());
    return make_program(std::move(v));
}

const std::vector<int32_t> kLengths = {0, 1, 2, 15, 16, 17, 4096, 1 << 20};

} // namespace

TEST_CASE("hoisted checks: copies agree with the interpreter at every length", "[jit][checked][hoist]") {
    for (int32_t n : kLengths) {
        Arena arena(size_t(n) + 64, size_t(n) + 64, 64);
        INFO("n = " << n);
        auto p = copy_loop(arena.a(), arena.b(), n);
        const Versions v = versions(p);
        REQUIRE(v.loops == 1);
        CHECK(v.block_ops == 1);
        Outcome out = run_all(p, arena);
        REQUIRE(out.ok);
        CHECK(out.r0 == uint64_t(n));
        CHECK(std::memcmp(out.bytes.data() + arena.na, arena.initial.data(), size_t(n)) == 0);
    }
}

TEST_CASE("hoisted checks: ranges ending at a region's end, and one byte past it", "[jit][checked][hoist]") {
    for (int32_t n : {1, 2, 15, 16, 17, 4096}) {
        Arena arena(8192, 8192, 64);
        INFO("n = " << n);
        {
            // The store's range ends exactly at B's end: allowed.
            Outcome exact = run_all(copy_loop(arena.a(), arena.end() - arena.nro - uint64_t(n), n), arena);
            REQUIRE(exact.ok);
            // One byte past it (into RO, read-only): the last store faults, n - 1 bytes written.
            Outcome past = run_all(copy_loop(arena.a(), arena.b() + arena.nb - uint64_t(n) + 1, n), arena);
            REQUIRE_FALSE(past.ok);
            CHECK(past.insn == kCopyStore);
            CHECK_THAT(past.message, Catch::Contains("store of 1 bytes"));
            // The load's range ends at RO's end (readable), then one past it (the guard).
            Outcome load_exact = run_all(copy_loop(arena.end() - uint64_t(n), arena.a(), n), arena);
            REQUIRE(load_exact.ok);
            Outcome load_past = run_all(copy_loop(arena.end() - uint64_t(n) + 1, arena.a(), n), arena);
            REQUIRE_FALSE(load_past.ok);
            CHECK(load_past.insn == kCopyLoad);
            // Fill: exactly to B's end, then one past.
            REQUIRE(run_all(fill_loop(arena.b() + arena.nb - uint64_t(n), n), arena).ok);
            Outcome fill_past = run_all(fill_loop(arena.b() + arena.nb - uint64_t(n) + 1, n), arena);
            REQUIRE_FALSE(fill_past.ok);
            CHECK(fill_past.insn == kFillStore);
        }
    }
}

TEST_CASE("hoisted checks: a stride of 2, to a region's end and one byte past it", "[jit][checked][hoist]") {
    for (int32_t n : {1, 2, 15, 16, 17, 4096}) {
        Arena arena(8192, 8192, 64);
        INFO("n = " << n);
        const uint64_t b_end = arena.b() + arena.nb;
        auto p = spread_loop(arena.a(), arena.a(), n);
        const Versions v = versions(p);
        REQUIRE(v.loops == 1);
        CHECK(v.block_ops == 0);
        REQUIRE(run_all(spread_loop(arena.a(), arena.b(), n), arena).ok);
        REQUIRE(run_all(spread_loop(arena.a(), b_end - 2 * uint64_t(n) + 1, n), arena).ok); // last byte: B's last
        Outcome past = run_all(spread_loop(arena.a(), b_end - 2 * uint64_t(n) + 2, n), arena);
        REQUIRE_FALSE(past.ok);
        CHECK(past.insn == 14);
    }
}

TEST_CASE("hoisted checks: a range over two adjacent regions runs the checked loop", "[jit][checked][hoist]") {
    // Every byte is allowed one at a time, but no one region holds the range: the range
    // check refuses, the checked loop runs and copies everything.
    Arena arena(8192, 8192, 64);
    for (int32_t n : {2, 17, 4096}) {
        INFO("n = " << n);
        Outcome out = run_all(copy_loop(arena.b() - 1, arena.a(), n), arena);
        REQUIRE(out.ok);
        CHECK(out.r0 == uint64_t(n));
    }
}

TEST_CASE("hoisted checks: overlapping source and destination", "[jit][checked][hoist]") {
    Arena arena(70000, 64, 64);
    for (int32_t n : {1, 2, 15, 16, 17, 4096, 65536}) {
        for (int64_t distance : {0, 1, -1, 3, 16, -16, 17}) {
            INFO("n = " << n << ", dst - src = " << distance);
            const uint64_t src = arena.a() + 1024;
            REQUIRE(run_all(copy_loop(src, src + uint64_t(distance), n), arena).ok);
        }
    }
}

TEST_CASE("hoisted checks: a store range in a read-only region faults as the checked loop does",
          "[jit][checked][hoist]") {
    Arena arena(4096, 4096, 4096);
    for (int32_t n : {1, 16, 4096}) {
        INFO("n = " << n);
        Outcome copy = run_all(copy_loop(arena.a(), arena.ro(), n), arena);
        REQUIRE_FALSE(copy.ok);
        CHECK(copy.insn == kCopyStore);
        Outcome fill = run_all(fill_loop(arena.ro(), n), arena);
        REQUIRE_FALSE(fill.ok);
        CHECK(fill.insn == kFillStore);
        // Reading it is fine.
        REQUIRE(run_all(copy_loop(arena.ro(), arena.a(), n), arena).ok);
    }
}

TEST_CASE("hoisted checks: compare loops with a side exit", "[jit][checked][hoist]") {
    for (int32_t n : kLengths) {
        Arena arena(size_t(n) + 64, size_t(n) + 64, 64);
        INFO("n = " << n);
        auto p = compare_loop(arena.a(), arena.a(), n); // equal: runs to the end
        const Versions v = versions(p);
        REQUIRE(v.loops == 1);
        CHECK(v.block_ops == 0);
        Outcome same = run_all(p, arena);
        REQUIRE(same.ok);
        CHECK(same.r0 == uint64_t(n));
        // A and B hold other bytes: an early exit.
        REQUIRE(run_all(compare_loop(arena.a(), arena.b(), n), arena).ok);
        // The second range ends one byte past RO (in the guard): refused, so the checked
        // loop runs, and leaves at the first differing byte or faults at the guard.
        run_all(compare_loop(arena.a(), arena.end() - uint64_t(n) + 1, n), arena);
        // Equal bytes up to a region's end, then one past it: the load faults.
        if (n > 0) {
            const uint64_t tail = arena.end() - uint64_t(n) + 1;
            Outcome past = run_all(compare_loop(tail, tail, n), arena);
            REQUIRE_FALSE(past.ok);
            CHECK(past.insn == 10);
        }
    }
}

TEST_CASE("hoisted checks: mixed loops (wider loads, a masked index, a stride-0 cell)", "[jit][checked][hoist]") {
    for (int32_t n : kLengths) {
        Arena arena(size_t(n) + 64, size_t(n) + 64, 64);
        INFO("n = " << n);
        const uint64_t sum = arena.b() + arena.nb - 8;
        auto p = mixed_loop(arena.a(), arena.b(), n, arena.ro(), sum);
        const Versions v = versions(p);
        REQUIRE(v.loops == 1);
        CHECK(v.block_ops == 0);
        REQUIRE(run_all(p, arena).ok);
        // The 4-byte load runs 3 bytes past the copy: at A's end it leaves A.
        Outcome wide = run_all(mixed_loop(arena.a() + arena.na - uint64_t(n), arena.b(), n, arena.ro(), sum), arena);
        if (n > 0) {
            REQUIRE_FALSE(wide.ok);
            CHECK(wide.insn == 15);
        }
        // The stride-0 cell in the read-only region: its store faults in the first trip.
        if (n > 0) {
            Outcome cell = run_all(mixed_loop(arena.a(), arena.b(), n, arena.ro(), arena.ro() + 8), arena);
            REQUIRE_FALSE(cell.ok);
            CHECK(cell.insn == 26);
        }
    }
}

TEST_CASE("hoisted checks: a budget too small faults at the same slot with the same bytes", "[jit][checked][hoist]") {
    Arena arena(4096, 4096, 64);
    auto p = copy_loop(arena.a(), arena.b(), 64);
    REQUIRE(versions(p, 1000).loops == 1);
    REQUIRE(versions(p, 1000).block_ops == 1);
    CHECK_FALSE(run_all(p, arena, 1).ok);
    CHECK(run_all(p, arena, 100000).ok);
    for (uint64_t budget : {1ull, 8ull, 9ull, 100ull, 511ull, 512ull, 513ull, 519ull, 520ull, 521ull, 600ull, 100000ull}) {
        INFO("budget " << budget);
        run_all(p, arena, budget);
    }
    auto f = fill_loop(arena.b(), 4096);
    REQUIRE(versions(f, 1000).block_ops == 1);
    // r7-r9 are spare, but the version's block op charges RunStatus: the budget stays there.
    CHECK(versions(f, 1000).budget_reg == 0);
    for (uint64_t budget : {1ull, 100ull, 4095ull * 6, 4096ull * 6, 4097ull * 6, 1000000ull}) {
        INFO("fill, budget " << budget);
        run_all(f, arena, budget);
    }
}

TEST_CASE("hoisted checks: loops that are not versioned", "[jit][checked][hoist]") {
    Arena arena(4096, 4096, 64);
    SECTION("a helper call in the body") {
        auto v = prologue(arena.a(), arena.b(), 16);
        v.push_back(jcc(Cond::Eq, 5, 0, 19));
        /*8*/ v.push_back(mov64r(6, 1));
        v.push_back(alu64r(AluOp::Add, 6, 4));
        v.push_back(ldx(Size::B, 7, 6, 0));
        v.push_back(mov64r(6, 2));
        v.push_back(alu64r(AluOp::Add, 6, 4));
        v.push_back(stx(Size::B, 6, 0, 7));
        v.push_back(mov64(1, 1));
        v.push_back(call_helper(1000));
        v.push_back(alu64(AluOp::Add, 4, 1));
        v.push_back(jccr(Cond::Ne, 4, 5, 8));
        v.push_back(jmp(19));
        v.push_back(exit_insn());
        /*19*/ v.push_back(mov64r(0, 4));
        v.push_back(exit_insn());
        CHECK(versions(make_program(std::move(v))).loops == 0);
    }
    SECTION("an address that does not follow the counter (a masked index)") {
        auto v = prologue(arena.a(), arena.b(), 16);
        v.push_back(jcc(Cond::Eq, 5, 0, 14));
        /*8*/ v.push_back(mov64r(6, 4));
        v.push_back(alu64(AluOp::And, 6, 7));
        v.push_back(alu64r(AluOp::Add, 6, 2));
        v.push_back(st(Size::B, 6, 0, 1));
        v.push_back(alu64(AluOp::Add, 4, 1));
        v.push_back(jccr(Cond::Ne, 4, 5, 8));
        /*14*/ v.push_back(mov64r(0, 4));
        v.push_back(exit_insn());
        auto p = make_program(std::move(v));
        CHECK(versions(p).loops == 0);
        REQUIRE(run_all(p, arena).ok);
    }
    SECTION("a 32-bit counter") {
        auto v = prologue(arena.a(), arena.b(), 16);
        v.push_back(jcc(Cond::Eq, 5, 0, 14));
        /*8*/ v.push_back(mov64r(6, 2));
        v.push_back(alu64r(AluOp::Add, 6, 4));
        v.push_back(st(Size::B, 6, 0, 1));
        v.push_back(alu32(AluOp::Add, 4, 1));
        v.push_back(Jump{Cond::Ne, true, Reg{4}, Reg{5}, 8});
        v.push_back(jmp(14));
        /*14*/ v.push_back(mov64r(0, 4));
        v.push_back(exit_insn());
        auto p = make_program(std::move(v));
        CHECK(versions(p).loops == 0);
        REQUIRE(run_all(p, arena).ok);
    }
    SECTION("switched off") {
        const helpers::ProgramBindings bindings = test_bindings();
        jit::LoweringOptions options;
        options.bindings = &bindings;
        options.optimise.hoisted_checks = false;
        auto lowered = jit::lower(copy_loop(arena.a(), arena.b(), 16), verifier::Facts{}, options);
        REQUIRE(lowered.has_value());
        CHECK(lowered->loop_versions.empty());
    }
}

TEST_CASE("the checker's range check: one region, writable for a write, never a fault", "[jit][checked][hoist]") {
    Arena arena(64, 64, 64);
    const auto regions = arena.regions();
    runtime::CheckedRun run(regions);
    const jit::CheckedProgram program{test_bindings()};
    // No FrameInfo is read unless the range falls outside the regions (then the frame walk
    // of an r10 far from any stack fails, and only the regions count).
    engine_abi::FrameInfo frame_info{};
    const auto fi = reinterpret_cast<uint64_t>(&frame_info);
    const uint64_t r10 = 0x1000; // no stack window holds any range below
    CHECK(run.check_range(arena.a(), 64, true, r10, fi, program));
    CHECK(run.check_range(arena.a() + 63, 1, true, r10, fi, program));
    CHECK_FALSE(run.check_range(arena.a() + 63, 2, false, r10, fi, program)); // A then B: two regions
    CHECK(run.check_range(arena.ro(), 64, false, r10, fi, program));
    CHECK_FALSE(run.check_range(arena.ro(), 64, true, r10, fi, program)); // read-only
    CHECK_FALSE(run.check_range(arena.ro() + 1, 64, false, r10, fi, program)); // one past RO's end
    CHECK_FALSE(run.check_range(arena.a(), 0, false, r10, fi, program));
    CHECK_FALSE(run.check_range(~uint64_t{0} - 3, 8, false, r10, fi, program)); // wraps
    CHECK_FALSE(run.error().has_value());
}
