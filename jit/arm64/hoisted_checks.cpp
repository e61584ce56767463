// A loop version's range checks (jit/hoist_checks.hpp), before the version and the loop:
//
//   x16 = bound; x10 = counter; subs x16, x16, x10; b.lo loop    counter > bound: the checked loop
//   lsr x10, x16, #32; cbnz x10, loop                            D >= 2^32: the checked loop
//   per range:
//     x16 = bound - counter (= D; recomputed: the stub keeps eBPF registers, x11 and x16)
//     x12 = D * stride + size [| 1 << 63 for a write]; x11 = start
//     bl range_stub (checks.cpp); b.eq loop                      refused: the checked loop
//   (falls through into the version)
//
// Temporaries as in block_ops.cpp (x10 D, x16 the value computed, x9 constants) and the
// check registers (kCheckAddr, kCheckWhat) the stub reads.
#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

namespace {
using asmjit::arm::CondCode;
const a64::GpX kD = a64::x10;
const a64::GpX kTrips = a64::x16;
} // namespace

void Emitter::emit_range_checks(const LoopVersion& v) {
    const asmjit::Label& loop = labels_[v.head];
    auto trips = [&] { // kTrips = bound - counter; counter and bound never use kD (IdiomExpr::d)
        emit_idiom_expr(kTrips, v.bound);
        emit_idiom_expr(kD, v.counter);
        a_.subs(kTrips, kTrips, kD);
    };
    trips();
    branch(CondCode::kLO, loop);
    a_.lsr(kD, kTrips, 32);
    cbz(true, kD, loop);
    for (const HoistedRange& r : v.ranges) {
        trips();
        switch (r.stride) { // D < 2^32: the length stays below 2^34
        case 0: load_constant(kCheckWhat, r.size); break;
        case 1: a_.add(kCheckWhat, kTrips, r.size); break;
        default:
            a_.add(kCheckWhat, kTrips, kTrips);
            a_.add(kCheckWhat, kCheckWhat, r.size);
            break;
        }
        if (r.write) a_.orr(kCheckWhat, kCheckWhat, kRangeWrite);
        emit_idiom_expr(kCheckAddr, r.start);
        record(range_stub_, Reach::Imm26, "bl");
        a_.bl(range_stub_);
        branch(CondCode::kEQ, loop);
    }
}

} // namespace ebpfjit::jit::arm64
