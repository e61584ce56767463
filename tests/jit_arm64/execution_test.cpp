// The ARM64 backend's code, run: only on AArch64 hosts (under qemu-aarch64 in
// `make test-arm64`). Results are compared with the interpreter or the kernel's values,
// with both atomics forms (LSE and exclusive loops) forced in turn.
#if defined(__aarch64__)

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

#include "arm64_program.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using jit::arm64::AtomicsMode;

namespace {

// Both atomics forms where the CPU has LSE (qemu's default `max`), the exclusive loops
// alone where it has not (test_jit_arm64_no_lse: LSE instructions would be SIGILL there).
std::vector<AtomicsMode> atomics_forms() {
    if (jit::arm64::host_has_lse()) return {AtomicsMode::Lse, AtomicsMode::Exclusive};
    return {AtomicsMode::Exclusive};
}

// What the recording helper saw, call by call.
std::vector<std::array<uint64_t, 5>>& recorded() {
    static std::vector<std::array<uint64_t, 5>> calls;
    return calls;
}
uint64_t record_args(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    recorded().push_back({a, b, c, d, e});
    return 0;
}
constexpr int32_t kRecordId = 1001;

const helpers::HelperTable& table() {
    static const helpers::HelperTable t = [] {
        helpers::HelperTable h = test_helpers();
        h.add(helpers::Helper{kRecordId, "record_args", {}, kAllProgramTypes, &record_args});
        return h;
    }();
    return t;
}

Result<uint64_t> run_arm64(const Program& p, std::span<uint8_t> mem, AtomicsMode atomics, bool trusted = false) {
    const helpers::ProgramBindings bindings{&table(), {}};
    auto lowered = lower_for_test(p, bindings, trusted);
    if (!lowered) return fail(lowered.error());
    // Trusted code is the code a verified program gets: not one run-time check.
    if (trusted && lowered->needs_guest_memory) return fail(Error::plain("trusted code has run-time checks"));
    jit::arm64::Options options;
    options.atomics = atomics;
    auto compiled = jit::arm64::compile(*lowered, options);
    if (!compiled) return fail(compiled.error());
    return runtime::run_native_mem(*compiled, mem);
}

Result<uint64_t> run_interp(const Program& p, std::span<uint8_t> mem) {
    return runtime::Interpreter(p, helpers::ProgramBindings{&table(), {}}).run_mem(mem);
}

// r1 = ctx, r2..r5 = distinct patterns (r1 is reloaded from r6, which keeps ctx).
void set_args(std::vector<Instruction>& v) {
    v.push_back(mov64r(1, 6));
    v.push_back(mov64(2, 0x2222));
    lddw(v, 3, 0x3333333344444444ull);
    v.push_back(mov64(4, -4));
    v.push_back(mov64(5, 0x55));
}

} // namespace

// The uBPF bug this guards against: a temporary that held both the atomic's address (or a
// large offset) and something a helper call needed. Run as checked code (the check stubs
// compute the address too) and as trusted code (what a verified program gets, no stubs),
// with both atomics forms.
TEST_CASE("arm64: a helper called right after an atomic and after large offsets gets every argument", "[run]") {
    std::vector<Instruction> v{mov64r(6, 1), mov64(7, 3), mov64(0, 0)};
    // 1. An atomic on the context pointer itself (r1) at an offset >= 4096.
    set_args(v);
    v.push_back(Atomic{AtomicOp::Add, true, true, Reg{1}, 4104, Reg{7}});
    v.push_back(call_helper(kRecordId));
    // 2. Every other atomic form, each followed by a call.
    for (AtomicOp op : {AtomicOp::Or, AtomicOp::And, AtomicOp::Xor, AtomicOp::Xchg, AtomicOp::CmpXchg}) {
        set_args(v);
        v.push_back(Atomic{op, true, op != AtomicOp::Xor, Reg{1}, 4112, Reg{7}});
        v.push_back(call_helper(kRecordId));
    }
    // 3. Loads and stores whose offsets no immediate holds (the offset temporary),
    //    one storing a constant that needs the immediate temporary too.
    set_args(v);
    v.push_back(ldx(Size::B, 8, 1, 4097));
    v.push_back(Store{Size::W, Reg{1}, 4099, Imm{0x12345678}});
    v.push_back(ldx(Size::DW, 9, 1, 6000));
    v.push_back(call_helper(kRecordId));
    // 4. A load relative to r1 with a scaled offset >= 4096.
    set_args(v);
    v.push_back(ldx(Size::W, 8, 1, 8188));
    v.push_back(call_helper(kRecordId));
    // 5. A non-fetching atomic based on r2 (an argument register) at a large offset.
    set_args(v);
    v.push_back(mov64r(2, 6));
    v.push_back(mov64(7, 3));
    v.push_back(Atomic{AtomicOp::Add, false, true, Reg{2}, 4120, Reg{7}});
    v.push_back(mov64(2, 0x2222));
    v.push_back(call_helper(kRecordId));
    v.push_back(mov64r(0, 8));
    v.push_back(exit_insn());
    const Program program = make_program(v);

    for (bool trusted : {false, true}) {
        for (AtomicsMode mode : atomics_forms()) {
            INFO((trusted ? "trusted" : "checked") << " code, atomics "
                                                   << (mode == AtomicsMode::Lse ? "LSE" : "exclusive"));
            std::vector<uint8_t> mem(8192, 0);
            mem[8188] = 0x2a;
            recorded().clear();
            auto r0 = run_arm64(program, mem, mode, trusted);
            if (!r0) FAIL(r0.error().to_string());
            CHECK(*r0 == 0x2a);
            REQUIRE(recorded().size() == 9);
            for (size_t call = 0; call < recorded().size(); ++call) {
                INFO("call " << call);
                const auto& args = recorded()[call];
                CHECK(args[0] == reinterpret_cast<uint64_t>(mem.data()));
                CHECK(args[1] == 0x2222);
                CHECK(args[2] == 0x3333333344444444ull);
                CHECK(args[3] == static_cast<uint64_t>(-4));
                CHECK(args[4] == 0x55);
            }
            uint32_t stored = 0;
            std::memcpy(&stored, &mem[4099], 4);
            CHECK(stored == 0x12345678);
            uint64_t added = 0;
            std::memcpy(&added, &mem[4120], 8);
            CHECK(added == 3);
        }
    }
}

TEST_CASE("arm64: every atomic, LSE and exclusive forms, matches the interpreter", "[run]") {
    const uint64_t initial = 0x8000000f0f0f0f0full;
    for (AtomicsMode mode : atomics_forms()) {
        for (AtomicOp op : {AtomicOp::Add, AtomicOp::Or, AtomicOp::And, AtomicOp::Xor, AtomicOp::Xchg,
                            AtomicOp::CmpXchg}) {
            for (bool fetch : {false, true}) {
                if (!fetch && (op == AtomicOp::Xchg || op == AtomicOp::CmpXchg)) continue;
                for (bool is64 : {false, true}) {
                    for (uint8_t src : {2, 0}) {
                        for (bool expect_match : {false, true}) {
                            if (op != AtomicOp::CmpXchg && expect_match) continue;
                            std::vector<Instruction> v;
                            lddw(v, 0, expect_match ? initial : 0x1111111122222222ull);
                            if (src != 0) lddw(v, src, 0xf0f0f0f0a5a5a5a5ull);
                            v.push_back(Atomic{op, fetch, is64, Reg{1}, 8, Reg{src}});
                            v.push_back(stx(Size::DW, 1, 16, src));
                            v.push_back(stx(Size::DW, 1, 24, 0));
                            v.push_back(exit_insn());
                            const Program p = make_program(v);
                            std::vector<uint8_t> mem_jit(32, 0), mem_interp(32, 0);
                            std::memcpy(&mem_jit[8], &initial, 8);
                            std::memcpy(&mem_interp[8], &initial, 8);
                            INFO("mode " << int(mode) << " op " << int(op) << " fetch " << fetch << " is64 " << is64
                                         << " src r" << int(src) << " match " << expect_match);
                            auto expected = run_interp(p, mem_interp);
                            REQUIRE(expected);
                            auto got = run_arm64(p, mem_jit, mode);
                            if (!got) FAIL(got.error().to_string());
                            CHECK(*got == *expected);
                            CHECK(mem_jit == mem_interp);
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("arm64: division and modulo give the kernel's results for 0 and INT_MIN / -1", "[run]") {
    struct Case {
        AluOp op;
        bool is64;
        uint64_t dst, src, expected;
    };
    const uint64_t hi = 0xdeadbeef00000000ull; // ALU32 must ignore and clear the upper half
    const Case cases[] = {
        {AluOp::Div, true, 77, 0, 0},
        {AluOp::Mod, true, 77, 0, 77},
        {AluOp::Div, false, hi | 77, 0, 0},
        {AluOp::Mod, false, hi | 77, 0, 77},
        {AluOp::SDiv, true, 0x8000000000000000ull, static_cast<uint64_t>(-1), 0x8000000000000000ull},
        {AluOp::SMod, true, 0x8000000000000000ull, static_cast<uint64_t>(-1), 0},
        {AluOp::SDiv, false, hi | 0x80000000u, 0xffffffffu, 0x80000000u},
        {AluOp::SMod, false, hi | 0x80000000u, 0xffffffffu, 0},
        {AluOp::SDiv, true, 7, 0, 0},
        {AluOp::SMod, true, static_cast<uint64_t>(-7), 0, static_cast<uint64_t>(-7)},
        {AluOp::SDiv, true, static_cast<uint64_t>(-7), 2, static_cast<uint64_t>(-3)},
        {AluOp::SMod, true, static_cast<uint64_t>(-7), 2, static_cast<uint64_t>(-1)},
        {AluOp::Mod, true, 100, 7, 2},
    };
    for (const Case& c : cases) {
        std::vector<Instruction> v;
        lddw(v, 0, c.dst);
        lddw(v, 3, c.src);
        v.push_back(Alu{c.op, c.is64, Reg{0}, Reg{3}});
        v.push_back(exit_insn());
        INFO("op " << int(c.op) << " is64 " << c.is64 << " dst " << c.dst << " src " << c.src);
        auto r = run_arm64(make_program(v), {}, AtomicsMode::Auto);
        if (!r) FAIL(r.error().to_string());
        CHECK(*r == c.expected);
    }
}

TEST_CASE("arm64: immediates of every shape in ALU, jump and store forms match the interpreter", "[run]") {
    const int32_t imms[] = {0, 1, -1, 7, 4095, 4096, -4096, 0x5000, 0xfff000, 0x1000001, 0xff, 0x0f0f0f0f,
                            0x12345, INT32_MAX, INT32_MIN, -257, 0x7ff800};
    const uint64_t values[] = {0, 1, 0xffffffffffffffffull, 0x8000000000000000ull, 0x00000000ffffffffull,
                               0x123456789abcdef0ull, 0xfffff000ull, 0x5000};
    const AluOp ops[] = {AluOp::Add, AluOp::Sub, AluOp::Mul, AluOp::Or, AluOp::And, AluOp::Xor, AluOp::Mov,
                         AluOp::Div, AluOp::Mod, AluOp::SDiv, AluOp::SMod, AluOp::Lsh, AluOp::Rsh, AluOp::Arsh};
    const Cond conds[] = {Cond::Eq, Cond::Ne, Cond::Set, Cond::Gt, Cond::Ge, Cond::Lt, Cond::Le,
                          Cond::SGt, Cond::SGe, Cond::SLt, Cond::SLe};
    int compared = 0;
    for (uint64_t value : values) {
        for (int32_t imm : imms) {
            for (bool is64 : {false, true}) {
                std::vector<Instruction> v;
                lddw(v, 6, value);
                // Each ALU op on a copy, folded into r7.
                v.push_back(mov64(7, 0));
                for (AluOp op : ops) {
                    v.push_back(mov64r(0, 6));
                    v.push_back(Alu{op, is64, Reg{0}, Imm{imm}});
                    v.push_back(alu64(AluOp::Mul, 7, 31));
                    v.push_back(alu64r(AluOp::Xor, 7, 0));
                }
                // Each condition sets one bit of r8.
                v.push_back(mov64(8, 0));
                for (size_t k = 0; k < std::size(conds); ++k) {
                    const auto here = static_cast<int32_t>(v.size());
                    v.push_back(Jump{conds[k], !is64, Reg{6}, Imm{imm}, here + 2});
                    v.push_back(jmp(here + 3));
                    v.push_back(alu64(AluOp::Or, 8, 1 << k));
                }
                // ST imm of each width at an offset beyond imm12.
                v.push_back(Store{Size::DW, Reg{1}, 4104, Imm{imm}});
                v.push_back(Store{Size::W, Reg{1}, 4099, Imm{imm}});
                v.push_back(Store{Size::H, Reg{1}, 4113, Imm{imm}});
                v.push_back(Store{Size::B, Reg{1}, 4115, Imm{imm}});
                v.push_back(mov64r(0, 7));
                v.push_back(alu64(AluOp::Lsh, 8, 48));
                v.push_back(alu64r(AluOp::Xor, 0, 8));
                v.push_back(exit_insn());
                const Program p = make_program(v);
                std::vector<uint8_t> mem_jit(4200, 0), mem_interp(4200, 0);
                auto expected = run_interp(p, mem_interp);
                REQUIRE(expected);
                auto got = run_arm64(p, mem_jit, AtomicsMode::Auto);
                if (!got) FAIL(got.error().to_string());
                INFO("value " << value << " imm " << imm << " is64 " << is64);
                CHECK(*got == *expected);
                CHECK(mem_jit == mem_interp);
                ++compared;
            }
        }
    }
    CHECK(compared == 8 * 17 * 2);
}

TEST_CASE("arm64: fused mov64 + add64 of a register matches the interpreter, the add naming either", "[run]") {
    std::vector<Instruction> v;
    lddw(v, 6, 0x7fffffff00000001ull);
    lddw(v, 7, 0x00000001ffffffffull);
    v.push_back(mov64r(8, 6));
    v.push_back(alu64r(AluOp::Add, 8, 7)); // r8 = r6 + r7
    v.push_back(mov64r(9, 7));
    v.push_back(alu64r(AluOp::Add, 9, 9)); // r9 = r7 + r7
    v.push_back(mov64r(2, 10));
    v.push_back(alu64(AluOp::Add, 2, -16)); // r2 = r10 - 16: a stack address
    v.push_back(stx(Size::DW, 2, 0, 8));
    v.push_back(ldx(Size::DW, 0, 10, -16));
    v.push_back(alu64r(AluOp::Xor, 0, 9));
    v.push_back(exit_insn());
    const Program p = make_program(v);
    auto expected = run_interp(p, {});
    REQUIRE(expected);
    CHECK(*expected == ((0x7fffffff00000001ull + 0x00000001ffffffffull) ^ (2 * 0x00000001ffffffffull)));
    for (bool trusted : {false, true}) {
        auto got = run_arm64(p, {}, AtomicsMode::Auto, trusted);
        if (!got) FAIL(got.error().to_string());
        CHECK(*got == *expected);
    }
}

TEST_CASE("arm64: the CPU's atomics form is detected, and Auto follows it", "[run]") {
    const helpers::ProgramBindings bindings = test_bindings();
    auto lowered = lower_for_test(make_program({exit_insn()}), bindings);
    REQUIRE(lowered);
    auto assembled = jit::arm64::assemble(*lowered, {});
    REQUIRE(assembled);
    CHECK(assembled->lse == jit::arm64::host_has_lse());
    // Under qemu the CPU model is known (tests/jit_arm64/CMakeLists.txt): `max` has LSE,
    // `cortex-a57` (ARMv8.0) has not, so there Auto must pick the exclusive loops.
    if (const char* expect = std::getenv("EBPFJIT_EXPECT_LSE")) {
        INFO("EBPFJIT_EXPECT_LSE=" << expect << ", QEMU_CPU=" << (std::getenv("QEMU_CPU") ? std::getenv("QEMU_CPU") : ""));
        CHECK(jit::arm64::host_has_lse() == (std::string(expect) == "1"));
    }
}

TEST_CASE("arm64: unproven accesses are checked: atomics of both forms, stores below the frame, helpers", "[run]") {
    std::vector<uint8_t> mem(16, 0);
    for (AtomicsMode atomics : atomics_forms()) {
        std::fill(mem.begin(), mem.end(), 0);
        // *(u64 *)(r1 + off) += 3 (fetch): in bounds it runs, 8 bytes past the end it faults.
        auto program = [](int16_t off) {
            return make_program({mov64(2, 3), Atomic{AtomicOp::Add, true, true, Reg{1}, off, Reg{2}},
                                 mov64r(0, 2), exit_insn()});
        };
        auto in = run_arm64(program(8), mem, atomics);
        REQUIRE(in.has_value());
        CHECK(*in == 0);
        CHECK(mem[8] == 3);
        auto out = run_arm64(program(16), mem, atomics);
        REQUIRE_FALSE(out.has_value());
        CHECK(out.error().insn == 1u);
        CHECK_THAT(out.error().message, Catch::Contains("atomic of 8 bytes"));
    }
    auto below = run_arm64(make_program({Store{Size::DW, Reg{10}, -520, Imm{1}}, mov64(0, 0), exit_insn()}), mem,
                           AtomicsMode::Lse);
    REQUIRE_FALSE(below.has_value());
    CHECK_THAT(below.error().message, Catch::Contains("store of 8 bytes"));
    // A caller's stack passed down works; every argument reaches a checked helper call.
    recorded().clear();
    std::vector<Instruction> v = {Store{Size::DW, Reg{10}, -8, Imm{42}}, mov64r(1, 10), alu64(AluOp::Add, 1, -8),
                                  call_local(6), ldx(Size::DW, 0, 10, -8), exit_insn(),
                                  /*6*/ mov64r(6, 1), Store{Size::DW, Reg{1}, 0, Imm{7}}};
    set_args(v);
    v.insert(v.end(), {call_helper(kRecordId), ldx(Size::DW, 0, 6, 0), exit_insn()});
    auto calls = run_arm64(make_program(v), mem, AtomicsMode::Lse);
    REQUIRE(calls.has_value());
    CHECK(*calls == 7);
    REQUIRE(recorded().size() == 1);
    CHECK(recorded()[0][1] == 0x2222);
    CHECK(recorded()[0][2] == 0x3333333344444444ull);
    CHECK(recorded()[0][4] == 0x55);
}

#endif
