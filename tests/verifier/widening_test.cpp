// Widening of scalars at the loop pass's heads (state_join.cpp): a bound that grows goes
// to the next threshold at once, whatever known bits the join lost, and what widening
// returns still holds every value of the join.
#include <catch2/catch.hpp>

#include "isa/instruction.hpp"
#include "verifier/scalar.hpp"
#include "verifier/state_join.hpp"

namespace ebpfjit::verifier {

TEST_CASE("widening: a counter whose known bits shrink goes to the next threshold", "[verifier][widening]") {
    const isa::Program empty; // thresholds: the built-in ones (0xff, 0xffff, ...)
    const Thresholds t(empty);
    const Scalar old = Scalar::unsigned_range(0, 3); // tnum (0; 0x3)
    const Scalar joined = join_scalar(old, Scalar::unsigned_range(0, 7));
    const Scalar w = widen_scalar(old, joined, t);
    // The tnum lost bit 2; before, it held umax at 7 and the head took one round per bit.
    CHECK(w.umax >= 0xfe);
    CHECK(w.contains(200));
    for (uint64_t v = 0; v <= 7; ++v) CHECK(w.contains(v));
}

TEST_CASE("widening: known low bits below the lost ones stay (a stride of 4)", "[verifier][widening]") {
    const isa::Program empty;
    const Thresholds t(empty);
    const Scalar old = join_scalar(Scalar::constant(0), Scalar::constant(4)); // tnum (0; 0x4)
    const Scalar joined = join_scalar(old, Scalar::constant(8));            // tnum (0; 0xc)
    const Scalar w = widen_scalar(old, joined, t);
    CHECK((w.bits.mask & 3) == 0);
    CHECK((w.bits.value & 3) == 0);
    CHECK_FALSE(w.contains(5));
    CHECK(w.contains(0));
    CHECK(w.contains(4));
    CHECK(w.contains(8));
    CHECK(w.contains(200)); // up to the threshold, in steps of 4
}

} // namespace ebpfjit::verifier
