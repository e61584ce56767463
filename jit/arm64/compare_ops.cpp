// Compare block operations (jit/idioms.hpp: find the iteration k the loop leaves its
// path in, add k to every induction, continue at the head), before the label of op.attach.
// Eight bytes a step in general registers (the zero-byte test of "bit twiddling hacks"):
//
//   x16 = bound; x10 = counter; subs x16, x16, x10; b.lo head   counter > bound: the loop
//   lsr x10, x16, #32; cbnz x10, head                            D >= 2^32: the loop
//   x11 = src, x12 = second (differ), x13 = T = D + 1, x10 = k = 0
//   [stop byte: x17 = the byte in all 8 lanes, x9 = 0x01.., x6 = 0x80..]
//   scan:  T - k < 8, or src + k or second + k within 7 bytes of a page's end: one byte
//          else x14 = 8 bytes of src, x15 = (those of second) ^ x14 (differ), with a stop
//          byte x5 = ((v - 0x01..) & ~v & 0x80..) for v = x14 ^ x17, whose lowest set bit
//          is exact (borrows only run upwards from a zero byte); none set: k += 8;
//          else k += (index of the lowest set bit) / 8 -> found
//   byte:  k == T: k = D (the counter's test leaves); else byte k leaves -> found, or
//          k += 1 and scan again
//   found: [budget: x6 = left - k * charge_per_trip; borrow: run the loop; store x6]
//          each induction += k; b head
//
// The 8-byte reads never cross a page and always hold byte k, which the loop reads in
// iteration k (the loads come before every exit): they cannot fault, and bytes past the
// first that leaves are ignored. No eBPF register is written before `found`.
#include "engine_abi/run_status.hpp"
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"

namespace ebpfjit::jit::arm64 {

namespace {

using asmjit::arm::CondCode;

const a64::GpX kK = a64::x10;
const a64::GpX kSrc = a64::x11;
const a64::GpX kSecond = a64::x12;
const a64::GpX kTrips = a64::x13;
const a64::GpX kWord = a64::x14;
const a64::GpX kDiff = a64::x15;
const a64::GpX kTmp = a64::x16;
const a64::GpX kStopLanes = a64::x17;
const a64::GpX kOnes = a64::x9;
const a64::GpX kHighs = a64::x6;
const a64::GpX kZeroLanes = a64::x5;

} // namespace

void Emitter::emit_compare_op(const BlockOp& op) {
    const asmjit::Label& head = labels_[op.head];
    const bool stop = op.stop_byte >= 0;

    emit_idiom_expr(kTmp, op.bound);
    emit_idiom_expr(kK, op.counter);
    a_.subs(kTmp, kTmp, kK);
    branch(CondCode::kLO, head);
    a_.lsr(kK, kTmp, 32);
    cbz(true, kK, head);
    a_.add(kTrips, kTmp, 1);
    emit_idiom_expr(kSrc, op.src);
    if (op.differ) emit_idiom_expr(kSecond, op.second);
    a_.mov(kK, a64::xzr);
    if (stop) {
        load_constant(kStopLanes, static_cast<uint64_t>(op.stop_byte) * 0x0101010101010101ull);
        load_constant(kOnes, 0x0101010101010101ull);
        load_constant(kHighs, 0x8080808080808080ull);
    }

    asmjit::Label scan = a_.newLabel();
    asmjit::Label byte = a_.newLabel();
    asmjit::Label last = a_.newLabel();
    asmjit::Label found = a_.newLabel();

    bind(scan);
    a_.sub(kTmp, kTrips, kK);
    a_.cmp(kTmp, 8);
    branch(CondCode::kLO, byte);
    for (const a64::GpX& base : {kSrc, kSecond}) {
        if (base == kSecond && !op.differ) break;
        a_.add(kTmp, base, kK);
        a_.and_(kTmp, kTmp, 4095);
        a_.cmp(kTmp, 4096 - 8);
        branch(CondCode::kHI, byte);
    }
    a_.ldr(kWord, a64::ptr(kSrc, kK));
    if (op.differ) {
        a_.ldr(kDiff, a64::ptr(kSecond, kK));
        a_.eor(kDiff, kDiff, kWord);
    }
    if (stop) {
        a_.eor(kTmp, kWord, kStopLanes);
        a_.sub(kZeroLanes, kTmp, kOnes);
        a_.bic(kZeroLanes, kZeroLanes, kTmp);
        a_.and_(kZeroLanes, kZeroLanes, kHighs);
        if (op.differ) a_.orr(kZeroLanes, kZeroLanes, kDiff);
    }
    const a64::GpX& leave = stop ? kZeroLanes : kDiff;
    asmjit::Label lanes = a_.newLabel();
    cbz(true, leave, lanes);
    a_.add(kK, kK, 8);
    branch(CondCode::kAL, scan);

    bind(lanes);
    a_.rbit(kTmp, leave);
    a_.clz(kTmp, kTmp);
    a_.add(kK, kK, kTmp, a64::lsr(3));
    branch(CondCode::kAL, found);

    bind(byte);
    a_.cmp(kK, kTrips);
    branch(CondCode::kHS, last);
    a_.ldrb(kWord.w(), a64::ptr(kSrc, kK));
    if (op.differ) {
        a_.ldrb(kDiff.w(), a64::ptr(kSecond, kK));
        a_.cmp(kWord.w(), kDiff.w());
        branch(CondCode::kNE, found);
    }
    if (stop) {
        a_.cmp(kWord.w(), static_cast<uint32_t>(op.stop_byte));
        branch(CondCode::kEQ, found);
    }
    a_.add(kK, kK, 1);
    branch(CondCode::kAL, scan);

    bind(last);
    a_.sub(kK, kTrips, 1);

    bind(found);
    if (op.charge_per_trip != 0) {
        a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.ldr(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
        load_constant(kImm, op.charge_per_trip);
        a_.mul(kTmp, kK, kImm);
        a_.subs(kLimit, kLimit, kTmp);
        branch(CondCode::kLO, head); // the loop runs and faults where it would
        a_.str(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
    }
    for (uint8_t r : op.inductions) a_.add(gpx(r), gpx(r), kK);
    branch(CondCode::kAL, head);
}

} // namespace ebpfjit::jit::arm64
