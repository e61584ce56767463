// The kernel's bpf_map_direct_read: a load at a constant offset of a frozen read-only map
// value (.rodata, as the loader makes it) is the constant it holds, so a branch on a
// `const volatile` configuration value only follows the side it takes. The same map without
// its frozen bytes, a variable offset, or a writable map keeps the loaded value unknown.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <numeric>

#include "engine_abi/kernel_ids.hpp"
#include "helpers/helper_table.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto B = Size::B;
constexpr auto H = Size::H;
constexpr auto W = Size::W;
constexpr auto DW = Size::DW;
constexpr uint32_t kRo = engine_abi::map_flag::kRdonlyProg;

// .rodata of 16 bytes 0x00, 0x01, ..., 0x0f, except byte 15 = 0xff (for sign extension).
VerifierInput input(bool frozen, uint32_t flags = kRo) {
    VerifierInput in;
    in.type = ProgramType::Xdp;
    in.helpers = &helpers::HelperTable::builtin();
    in.maps = {{engine_abi::map_type::kArray, 4, 16, 1, flags, ".rodata", nullptr}};
    if (frozen) {
        std::vector<uint8_t> bytes(16);
        std::iota(bytes.begin(), bytes.end(), uint8_t(0));
        bytes[15] = 0xff;
        in.maps[0].frozen_value = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    }
    return in;
}

// r1 = <load>; if r1 != expected: a read of r9, never written ("bad"). Accepted only when
// the verifier knows the loaded value and it is `expected`.
Builder guarded_by(std::function<void(Builder&)> load, int32_t expected) {
    Builder b;
    b.ld_map_value(r2, 0, 0);
    load(b);
    b.j(Cond::Ne, r1, expected, "bad").mov(r0, 2).exit().label("bad").mov(r0, r9).exit(); // r9 is never written
    return b;
}

std::string headline(const Report& r) { return r.rejection ? r.rejection->headline : std::string{}; }

} // namespace

TEST_CASE("loads of a frozen .rodata value at a constant offset are constants", "[verifier][rodata]") {
    const VerifierInput frozen = input(true);
    auto accepted = [&](std::function<void(Builder&)> load, int32_t expected) {
        Report r = check(guarded_by(load, expected).build(), frozen);
        INFO(headline(r));
        CHECK(r.ok());
    };
    accepted([](Builder& b) { b.ldx(B, r1, r2, 3); }, 0x03);
    accepted([](Builder& b) { b.ldx(H, r1, r2, 2); }, 0x0302); // little-endian
    accepted([](Builder& b) { b.ldx(W, r1, r2, 4); }, 0x07060504);
    accepted([](Builder& b) { b.ld_map_value(r2, 0, 8).ldx(W, r1, r2, 0); }, 0x0b0a0908); // LDDW's offset
    accepted([](Builder& b) { b.add(r2, 4).ldx(H, r1, r2, 2); }, 0x0706);                  // pointer arithmetic
    accepted([](Builder& b) { b.ldxs(B, r1, r2, 15); }, -1);                                // sign-extended
    accepted([](Builder& b) { b.ldx(B, r1, r2, 15); }, 0xff);
    accepted([](Builder& b) { b.ldx(DW, r1, r2, 8).rsh(r1, 56); }, 0xff);
}

TEST_CASE("the dead side of a .rodata branch is checked when the value takes it", "[verifier][rodata]") {
    const VerifierInput frozen = input(true);
    Report wrong = check(guarded_by([](Builder& b) { b.ldx(B, r1, r2, 3); }, 4).build(), frozen);
    REQUIRE_FALSE(wrong.ok()); // byte 3 is 3: "bad" runs and reads r9, never written
    CHECK(wrong.rejection->reason == Reason::UninitializedRegister);
    CHECK(wrong.rejection->insn == 6);
}

TEST_CASE("without frozen bytes, at a variable offset or in a writable map the value is unknown",
          "[verifier][rodata]") {
    auto rejected = [](std::function<void(Builder&)> load, const VerifierInput& in) {
        Report r = check(guarded_by(load, 3).build(), in);
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::UninitializedRegister);
    };
    rejected([](Builder& b) { b.ldx(B, r1, r2, 3); }, input(false));   // read-only, not frozen
    rejected([](Builder& b) { b.ldx(B, r1, r2, 3); }, input(true, 0)); // writable (not BPF_F_RDONLY_PROG)
    // variable offset: r3 in [0, 1]
    rejected([](Builder& b) { b.call(7 /* bpf_get_prandom_u32 */).ld_map_value(r2, 0, 0).mov(r3, r0)
                                  .and_(r3, 1).add(r2, r3).ldx(B, r1, r2, 3); },
             input(true));
}

} // namespace ebpfjit::verifier::test
