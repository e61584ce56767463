// A loop version's range checks (jit/hoist_checks.hpp), before the version and the loop:
//
//   r10 = bound; r11 = counter; sub r10, r11; jb loop      counter > bound: the checked loop
//   r11 = r10; shr r11, 32; jnz loop                        D >= 2^32: the checked loop
//   per range:
//     r10 = bound - counter (= D; recomputed: eBPF registers are all the stub keeps for us)
//     r10 = D * stride + size [| 1 << 63 for a write]; r11 = start
//     call range_stub (checks.cpp); jz loop                 refused: the checked loop
//   (falls through into the version)
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_range_checks(const LoopVersion& v) {
    const asmjit::Label& loop = labels_[v.head];
    const x86::Gpq d = kScratchA;
    const x86::Gpq t = kScratchB;
    auto trips = [&] { // t = bound - counter; counter and bound never use `d` (IdiomExpr::d)
        emit_idiom_expr(t, v.bound);
        emit_idiom_expr(d, v.counter);
        a_.sub(t, d);
    };
    trips();
    jump(x86::Inst::kIdJb, loop);
    a_.mov(d, t);
    a_.shr(d, 32);
    jump(x86::Inst::kIdJnz, loop);
    for (const HoistedRange& r : v.ranges) {
        trips();
        switch (r.stride) { // D < 2^32: the length stays below 2^34
        case 0: a_.mov(t, static_cast<int64_t>(r.size)); break;
        case 1: a_.lea(t, x86::qword_ptr(t, r.size)); break;
        default: a_.lea(t, x86::qword_ptr(t, t, 0, r.size)); break;
        }
        if (r.write) a_.bts(t, 63);
        emit_idiom_expr(d, r.start);
        a_.call(range_stub_);
        jump(x86::Inst::kIdJz, loop);
    }
}

} // namespace ebpfjit::jit::x86_64
