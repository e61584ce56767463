// A64 encodings and text, checked on any host: asmjit assembles for AArch64 without
// running the code, so these run on the x86-64 build as well as under qemu.
#include <cstring>
#include <tuple>

#include <fmt/format.h>

#include "arm64_program.hpp"
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "jit/native_listing.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using jit::arm64::AtomicsMode;

namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The 32-bit words of the assembled code.
std::vector<uint32_t> words(const Program& p, AtomicsMode atomics = AtomicsMode::Lse) {
    const helpers::ProgramBindings bindings = test_bindings();
    auto lowered = lower_for_test(p, bindings);
    REQUIRE(lowered);
    jit::arm64::Options options;
    options.atomics = atomics;
    auto assembled = jit::arm64::assemble(*lowered, options);
    REQUIRE(assembled);
    asmjit::CodeHolder& code = assembled->code();
    REQUIRE(code.flatten() == asmjit::kErrorOk);
    const asmjit::Section* text = code.textSection();
    std::vector<uint32_t> out(text->bufferSize() / 4);
    std::memcpy(out.data(), text->data(), out.size() * 4);
    return out;
}

bool contains_word(const std::vector<uint32_t>& code, uint32_t word) {
    return std::find(code.begin(), code.end(), word) != code.end();
}

} // namespace

TEST_CASE("arm64: the full entry prologue saves the frame record and callee-saved pairs") {
    // A helper call the verifier did not prove is checked: the full frame (FrameInfo).
    const auto code = words(make_program({mov64(0, 1), call_helper(1000), mov64(0, 1), exit_insn()}));
    REQUIRE(code.size() > 4);
    CHECK(code[0] == 0xA9BF7BFDu); // stp x29, x30, [sp, #-16]!
    CHECK(code[1] == 0x910003FDu); // mov x29, sp
    CHECK(code[2] == 0xA9BF53F3u); // stp x19, x20, [sp, #-16]!
    CHECK(contains_word(code, 0xD65F03C0u)); // ret
    CHECK(contains_word(code, 0x52800027u)); // movz w7, #1 (r0 = 1)
    CHECK(contains_word(code, 0xAA0703E0u)); // mov x0, x7 (r0 is returned in x0)
}

TEST_CASE("arm64: a program that makes no calls gets the lean frame") {
    // Nothing to save: `return 1` is three instructions.
    const auto code = words(make_program({mov64(0, 1), exit_insn()}));
    REQUIRE(code.size() >= 3);
    CHECK(code[0] == 0x52800027u); // movz w7, #1
    CHECK(code[1] == 0xAA0703E0u); // mov x0, x7
    CHECK(code[2] == 0xD65F03C0u); // ret

    // r6 and r8 written, the stack used: one pair (r6, r8), then r10 padded with xzr; no
    // frame record, no FrameInfo (x24).
    const std::string lean = arm64_listing(make_program(
        {mov64(6, 1), mov64(8, 2), stx(Size::DW, 10, -8, 6), ldx(Size::DW, 0, 10, -8), exit_insn()}));
    INFO(lean);
    // Its tail-call landing comes after the code: `bl` the entry, then the caller's full
    // epilogue (which does restore x24 and x29/x30).
    const size_t landing = lean.find("bl L");
    REQUIRE(landing != std::string::npos);
    const std::string body = lean.substr(0, landing);
    CHECK(has(body, "stp x19, x21, [sp, -16]!"));
    CHECK(has(body, "stp x23, xzr, [sp, -16]!"));
    // r10 from RunStatus::stack_top (x4): the eBPF stack is not on the host stack.
    CHECK(has(body, "ldr x23, [x4, 32]"));
    CHECK(!has(body, "sub sp, sp"));
    CHECK(has(body, "ldr x23, [sp], 16"));
    CHECK(has(body, "ldp x19, x21, [sp], 16"));
    CHECK(!has(body, "x29"));
    CHECK(!has(body, "x24"));
    CHECK(has(lean.substr(landing), fmt::format("add sp, sp, {}", jit::arm64::kEntryFrameSize))); // FrameInfo, padded
    CHECK(has(lean.substr(landing), "ldp x29, x30, [sp], 16"));

    // A local call needs the frame record (bl overwrites x30) and saves x23 (the callee moves it).
    const std::string calls = arm64_listing(make_program({call_local(2), exit_insn(), mov64(0, 3), exit_insn()}));
    INFO(calls);
    const std::string calls_body = calls.substr(0, calls.rfind("bl L"));
    CHECK(has(calls_body, "stp x29, x30, [sp, -16]!"));
    CHECK(has(calls_body, "stp x23, xzr, [sp, -16]!"));
    CHECK(!has(calls_body, "x24"));
}

TEST_CASE("arm64: ALU immediates use imm12, shifted imm12 and logical immediates") {
    const auto code = words(make_program({
        mov64(0, 0),
        alu64(AluOp::Add, 0, 4095),      // add x7, x7, #0xfff
        alu64(AluOp::Add, 0, 0x5000),    // add x7, x7, #5, lsl #12
        alu64(AluOp::Sub, 0, -3),        // add x7, x7, #3 (negated sub)
        alu64(AluOp::And, 0, 0xff),      // and x7, x7, #0xff
        alu32(AluOp::Or, 0, 0x0f0f0f0f), // orr w7, w7, #0x0f0f0f0f
        exit_insn(),
    }));
    CHECK(contains_word(code, 0x913FFCE7u));
    CHECK(contains_word(code, 0x914014E7u));
    CHECK(contains_word(code, 0x91000CE7u));
    CHECK(contains_word(code, 0x92401CE7u));
    CHECK(contains_word(code, 0x3200CCE7u));
}

TEST_CASE("arm64: constants are movz/movn/movk sequences, never literal pools") {
    std::vector<Instruction> v;
    lddw(v, 0, 0x123456789abcdef0ull);
    v.push_back(exit_insn());
    const auto code = words(make_program(v));
    CHECK(contains_word(code, 0xD29BDE07u)); // movz x7, #0xdef0
    CHECK(contains_word(code, 0xF2B35787u)); // movk x7, #0x9abc, lsl #16
    CHECK(contains_word(code, 0xF2CACF07u)); // movk x7, #0x5678, lsl #32
    CHECK(contains_word(code, 0xF2E24687u)); // movk x7, #0x1234, lsl #48
    for (uint32_t w : code) CHECK((w & 0x3B000000u) != 0x18000000u); // no ldr (literal)

    const std::string listing = arm64_listing(make_program({mov64(0, -2), exit_insn()}));
    CHECK(has(listing, "movn x7, 1")); // 0xfffffffffffffffe in one instruction
}

TEST_CASE("arm64: offsets use scaled imm12, unscaled imm9, else the offset temporary") {
    const std::string listing = arm64_listing(make_program({
        ldx(Size::DW, 0, 1, 4096), ldx(Size::DW, 0, 10, -8), ldx(Size::W, 0, 1, 16383),
        stx(Size::H, 1, -20000, 2), exit_insn()}));
    CHECK(has(listing, "ldr x7, [x0, 4096]"));
    CHECK(has(listing, "ldur x7, [x23, -8]"));
    CHECK(has(listing, "movz w10, 16383"));
    CHECK(has(listing, "ldr w7, [x0, x10]"));
    CHECK(has(listing, "movn x10, 19999"));
    CHECK(has(listing, "strh w1, [x0, x10]"));
}

TEST_CASE("arm64: mov64 + add64 (the lowering's add_fused) is one three-operand add") {
    std::vector<Instruction> v{
        mov64r(2, 10), alu64(AluOp::Add, 2, -8),      // sub x1, x23, 8
        mov64r(3, 1), alu64r(AluOp::Add, 3, 3),       // add x2, x0, x0 (r3 in the add is r1)
        mov64r(4, 1), alu64r(AluOp::Add, 4, 2),       // add x3, x0, x1
        mov64r(5, 1), alu64(AluOp::Add, 5, 0x5000),   // add x4, x0, 5, lsl 12
        mov64r(0, 1), alu64(AluOp::Add, 0, 0x12345),  // kImm: movz/movk x9, then add x7, x0, x9
        exit_insn()};
    const std::string listing = arm64_listing(make_program(v));
    INFO(listing);
    CHECK(has(listing, "sub x1, x23, 8"));
    CHECK(has(listing, "add x2, x0, x0"));
    CHECK(has(listing, "add x3, x0, x1"));
    CHECK(has(listing, "add x7, x0, x9"));
    const auto code = words(make_program(v));
    CHECK(contains_word(code, 0x91401404u)); // add x4, x0, #5, lsl #12
    CHECK(!has(listing, "mov x1, x23")); // no separate moves
    CHECK(!has(listing, "mov x4, x0"));
}

TEST_CASE("arm64: division is udiv/sdiv, modulo msub with its own quotient register") {
    const std::string listing = arm64_listing(make_program({
        alu64r(AluOp::Div, 0, 2), alu32r(AluOp::SMod, 0, 2), exit_insn()}));
    CHECK(has(listing, "udiv x7, x7, x1"));
    CHECK(has(listing, "sdiv w15, w7, w1"));
    CHECK(has(listing, "msub w7, w15, w1, w7"));
}

TEST_CASE("arm64: atomics, LSE and exclusive-loop forms with the kernel's orderings") {
    const std::vector<Instruction> insns{
        Atomic{AtomicOp::Add, false, true, Reg{1}, 0, Reg{2}},
        Atomic{AtomicOp::And, true, true, Reg{1}, 8, Reg{2}},
        Atomic{AtomicOp::Xchg, true, false, Reg{1}, 8, Reg{2}},
        Atomic{AtomicOp::CmpXchg, true, true, Reg{1}, 8, Reg{2}},
        exit_insn(),
    };
    const std::string lse = arm64_listing(make_program(insns), AtomicsMode::Lse);
    CHECK(has(lse, "stadd x1, [x11]"));
    CHECK(has(lse, "mvn x12, x1"));
    CHECK(has(lse, "ldclral x12, x1, [x11]"));
    CHECK(has(lse, "swpal w1, w1, [x11]"));
    CHECK(has(lse, "casal x7, x1, [x11]"));
    CHECK(!has(lse, "ldxr"));

    const std::string loops = arm64_listing(make_program(insns), AtomicsMode::Exclusive);
    INFO(loops);
    CHECK(has(loops, "ldxr x13, [x11]"));
    CHECK(has(loops, "stxr w14, x13, [x11]"));
    CHECK(has(loops, "stlxr"));
    CHECK(has(loops, "dmb"));
    CHECK(!has(loops, "ldclral"));
    CHECK(!has(loops, "casal"));
}

TEST_CASE("arm64: helper calls load the address into x16 and move the result to r0") {
    const std::string listing = arm64_listing(make_program({call_helper(1000), exit_insn()}));
    CHECK(has(listing, "blr x16"));
    CHECK(has(listing, "mov x7, x0"));
}

TEST_CASE("arm64: a conditional jump beyond imm19 is an error naming the instruction") {
    // 300,000 one-instruction slots put the exit ~1.2 MB away from the b.eq at slot 1.
    std::vector<Instruction> v{mov64(0, 0), jcc(Cond::Eq, 1, 7, 300002)};
    for (int i = 0; i < 300000; ++i) v.push_back(alu64(AluOp::Add, 0, 1));
    v.push_back(exit_insn());
    const std::string text = arm64_listing(make_program(v));
    INFO(text.substr(0, 300));
    CHECK(has(text, "error: insn 1:"));
    CHECK(has(text, "b.eq"));
    CHECK(has(text, "imm19"));

    // Unconditional jumps reach ±128 MiB: the same distance is fine.
    v[1] = jmp(300002);
    CHECK(!has(arm64_listing(make_program(v)), "error"));
}

TEST_CASE("arm64: every branch's reach is checked at both ends of imm19 and imm26") {
    using jit::arm64::BranchRecord;
    using jit::arm64::Reach;
    // A program of 128 MiB is too large to build in a test: the check itself, at its limits.
    const uint32_t at = 1u << 28; // the branch's offset, room for backward reaches
    auto error = [&](Reach reach, int64_t distance) {
        const BranchRecord b{7, at, 0, reach, reach == Reach::Imm19 ? "b.ne" : "bl"};
        auto r = jit::arm64::check_reach(b, static_cast<uint32_t>(int64_t{at} + distance));
        return r ? std::string() : r.error().to_string();
    };
    for (auto [reach, bytes, name] : {std::tuple{Reach::Imm19, int64_t{1} << 20, "imm19"},
                                      std::tuple{Reach::Imm26, int64_t{1} << 27, "imm26"}}) {
        INFO(name);
        CHECK(error(reach, bytes - 4).empty()); // the farthest forward target
        CHECK(error(reach, -bytes).empty());    // the farthest backward target
        CHECK(error(reach, 0).empty());
        for (int64_t beyond : {bytes, -bytes - 4}) {
            const std::string text = error(reach, beyond);
            CHECK(has(text, "insn 7:"));
            CHECK(has(text, name));
            CHECK(has(text, fmt::format("{} bytes away", beyond)));
        }
    }
    CHECK(has(jit::arm64::check_reach(BranchRecord{3, 0, 0, Reach::Imm26, "b"}, jit::kNoNativeCode)
                  .error()
                  .to_string(),
              "never placed"));
}

TEST_CASE("arm64: a branch to an out-of-line stub beyond imm19 is an error, not a wrong jump") {
    // callx's bounds check branches (b.hs, imm19) to a fault stub after all the code: with
    // ~1.2 MB of code between them, the program is refused, naming the callx.
    std::vector<Instruction> v{mov64(0, 0), mov64(1, 1000), CallX{Reg{1}}};
    for (int i = 0; i < 300000; ++i) v.push_back(alu64(AluOp::Add, 0, 1));
    v.push_back(exit_insn());
    const std::string text = arm64_listing(make_program(v));
    INFO(text.substr(0, 300));
    CHECK(has(text, "error: insn 2:"));
    CHECK(has(text, "b.hs"));
    CHECK(has(text, "imm19"));
}

TEST_CASE("arm64: native_listing shows A64 on any host, with the eBPF text interleaved") {
    const helpers::ProgramBindings bindings = test_bindings();
    auto listing = jit::native_listing(make_program({mov64(0, 42), exit_insn()}), verifier::Facts{},
                                       bindings, {}, jit::Arch::Arm64);
    REQUIRE(listing);
    CHECK(has(*listing, "bytes of A64"));
    CHECK(has(*listing, "r0 = 42"));
    CHECK(has(*listing, "movz w7, 0x2A"));
    INFO(*listing);
    CHECK(has(*listing, "47058052")); // movz w7, #42, little-endian bytes
}

TEST_CASE("arm64: unproven accesses and helper calls call the check stubs; proven ones do not") {
    std::vector<Instruction> v = {ldx(Size::DW, 0, 1, 8), stx(Size::W, 10, -4, 0),
                                  Atomic{AtomicOp::Add, true, true, Reg{1}, 4104, Reg{0}}, call_helper(1000),
                                  exit_insn()};
    const Program p = make_program(v);
    const std::string text = arm64_listing(p);
    INFO(text);
    REQUIRE_FALSE(has(text, "error"));
    CHECK(has(text, "tst w0, 255"));
    CHECK(has(text, "mov x0, sp")); // the helper arguments, saved in order, for the checker
    CHECK(has(text, "b.eq"));

    // The same program with every access proven: no stub, no call besides the helper's.
    const helpers::ProgramBindings bindings = test_bindings();
    jit::LoweringOptions options;
    options.bindings = &bindings;
    verifier::Facts proof;
    proof.access_in_bounds.assign(p.size(), true);
    auto lowered = jit::lower(p, proof, options);
    REQUIRE(lowered);
    CHECK_FALSE(lowered->needs_guest_memory);
    asmjit::StringLogger logger;
    jit::arm64::Options arm;
    arm.logger = &logger;
    REQUIRE(jit::arm64::assemble(*lowered, arm));
    const std::string proven = logger.data();
    INFO(proven);
    CHECK_FALSE(has(proven, "tst w0"));
    // One `bl` only, the lean frame's tail-call landing after the code (no check stub).
    const size_t bl = proven.find("bl ");
    REQUIRE(bl != std::string::npos);
    CHECK(proven.find("bl ", bl + 1) == std::string::npos);
    CHECK(has(proven.substr(bl), fmt::format("add sp, sp, {}", jit::arm64::kEntryFrameSize))); // then the full epilogue
    CHECK_FALSE(has(proven.substr(0, bl), "x24"));     // a lean frame: no FrameInfo
}

namespace {
// PC-relative targets, as word indices (A64 branches count from their own address).
int64_t sign_extend(uint32_t value, int bits) {
    const uint32_t sign = 1u << (bits - 1);
    return static_cast<int64_t>(static_cast<int32_t>((value ^ sign) - sign));
}
bool is_adr(uint32_t w, uint32_t rd) { return (w & 0x9F000000u) == 0x10000000u && (w & 31u) == rd; }
size_t adr_target(const std::vector<uint32_t>& code, size_t i) {
    const uint32_t w = code[i];
    const int64_t bytes = sign_extend(((w >> 5) & 0x7FFFFu) << 2 | ((w >> 29) & 3u), 21);
    return static_cast<size_t>(static_cast<int64_t>(i) + bytes / 4);
}
bool is_b(uint32_t w, bool link) { return (w & 0xFC000000u) == (link ? 0x94000000u : 0x14000000u); }
size_t b_target(const std::vector<uint32_t>& code, size_t i) {
    return static_cast<size_t>(static_cast<int64_t>(i) + sign_extend(code[i] & 0x3FFFFFFu, 26));
}
} // namespace

TEST_CASE("arm64: LDDW src 4 loads a callback thunk that builds the entry frame around a bl") {
    // 0: r2 = &callback (slot 4); 4: the callback subprogram.
    std::vector<Instruction> v;
    lddw(v, 2, 3, LddwKind::CodeAddr);
    v.push_back(mov64(0, 0));
    v.push_back(exit_insn());
    v.push_back(mov64(0, 7));
    v.push_back(exit_insn());
    Program p = make_program(v);
    p.subprogram_starts = {0, 4};
    const auto code = words(p);

    constexpr uint32_t kStpFrameRecord = 0xA9BF7BFDu; // stp x29, x30, [sp, #-16]!
    const auto adr = std::find_if(code.begin(), code.end(), [](uint32_t w) { return is_adr(w, 1); });
    REQUIRE(adr != code.end()); // r2 = x1
    const size_t thunk = adr_target(code, static_cast<size_t>(adr - code.begin()));
    REQUIRE(thunk + 18 <= code.size());
    // The entry's frame (frame_layout.hpp), with no packet and the RunStatus* from x5.
    CHECK(code[thunk] == kStpFrameRecord);
    CHECK(code[thunk + 2] == 0xA9BF53F3u); // stp x19, x20, [sp, #-16]!
    CHECK(code[thunk + 4] == 0xA9BF63F7u); // stp x23, x24, [sp, #-16]!
    CHECK(code[thunk + 5] == 0xA9BF7FF9u); // stp x25, xzr, [sp, #-16]! (ax, the blinding register)
    CHECK(code[thunk + 7] == 0x910003F8u); // mov x24, sp (FrameInfo at the bottom: no eBPF stack here)
    CHECK(code[thunk + 9] == 0xF900071Fu); // str xzr, [x24, #8]   (no packet)
    CHECK(code[thunk + 10] == 0xF9000B1Fu); // str xzr, [x24, #16]  (packet length 0)
    CHECK(code[thunk + 11] == 0xF9000F05u); // str x5, [x24, #24]  (RunStatus*: 6th argument)
    CHECK(code[thunk + 12] == 0xF94010B1u); // ldr x17, [x5, #32]  (RunStatus::stack_top)
    CHECK(code[thunk + 13] == 0xF9001311u); // str x17, [x24, #32] (FrameInfo::stack_top)
    CHECK(code[thunk + 14] == 0xF9401317u); // ldr x23, [x24, #32]
    CHECK(code[thunk + 15] == 0x910902F7u); // add x23, x23, #576  (the callee's prologue takes it off)
    // bl into the callback's local prologue, then out through the entry epilogue (which
    // moves r0 from x7 to x0 and restores the C caller's registers).
    REQUIRE(is_b(code[thunk + 16], true));
    const size_t callee = b_target(code, thunk + 16);
    REQUIRE(callee < code.size());
    CHECK(code[callee] == kStpFrameRecord);
    CHECK(code[callee + 4] == 0xA9BF7FF7u); // stp x23, xzr, [sp, #-16]! (a local frame)
    REQUIRE(is_b(code[thunk + 17], false));
    const size_t epilogue = b_target(code, thunk + 17);
    REQUIRE(epilogue < code.size());
    CHECK(code[epilogue] == 0xAA0703E0u); // mov x0, x7
}
