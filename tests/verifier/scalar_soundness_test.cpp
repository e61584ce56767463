// The abstract domain over-approximates: for random abstract values and random concrete
// members of them, the concrete result of every ALU op is a member of the abstract
// result, and a branch edge is never refined away from a value that takes it.
#include <catch2/catch.hpp>

#include <random>

#include "isa/alu_semantics.hpp"
#include "verifier/branch_refine.hpp"
#include "verifier/scalar.hpp"
#include "verifier/tnum.hpp"
#include "tests/emulation.hpp"

namespace ebpfjit::verifier {

namespace {

using isa::AluOp;
using isa::Cond;

// A random abstract value with a random member.
struct Sample {
    Scalar abs;
    uint64_t value;
};

Sample random_sample(std::mt19937_64& rng) {
    uint64_t v = rng();
    switch (rng() % 8) {
    case 6: { // a range straddling a 32-bit or a sign boundary
        uint64_t base = (rng() & 1) ? 0xffffff00ULL : 0x7fffffffffffff00ULL;
        uint64_t lo = base + rng() % 256, hi = lo + rng() % 512;
        return {Scalar::unsigned_range(lo, hi), lo + v % (hi - lo + 1)};
    }
    case 7: { // negative constant or small negative range
        int64_t lo = -int64_t(rng() % 70000) - 1, hi = lo + int64_t(rng() % 100);
        Scalar s;
        s.smin = lo;
        s.smax = hi;
        (void)s.normalize();
        return {s, uint64_t(lo + int64_t(v % uint64_t(hi - lo + 1)))};
    }
    case 0: return {Scalar::constant(v & 0xff), v & 0xff};
    case 1: return {Scalar::unknown(), v};
    case 2: { // small unsigned range
        uint64_t lo = rng() % 1000, hi = lo + rng() % 1000;
        uint64_t x = lo + (hi > lo ? v % (hi - lo + 1) : 0);
        return {Scalar::unsigned_range(lo, hi), x};
    }
    case 3: { // known bits
        Tnum t{v & ~0xf0f0ULL & 0xffffULL, 0xf0f0};
        Scalar s;
        s.bits = t;
        (void)s.normalize();
        uint64_t x = t.value | (rng() & t.mask);
        return {s, x};
    }
    case 4: { // signed range around zero
        int64_t lo = -int64_t(rng() % 500), hi = int64_t(rng() % 500);
        Scalar s;
        s.smin = lo;
        s.smax = hi;
        (void)s.normalize();
        int64_t x = lo + int64_t(v % uint64_t(hi - lo + 1));
        return {s, uint64_t(x)};
    }
    default: { // 32-bit value
        Scalar s = Scalar::unsigned_range(0, 0xffffffffULL);
        return {s, v & 0xffffffffULL};
    }
    }
}

} // namespace

TEST_CASE("tnum basics", "[verifier][tnum]") {
    Tnum a = Tnum::constant(5), b = Tnum::constant(7);
    CHECK(a.add(b) == Tnum::constant(12));
    CHECK(a.mul(b) == Tnum::constant(35));
    CHECK(Tnum::range(0, 255) == Tnum{0, 0xff});
    CHECK(Tnum::range(16, 31) == Tnum{16, 15});
    CHECK(Tnum{0, 0xff}.and_(Tnum::constant(0x0f)) == Tnum{0, 0x0f});
    CHECK(Tnum{0, 0xff}.contains(Tnum{0, 0x0f}));
    CHECK_FALSE(Tnum{0, 0x0f}.contains(Tnum{0, 0xff}));
    CHECK(Tnum::unknown().cast(4) == Tnum{0, 0xffffffff});
}

// Random samples per property: 200,000 natively, 20,000 under qemu (the same checks).
constexpr int kSamples = ebpfjit::test::repetitions(200000, 10);

TEST_CASE("scalar ALU transfer functions are sound", "[verifier][scalar]") {
    std::mt19937_64 rng(1234);
    const AluOp ops[] = {AluOp::Add, AluOp::Sub, AluOp::Mul, AluOp::Div, AluOp::Mod, AluOp::Or, AluOp::And,
                         AluOp::Xor, AluOp::Lsh, AluOp::Rsh, AluOp::Arsh, AluOp::Neg, AluOp::Mov,
                         AluOp::MovSx8, AluOp::MovSx16, AluOp::MovSx32};
    for (int iter = 0; iter < kSamples; ++iter) {
        Sample a = random_sample(rng), b = random_sample(rng);
        REQUIRE(a.abs.contains(a.value));
        REQUIRE(b.abs.contains(b.value));
        AluOp op = ops[rng() % std::size(ops)];
        bool is64 = rng() & 1;
        if (!is64 && op == AluOp::MovSx32) continue;
        Scalar r = is64 ? scalar_alu64(op, a.abs, b.abs) : scalar_alu32(op, a.abs, b.abs);
        // The oracle is what the interpreter executes.
        uint64_t v = is64 ? isa::semantics::alu64(op, a.value, b.value)
                          : isa::semantics::alu32(op, uint32_t(a.value), uint32_t(b.value));
        INFO("op " << int(op) << " is64 " << is64 << " a " << a.abs.to_string() << " = " << a.value << " b "
                   << b.abs.to_string() << " = " << b.value << " -> " << r.to_string() << " vs " << v);
        REQUIRE(r.contains(v));
    }
}

TEST_CASE("branch refinement keeps every value that takes the edge", "[verifier][scalar]") {
    std::mt19937_64 rng(99);
    const Cond conds[] = {Cond::Eq, Cond::Ne, Cond::Gt, Cond::Ge, Cond::Lt, Cond::Le,
                          Cond::Set, Cond::SGt, Cond::SGe, Cond::SLt, Cond::SLe};
    for (int iter = 0; iter < kSamples; ++iter) {
        Sample a = random_sample(rng), b = random_sample(rng);
        if (rng() % 4 == 0) b = {a.abs, a.value}; // equal-ish operands
        Cond c = conds[rng() % std::size(conds)];
        bool is32 = rng() % 3 == 0;
        bool taken = isa::semantics::condition(c, is32, a.value, b.value);
        Scalar ra = a.abs, rb = b.abs;
        bool feasible = refine(ra, rb, edge_relation(c, taken), is32);
        INFO("cond " << int(c) << " is32 " << is32 << " a " << a.abs.to_string() << " = " << a.value << " b "
                     << b.abs.to_string() << " = " << b.value << " taken " << taken);
        REQUIRE(feasible);
        REQUIRE(ra.contains(a.value));
        REQUIRE(rb.contains(b.value));
    }
}

TEST_CASE("constants are decided", "[verifier][scalar]") {
    Scalar five = Scalar::constant(5), ten = Scalar::constant(10);
    Scalar a = five, b = ten;
    CHECK_FALSE(refine(a, b, Relation::Gt, false));
    a = five, b = ten;
    CHECK(refine(a, b, Relation::Lt, false));
    Scalar byte = Scalar::unsigned_range(0, 255);
    Scalar c = Scalar::constant(300);
    CHECK_FALSE(refine(byte, c, Relation::Eq, false));
    CHECK(scalar_alu64(AluOp::And, Scalar::unknown(), Scalar::constant(7)).umax == 7);
    CHECK(scalar_alu32(AluOp::Mov, {}, Scalar::constant(~0ULL)).value() == 0xffffffffULL);
    CHECK(scalar_alu64(AluOp::Div, Scalar::constant(7), Scalar::constant(0)).value() == 0);
    CHECK(scalar_alu64(AluOp::Mod, Scalar::constant(7), Scalar::constant(0)).value() == 7);
}

} // namespace ebpfjit::verifier
