// Constant blinding (jit/blinding.hpp): the rewrite's shape and slot maps, exact semantics
// against the interpreter, and the emitted bytes of both backends free of user immediates.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "jit/arm64/compile.hpp"
#include "jit/blinding.hpp"
#include "jit/lowering.hpp"
#include "jit/native_listing.hpp"
#include "program_builder.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

constexpr uint32_t kKey = 0x9d2c5b71; // fixed key: deterministic byte scans

Instruction st(Size s, uint8_t b, int16_t off, int32_t imm) { return Store{s, Reg{b}, off, Imm{imm}}; }
Instruction jcc32(Cond c, uint8_t d, int32_t imm, int32_t target) { return Jump{c, true, Reg{d}, Imm{imm}, target}; }

bool is_aux(const Operand& op) {
    const auto* r = std::get_if<Reg>(&op);
    return r && r->n == kAuxRegister;
}

Result<jit::CompiledProgram> compile(const Program& p, bool blind, std::optional<uint32_t> key = kKey) {
    jit::CompileOptions options;
    options.hardening.blind_constants = blind;
    options.blinding_key = key;
    return jit::compile(p, verifier::Facts{}, test_bindings(), options);
}

uint64_t interpret(const Program& p, std::span<uint8_t> mem) {
    auto r0 = runtime::Interpreter(p, test_bindings()).run_mem(mem);
    REQUIRE(r0);
    return *r0;
}

// r0 from the interpreter, the plain JIT and the blinded JIT (random keys) must agree.
void check_same(const Program& p) {
    std::vector<uint8_t> m1(64, 0x5a), m2 = m1, m3 = m1;
    const uint64_t expected = interpret(p, m1);
    auto plain = compile(p, false);
    auto blinded = compile(p, true, std::nullopt);
    REQUIRE(plain);
    REQUIRE(blinded);
    auto r_plain = runtime::run_native_mem(*plain, m2);
    auto r_blind = runtime::run_native_mem(*blinded, m3);
    REQUIRE(r_plain);
    REQUIRE(r_blind);
    CHECK(*r_plain == expected);
    CHECK(*r_blind == expected);
    CHECK(m3 == m1);
}

// Little-endian images of every immediate of 16 bits or more: the whole value at its
// width (2, 4 or 8 bytes), and each 32-bit half of a 64-bit one.
std::vector<std::vector<uint8_t>> images(const std::vector<int64_t>& values) {
    std::vector<std::vector<uint8_t>> out;
    auto add = [&](uint64_t v, size_t bytes) {
        std::vector<uint8_t> image(bytes);
        for (size_t i = 0; i < bytes; ++i) image[i] = static_cast<uint8_t>(v >> (8 * i));
        out.push_back(image);
    };
    for (int64_t v : values) {
        const auto u = static_cast<uint64_t>(v);
        if (v >= INT16_MIN && v <= UINT16_MAX) add(u, 2);
        else if (v >= INT32_MIN && v <= UINT32_MAX) add(u, 4);
        else {
            add(u, 8);
            add(u, 4);
            add(u >> 32, 4);
        }
    }
    return out;
}

bool contains(std::span<const uint8_t> code, const std::vector<uint8_t>& image) {
    return std::search(code.begin(), code.end(), image.begin(), image.end()) != code.end();
}

// A program full of chosen immediates in every blindable position.
constexpr int32_t k16 = 0x7e3d, k32 = 0x5a17c3e9, kNeg = -0x2b4c6d8f, kJmp = 0x61f0e4a3, kSt = 0x43b1d2c7;
constexpr uint64_t k64 = 0x1122334455667788ull;
Program immediate_soup() {
    std::vector<Instruction> v = {
        mov64(0, k32),
        alu64(AluOp::Add, 0, k16),
        alu32(AluOp::Xor, 0, kNeg),
        alu64(AluOp::Mul, 0, 0x3e5d),
        alu64(AluOp::Div, 0, 0x2c4b),
        alu32(AluOp::SMod, 0, 0x1a3b5c),
        alu64(AluOp::And, 0, 0x76543210),
        alu64(AluOp::Or, 0, 0x13572468),
        alu64(AluOp::Sub, 0, 0x6b2a),
        // Both branches land on the store to fp-8: every path writes the slot read back below
        // (they jumped past it, and the result was stack garbage: under ASan plain and
        // blinded runs differed).
        jcc(Cond::Eq, 0, kJmp, 11),
        jcc32(Cond::SGt, 0, 0x2d4e6f, 11),
        st(Size::W, 10, -8, kSt),
        st(Size::H, 10, -16, 0x4c5d),
        st(Size::DW, 10, -24, 0x35e7a9b1),
    };
    lddw(v, 2, k64);
    v.push_back(alu64r(AluOp::Add, 0, 2));
    v.push_back(ldx(Size::W, 3, 10, -8));
    v.push_back(alu64r(AluOp::Add, 0, 3));
    v.push_back(exit_insn());
    return make_program(std::move(v));
}
const std::vector<int64_t> kSoupImmediates = {k32, k16, kNeg, 0x3e5d, 0x2c4b, 0x1a3b5c, 0x76543210, 0x13572468,
                                              0x6b2a, kJmp, 0x2d4e6f, kSt, 0x4c5d, 0x35e7a9b1,
                                              static_cast<int64_t>(k64)};

std::vector<uint8_t> arm64_bytes(const Program& p, bool blind) {
    const helpers::ProgramBindings bindings = test_bindings();
    Program ir = p;
    verifier::Facts facts;
    if (blind) {
        auto blinded = jit::blind_constants(p, facts, {kKey});
        REQUIRE(blinded);
        ir = blinded->program;
        facts = blinded->facts;
    }
    jit::LoweringOptions options;
    options.bindings = &bindings;
    auto lowered = jit::lower(ir, facts, options);
    REQUIRE(lowered);
    auto assembled = jit::arm64::assemble(*lowered);
    REQUIRE(assembled);
    asmjit::CodeHolder& code = assembled->code();
    REQUIRE(code.flatten() == asmjit::kErrorOk);
    const asmjit::Section* text = code.textSection();
    return std::vector<uint8_t>(text->data(), text->data() + text->bufferSize());
}

} // namespace

TEST_CASE("blinding: each immediate becomes ax = imm ^ k; ax ^= k; op with ax") {
    const Program p = make_program({alu32(AluOp::Add, 1, 0x12345), jcc(Cond::Gt, 1, 77, 3), st(Size::B, 10, -1, 9),
                                    exit_insn()});
    auto b = jit::blind_constants(p, verifier::Facts{}, {kKey});
    REQUIRE(b);
    REQUIRE(b->program.size() == 10);
    const auto& mov = std::get<Alu>(b->program.insns[0]);
    CHECK(mov.op == AluOp::Mov);
    CHECK_FALSE(mov.is64); // the consumer's width
    CHECK(mov.dst.n == kAuxRegister);
    CHECK(std::get<Imm>(mov.src).v == static_cast<int32_t>(0x12345 ^ kKey));
    const auto& x = std::get<Alu>(b->program.insns[1]);
    CHECK(x.op == AluOp::Xor);
    CHECK(std::get<Imm>(x.src).v == static_cast<int32_t>(kKey));
    const auto& add = std::get<Alu>(b->program.insns[2]);
    CHECK((add.op == AluOp::Add && add.dst.n == 1 && is_aux(add.src)));
    const auto& j = std::get<Jump>(b->program.insns[5]);
    CHECK(is_aux(j.src));
    CHECK(j.target == 9); // original slot 3 (exit) now starts at 9
    CHECK(is_aux(std::get<Store>(b->program.insns[8]).src));
    CHECK(b->first_slot == std::vector<uint32_t>{0, 3, 6, 9, 10});
    CHECK(b->original_slot == std::vector<uint32_t>{0, 0, 0, 1, 1, 1, 2, 2, 2, 3});
}

TEST_CASE("blinding: shifts, register operands, ja and calls stay; targets are re-indexed") {
    const Program p = make_program({
        mov64(0, 1),             // 0 -> 0..2
        alu64(AluOp::Lsh, 0, 5), // 1 -> 3: a shift count stays raw
        jmp(3),                  // 2 -> 4: ja has no immediate
        exit_insn(),             // 3 -> 5
    });
    // A local call into a later subprogram: targets and the relative imm follow the map.
    Program q = make_program({mov64(1, 0x1000), call_local(3), exit_insn(), alu64(AluOp::Add, 1, 0x2000),
                              mov64r(0, 1), exit_insn()});
    auto b = jit::blind_constants(q, verifier::Facts{}, {kKey});
    REQUIRE(b);
    const auto& call = std::get<Call>(b->program.insns[3]);
    CHECK(call.target == 5);
    CHECK(call.imm == 5 - 3 - 1);
    CHECK(b->program.subprogram_starts == std::vector<int32_t>{0, 5});
    check_same(q);
    auto shifts = jit::blind_constants(p, verifier::Facts{}, {kKey});
    REQUIRE(shifts);
    CHECK(std::get<Alu>(shifts->program.insns[3]).src == Operand{Imm{5}});
    CHECK(std::get<Jump>(shifts->program.insns[4]).target == 5);
}

TEST_CASE("blinding: LDDW in 3 instructions (32-bit values) or 7 (64-bit)") {
    std::vector<Instruction> v;
    lddw(v, 1, 0xfffffffffffff123ull); // sign-extended 32
    lddw(v, 2, 0x00000000fedcba98ull); // zero-extended 32
    lddw(v, 3, k64);
    v.push_back(mov64r(0, 1));
    v.push_back(alu64r(AluOp::Xor, 0, 2));
    v.push_back(alu64r(AluOp::Xor, 0, 3));
    v.push_back(exit_insn());
    const Program p = make_program(v);
    auto b = jit::blind_constants(p, verifier::Facts{}, {kKey});
    REQUIRE(b);
    CHECK(b->program.size() == 3 + 3 + 7 + 4);
    CHECK(b->first_slot[1] == 2); // an absorbed second slot maps to its LDDW's last slot
    CHECK(std::none_of(b->program.insns.begin(), b->program.insns.end(),
                       [](const Instruction& i) { return std::holds_alternative<LddwSecondSlot>(i); }));
    check_same(p);
}

TEST_CASE("blinding: Facts follow the rewrite") {
    const Program p = make_program({ldx(Size::W, 1, 10, -4), alu64(AluOp::Div, 1, 7), alu64(AluOp::SDiv, 1, -1),
                                    st(Size::W, 10, -4, 0x11111), exit_insn()});
    verifier::Facts facts;
    facts.reachable = {true, true, true, true, true};
    facts.access_in_bounds = {true, false, false, true, false};
    facts.upper32_zero = {0x2, 0x2, 0x2, 0x2, 0x2};
    auto b = jit::blind_constants(p, facts, {kKey});
    REQUIRE(b);
    // slots: 0 ldx | 1,2,3 div | 4,5,6 sdiv | 7,8,9 st | 10 exit
    CHECK(b->facts.in_bounds(0));
    CHECK(b->facts.in_bounds(9));
    CHECK_FALSE(b->facts.in_bounds(7));
    CHECK(b->facts.divisor_is_safe(3));       // by 7: no fixup needed
    CHECK_FALSE(b->facts.divisor_is_safe(6)); // signed by -1: the fixup stays
    CHECK(b->facts.upper_zero(5, 1));
    CHECK(b->facts.reachable.size() == 11);
}

TEST_CASE("blinding: refuses r11 in the input and a zero key") {
    const Program p = make_program({Alu{AluOp::Mov, true, Reg{11}, Imm{1}}, exit_insn()});
    auto b = jit::blind_constants(p, verifier::Facts{}, {});
    REQUIRE_FALSE(b);
    CHECK(b.error().insn == 0u);
    CHECK_FALSE(jit::blind_constants(make_program({exit_insn()}), verifier::Facts{}, {0u}));
}

TEST_CASE("blinding: every ALU op, width and edge immediate gives the interpreter's result") {
    const std::vector<int32_t> imms = {0, 1, -1, 7, -7, 0x7fff, 0x12345678, INT32_MIN, INT32_MAX, -0x10000};
    const std::vector<AluOp> ops = {AluOp::Add, AluOp::Sub, AluOp::Mul, AluOp::Div, AluOp::SDiv, AluOp::Mod,
                                    AluOp::SMod, AluOp::Or, AluOp::And, AluOp::Xor, AluOp::Mov, AluOp::Lsh,
                                    AluOp::Rsh, AluOp::Arsh, AluOp::MovSx8, AluOp::MovSx16, AluOp::MovSx32};
    for (bool is64 : {true, false})
        for (AluOp op : ops)
            for (int32_t imm : imms) {
                if (op == AluOp::MovSx32 && !is64) continue;
                CAPTURE(is64, static_cast<int>(op), imm);
                std::vector<Instruction> v;
                lddw(v, 0, 0x8000000000000000ull | 0x9abcdef0ull);
                v.push_back(Alu{op, is64, Reg{0}, Imm{imm}});
                v.push_back(exit_insn());
                check_same(make_program(v));
                std::vector<Instruction> w;
                lddw(w, 0, static_cast<uint64_t>(INT32_MIN)); // INT_MIN / -1 in 32 bits
                w.push_back(Alu{op, is64, Reg{0}, Imm{imm}});
                w.push_back(exit_insn());
                check_same(make_program(w));
            }
}

TEST_CASE("blinding: every jump condition against immediates, 64 and 32 bits") {
    const std::vector<Cond> conds = {Cond::Eq, Cond::Ne, Cond::Gt, Cond::Ge, Cond::Lt, Cond::Le, Cond::Set,
                                     Cond::SGt, Cond::SGe, Cond::SLt, Cond::SLe};
    for (bool is32 : {false, true})
        for (Cond c : conds)
            for (int32_t imm : {0, -1, 5, 0x40000000, INT32_MIN})
                for (int32_t r : {-1, 5, 0x40000000}) {
                    CAPTURE(is32, static_cast<int>(c), imm, r);
                    check_same(make_program({mov64(1, r), mov64(0, 1), Jump{c, is32, Reg{1}, Imm{imm}, 4},
                                             mov64(0, 2), exit_insn()}));
                }
}

TEST_CASE("blinding: stores of every size, packet loads, and a loop") {
    check_same(make_program({st(Size::B, 1, 3, 0x1ab), st(Size::H, 1, 6, -0x1234), st(Size::W, 1, 8, kSt),
                             st(Size::DW, 1, 16, -0x35e7a9b1), ldx(Size::DW, 0, 1, 16), ldx(Size::W, 2, 1, 8),
                             alu64r(AluOp::Add, 0, 2), ldx(Size::H, 2, 1, 6), alu64r(AluOp::Add, 0, 2),
                             ldx(Size::B, 2, 1, 3), alu64r(AluOp::Add, 0, 2), exit_insn()}));
    check_same(make_program({PacketLoad{Size::W, false, Reg{0}, 4}, mov64(6, 0),
                             mov64(7, 2), PacketLoad{Size::H, true, Reg{7}, 0x8}, alu64r(AluOp::Add, 0, 6),
                             PacketLoad{Size::B, false, Reg{0}, 0x100000}, exit_insn()}));
    // r0 counts to 0x12345 through a back-edge compare against an immediate.
    check_same(make_program({mov64(0, 0), alu64(AluOp::Add, 0, 3), jcc(Cond::Lt, 0, 0x12345, 1), exit_insn()}));
}

TEST_CASE("blinding: faults and native offsets name the original instruction") {
    const Program p = make_program({mov64(0, 0x4000), mov64(1, 0x7777), CallX{Reg{1}}, exit_insn()});
    auto compiled = compile(p, true);
    REQUIRE(compiled);
    auto r0 = runtime::run_native_mem(*compiled, {});
    REQUIRE_FALSE(r0);
    CHECK(r0.error().insn == 2u);
    REQUIRE(compiled->slot_offsets().size() == p.size());
    CHECK(compiled->slot_offsets()[0] < compiled->slot_offsets()[1]);
    CHECK(compiled->slot_offsets()[1] < compiled->slot_offsets()[2]);
}

TEST_CASE("blinding: the host's code holds no user immediate of 16 bits or more") {
    const Program p = immediate_soup();
    const auto needles = images(kSoupImmediates);
    // The scan can fail: without blinding (and without division by multiplication, which
    // replaces a divisor by its magic number), x86-64 code holds the immediates as written
    // (A64 splits them into 16-bit fields that are not byte-aligned).
    jit::CompileOptions plain_options;
    plain_options.optimise.magic_division = false;
    auto plain = jit::compile(p, verifier::Facts{}, test_bindings(), plain_options);
    REQUIRE(plain);
    const std::span<const uint8_t> plain_code(plain->code(), plain->code_size());
    size_t found = 0;
    for (const auto& image : needles) found += contains(plain_code, image) ? 1 : 0;
    if (jit::host_arch() == jit::Arch::X86_64) CHECK(found == needles.size());

    auto blinded = compile(p, true);
    REQUIRE(blinded);
    const std::span<const uint8_t> code(blinded->code(), blinded->code_size());
    for (const auto& image : needles) {
        CAPTURE(image);
        CHECK_FALSE(contains(code, image));
    }
    std::vector<uint8_t> m1(64), m2(64);
    auto r_plain = runtime::run_native_mem(*plain, m1);
    auto r_blind = runtime::run_native_mem(*blinded, m2);
    REQUIRE(r_plain);
    REQUIRE(r_blind);
    CHECK(*r_plain == *r_blind);

    // Random keys: 32- and 64-bit images (a 2-byte one may match a random key by chance).
    for (int round = 0; round < 8; ++round) {
        auto random = compile(p, true, std::nullopt);
        REQUIRE(random);
        const std::span<const uint8_t> rcode(random->code(), random->code_size());
        for (const auto& image : needles)
            if (image.size() >= 4) CHECK_FALSE(contains(rcode, image));
    }
}

TEST_CASE("blinding: the A64 code holds no user immediate of 16 bits or more") {
    const Program p = immediate_soup();
    const std::vector<uint8_t> code = arm64_bytes(p, true);
    for (const auto& image : images(kSoupImmediates)) {
        CAPTURE(image);
        CHECK_FALSE(contains(code, image));
    }
    // ax (x25) is what the rewritten instructions name, and the entry frame saves it.
    const std::string listing = *jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::Arm64,
                                                     jit::CompileOptions{.hardening = {.blind_constants = true}, .blinding_key = kKey});
    CHECK(listing.find("x25") != std::string::npos);
    CHECK(listing.find(fmt::format("~ r11 ^= {}", static_cast<int32_t>(kKey))) != std::string::npos);
    CHECK(listing.find("~ r0 = r11") != std::string::npos);
}

TEST_CASE("blinding: the x86-64 listing names the original instructions, r9 is ax") {
    const Program p = immediate_soup();
    auto listing = jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::X86_64,
                                       jit::CompileOptions{.hardening = {.blind_constants = true}, .blinding_key = kKey});
    REQUIRE(listing);
    CHECK(listing->find(fmt::format(";     0: r0 = {}", k32)) != std::string::npos); // as written
    CHECK(listing->find(fmt::format("~ r11 ^= {}", static_cast<int32_t>(kKey))) != std::string::npos);
    CHECK(listing->find("r9") != std::string::npos);
}
