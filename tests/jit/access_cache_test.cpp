// The checked accesses' inline fast path (jit/access_cache.hpp): a hit on the region the
// previous check of the same kind allowed must never allow more than the stub would.
// Every program runs unproven (empty Facts: every access checked) on the JIT and on the
// interpreter with the same regions; both must agree on r0 or on the faulting instruction,
// and leave the same bytes behind.
#include <catch2/catch.hpp>

#include <cstring>

#include "runtime/run/native_run.hpp"
#include "jit/compiler.hpp"
#include "runtime/interpreter.hpp"
#include "tests/jit/program_builder.hpp"
#include "tests/jit/require_fault.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

Instruction st(Size s, uint8_t base, int16_t off, int32_t imm) { return Store{s, Reg{base}, off, Imm{imm}}; }
Instruction atomic_add(uint8_t base, int16_t off, uint8_t src, bool is64 = true) {
    return Atomic{AtomicOp::Add, false, is64, Reg{base}, off, Reg{src}};
}

// Three host buffers: a (writable, 64 bytes), b (writable, 64 bytes, right after a) and
// ro (read-only, 16 bytes, shared by every run: nothing may write it).
// r1 = a, r2 = b on entry; r3 = ro is loaded by the program itself from an LDDW.
alignas(16) const uint8_t kReadOnly[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                           0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f};

struct Regions {
    alignas(16) uint8_t a[64];
    alignas(16) uint8_t b[64];
    Regions() {
        for (size_t i = 0; i < 64; ++i) a[i] = uint8_t(i + 1), b[i] = uint8_t(0x80 + i);
    }
    std::vector<runtime::MemoryRegion> list() const {
        return {{reinterpret_cast<uint64_t>(a), sizeof a, true},
                {reinterpret_cast<uint64_t>(b), sizeof b, true},
                {reinterpret_cast<uint64_t>(kReadOnly), sizeof kReadOnly, false}};
    }
    uint64_t addr_a() const { return reinterpret_cast<uint64_t>(a); }
    uint64_t addr_b() const { return reinterpret_cast<uint64_t>(b); }
    static uint64_t addr_ro() { return reinterpret_cast<uint64_t>(kReadOnly); }
};

// `body` gets r1 = a, r2 = b, r3 = ro (set up here, 3 slots: the LDDW takes two).
constexpr uint32_t kPrologue = 2;
Program with_ro(const Regions& m, std::vector<Instruction> body) {
    std::vector<Instruction> v;
    lddw(v, 3, m.addr_ro());
    v.insert(v.end(), body.begin(), body.end());
    return make_program(std::move(v));
}

struct Outcome {
    Result<uint64_t> r0;
    Regions memory;
};

Outcome run_jit(const Program& p, const Regions& start) {
    Outcome out{fail(Error::plain("not run")), start};
    auto compiled = jit::compile(p, verifier::Facts{}, test_bindings());
    if (!compiled) FAIL(compiled.error().to_string());
    REQUIRE(compiled->checked());
    out.r0 = runtime::run_native(*compiled, out.memory.addr_a(), out.memory.addr_b(), {}, out.memory.list());
    return out;
}

Outcome run_interpreter(const Program& p, const Regions& start) {
    Outcome out{fail(Error::plain("not run")), start};
    runtime::Interpreter interpreter(p, test_bindings());
    out.r0 = interpreter.run(out.memory.addr_a(), out.memory.addr_b(), out.memory.list());
    return out;
}

// Both engines agree (r0 or the faulting instruction, and every byte); the JIT's outcome.
Outcome run_both(const Program& p) {
    const Regions start;
    Outcome jit = run_jit(p, start);
    Outcome interp = run_interpreter(p, start);
    REQUIRE(jit.r0.has_value() == interp.r0.has_value());
    if (jit.r0) {
        CHECK(*jit.r0 == *interp.r0);
    } else {
        INFO("jit: " << jit.r0.error().message << " / interpreter: " << interp.r0.error().message);
        CHECK(jit.r0.error().insn == interp.r0.error().insn);
    }
    CHECK(std::memcmp(jit.memory.a, interp.memory.a, sizeof jit.memory.a) == 0);
    CHECK(std::memcmp(jit.memory.b, interp.memory.b, sizeof jit.memory.b) == 0);
    CHECK(kReadOnly[0] == 0x40);
    return jit;
}

} // namespace

TEST_CASE("checked accesses alternating between regions agree with the interpreter", "[jit][checked][cache]") {
    const Regions m;
    SECTION("copy a to b byte by byte, reading ro between (three regions, two kinds)") {
        // r4 = i = 0; loop: r5 = a[i]; b[i] = r5; r0 += ro[i & 15]; i++; if i < 64 goto loop
        auto p = with_ro(m, {mov64(4, 0), mov64(0, 0),
                             /*4*/ mov64r(5, 1), alu64r(AluOp::Add, 5, 4), ldx(Size::B, 6, 5, 0),
                             mov64r(7, 2), alu64r(AluOp::Add, 7, 4), stx(Size::B, 7, 0, 6),
                             mov64r(8, 4), alu64(AluOp::And, 8, 15), alu64r(AluOp::Add, 8, 3),
                             ldx(Size::B, 8, 8, 0), alu64r(AluOp::Add, 0, 8), alu64(AluOp::Add, 4, 1),
                             jcc(Cond::Lt, 4, 64, kPrologue + 2), exit_insn()});
        Outcome out = run_both(p);
        REQUIRE(out.r0.has_value());
        CHECK(std::memcmp(out.memory.a, out.memory.b, 64) == 0);
    }
    SECTION("every width at both ends of a hot region, and one byte past each end") {
        for (Size s : {Size::B, Size::H, Size::W, Size::DW}) {
            const auto width = static_cast<int16_t>(s);
            // hot: a[0]; then a[64 - width] (last fit), then a[65 - width] (one byte past)
            auto fits = with_ro(m, {ldx(Size::B, 0, 1, 0), ldx(s, 0, 1, int16_t(64 - width)), exit_insn()});
            CHECK(run_both(fits).r0.has_value());
            auto past = with_ro(m, {ldx(Size::B, 0, 2, 0), ldx(s, 0, 2, int16_t(65 - width)), exit_insn()});
            require_fault(run_both(past).r0, kPrologue + 1, "outside program memory");
            // One byte past a's end is b's first (back to back): an access across the seam
            // is refused all the same (one region must hold all of it); b[0] alone is b's.
            auto seam = with_ro(m, {ldx(Size::B, 0, 1, 0), ldx(s, 0, 1, int16_t(65 - width)), exit_insn()});
            if (width == 1) CHECK(run_both(seam).r0.value() == 0x80);
            else require_fault(run_both(seam).r0, kPrologue + 1, "outside program memory");
            auto below = with_ro(m, {st(Size::B, 1, 0, 1), st(s, 1, -1, 1), exit_insn()});
            require_fault(run_both(below).r0, kPrologue + 1, "outside program memory");
            auto store_past = with_ro(m, {st(Size::B, 2, 63, 1), st(s, 2, int16_t(65 - width), 1), exit_insn()});
            require_fault(run_both(store_past).r0, kPrologue + 1, "outside program memory");
        }
    }
    SECTION("a pointer far below a hot region (addr - start wraps) misses and faults") {
        auto p = with_ro(m, {ldx(Size::B, 0, 1, 0), mov64(4, 4096), ldx(Size::DW, 0, 4, -8), exit_insn()});
        require_fault(run_both(p).r0, kPrologue + 2, "outside program memory");
        auto top = with_ro(m, {ldx(Size::B, 0, 1, 0), mov64(4, -8), ldx(Size::DW, 0, 4, 4), exit_insn()});
        require_fault(run_both(top).r0, kPrologue + 2, "outside program memory");
    }
}

TEST_CASE("a read-only region a load hit never satisfies a store", "[jit][checked][cache]") {
    const Regions m;
    SECTION("load ro, then store ro") {
        auto p = with_ro(m, {ldx(Size::B, 0, 3, 0), ldx(Size::B, 0, 3, 1), st(Size::B, 3, 1, 9), exit_insn()});
        require_fault(run_both(p).r0, kPrologue + 2, "store of 1 bytes");
    }
    SECTION("store a, load ro, atomic on ro") {
        auto p = with_ro(m, {st(Size::DW, 1, 0, 1), ldx(Size::DW, 0, 3, 8), mov64(4, 1), atomic_add(3, 8, 4),
                             exit_insn()});
        require_fault(run_both(p).r0, kPrologue + 3, "atomic of 8 bytes");
    }
    SECTION("load a (writable) then store a: allowed, the write cache fills on its own") {
        auto p = with_ro(m, {ldx(Size::B, 0, 1, 5), st(Size::B, 1, 5, 0x77), ldx(Size::B, 0, 1, 5), exit_insn()});
        Outcome out = run_both(p);
        REQUIRE(out.r0.has_value());
        CHECK(*out.r0 == 0x77);
    }
}

TEST_CASE("a helper call between two accesses: the cache is refilled after it", "[jit][checked][cache]") {
    const Regions m;
    // a[0] hot for both kinds; a helper (test_sum, no memory) runs; then a, ro and one
    // byte past a: the same answers as without the call.
    auto p = with_ro(m, {ldx(Size::B, 6, 1, 0), st(Size::B, 1, 1, 3), mov64r(7, 1), mov64r(8, 3),
                         mov64(1, 1), mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5), call_helper(1000),
                         ldx(Size::B, 0, 7, 1), ldx(Size::B, 2, 8, 15), alu64r(AluOp::Add, 0, 2), st(Size::B, 8, 0, 1),
                         exit_insn()});
    require_fault(run_both(p).r0, kPrologue + 13, "store of 1 bytes");
    auto ok = with_ro(m, {ldx(Size::B, 6, 1, 0), st(Size::B, 1, 1, 3), mov64r(7, 1), mov64r(8, 3), mov64(1, 1),
                          mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5), call_helper(1000), ldx(Size::B, 0, 7, 1),
                          ldx(Size::B, 2, 8, 15), alu64r(AluOp::Add, 0, 2), st(Size::B, 7, 63, 1), exit_insn()});
    Outcome out = run_both(ok);
    REQUIRE(out.r0.has_value());
    CHECK(*out.r0 == 3 + 0x4f);
}

TEST_CASE("a local call's frame is never cached: a dead callee frame stays refused", "[jit][checked][cache]") {
    const Regions m;
    // The callee stores through r1 = its own r10 - 8 (a checked access into its frame), and
    // returns that pointer; the caller's store through it after the return must fault.
    auto p = with_ro(m, {call_local(kPrologue + 3), st(Size::DW, 0, 0, 1), exit_insn(),
                         /*callee*/ mov64r(1, 10), alu64(AluOp::Add, 1, -8), st(Size::DW, 1, 0, 5),
                         ldx(Size::DW, 2, 1, 0), mov64r(0, 1), exit_insn()});
    require_fault(run_both(p).r0, kPrologue + 1, "store of 8 bytes");
}

// Entries held in registers (jit/access_cache.cpp): programs that leave r6-r9 unused get
// their hottest entries in those registers. The same answers as the interpreter, at the
// edges, across a helper call (which empties them) and after a stub call that refused to
// cache (a stack window).
TEST_CASE("region-cache entries in spare registers agree with the interpreter", "[jit][checked][cache]") {
    const Regions m;
    // r4 = i; loop: r0 = a[i]; b[i] = r0; i++; if i < 64 goto loop. Only r0-r5 and r10.
    const std::vector<Instruction> copy = {mov64(4, 0), /*loop*/ mov64r(5, 1), alu64r(AluOp::Add, 5, 4),
                                           ldx(Size::B, 0, 5, 0), mov64r(5, 2), alu64r(AluOp::Add, 5, 4),
                                           stx(Size::B, 5, 0, 0), alu64(AluOp::Add, 4, 1),
                                           jcc(Cond::Lt, 4, 64, kPrologue + 1)};
    SECTION("the lowering gives the loop's two entries a register pair each") {
        std::vector<Instruction> body = copy;
        body.push_back(exit_insn());
        auto lowered = jit::lower(with_ro(m, body), verifier::Facts{}, {});
        REQUIRE(lowered);
        CHECK(lowered->access_cache_regs[0]);
        CHECK(lowered->access_cache_regs[4]);
        for (uint32_t e : {1u, 2u, 3u, 5u, 6u, 7u}) CHECK_FALSE(lowered->access_cache_regs[e]);
        Outcome out = run_both(with_ro(m, body));
        REQUIRE(out.r0.has_value());
        CHECK(std::memcmp(out.memory.a, out.memory.b, 64) == 0);
    }
    SECTION("no registers when the program uses them, or has a local call") {
        auto uses = jit::lower(with_ro(m, {mov64(6, 1), mov64(7, 1), mov64(8, 2), ldx(Size::B, 0, 1, 0), exit_insn()}),
                               verifier::Facts{}, {});
        REQUIRE(uses);
        for (uint32_t e = 0; e < 8; ++e) CHECK_FALSE(uses->access_cache_regs[e]);
        auto calls = jit::lower(with_ro(m, {call_local(kPrologue + 3), ldx(Size::B, 0, 1, 0), exit_insn(),
                                            /*callee*/ mov64(0, 0), exit_insn()}),
                                verifier::Facts{}, {});
        REQUIRE(calls);
        for (uint32_t e = 0; e < 8; ++e) CHECK_FALSE(calls->access_cache_regs[e]);
    }
    SECTION("after a helper call the registers are empty: one byte too wide past a still faults") {
        for (bool past : {false, true}) {
            std::vector<Instruction> body = copy;
            // Save a on the stack (r10 accesses inside the frame are not checked), call a
            // helper (r1-r5 clobbered), reload a, then a load of a[63] and a store at a + 63
            // that is one byte (B) or one byte too wide across the seam into b (H).
            for (const Instruction& i :
                 {stx(Size::DW, 10, -8, 1), mov64(1, 1), mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5),
                  call_helper(1000), ldx(Size::DW, 1, 10, -8), ldx(Size::B, 0, 1, 63),
                  st(past ? Size::H : Size::B, 1, 63, 1), exit_insn()})
                body.push_back(i);
            Outcome out = run_both(with_ro(m, body));
            if (past) require_fault(out.r0, kPrologue + 18, "store of 2 bytes");
            else CHECK(out.r0.value() == 64);
        }
    }
    SECTION("a miss the checker does not cache (a stack window) leaves the entry as it was") {
        // a[0] fills the load entry; a load from a stack slot through r1 = r10 - 8 (a
        // checked access: not r10-based) is allowed but not cached; a[1] still hits; one
        // past b's end faults.
        auto p = with_ro(m, {ldx(Size::B, 0, 1, 0), st(Size::DW, 10, -8, 7), mov64r(4, 10), alu64(AluOp::Add, 4, -8),
                             ldx(Size::DW, 5, 4, 0), ldx(Size::B, 0, 1, 1), alu64r(AluOp::Add, 0, 5),
                             ldx(Size::B, 5, 2, 64), exit_insn()});
        require_fault(run_both(p).r0, kPrologue + 7, "load of 1 bytes");
    }
}
