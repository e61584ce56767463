// Block operations (jit/idioms.hpp defines them), emitted before the loop head's label.
// A64 has no string instructions here (FEAT_MOPS is not assumed), so the copy and the
// fill are loops of 16-byte ldp/stp strides with a byte tail:
//
//   x16 = bound; x10 = counter; subs x16, x16, x10; b.lo loop   counter > bound: the loop
//   lsr x10, x16, #32; cbnz x10, loop; mov x10, x16              D >= 2^32: the loop
//   [budget: x17 = RunStatus*; x6 = left - D * charge (+ charge) (x16); b.lo loop; store x6]
//   x12 = dst, x11 = src (copy) / x14 = value * 0x0101..01 (fill), x13 = D + 1
//   copy: 16-byte strides only when dst - src >= 16 (unsigned): then no 16 bytes read
//         together include one an earlier stride has not yet written but the byte loop
//         would have (a read of byte k sees the write of iteration k - (dst - src), which
//         lies in an earlier stride); below 16 (close overlap, or dst == src) byte by byte
//   each final computed in x16 and pushed, then popped into place; b exit
//   loop:                                                        (the head's label)
//
// Temporaries, one role each in this sequence (register_map.hpp): x10 D, x11 source
// cursor, x12 destination cursor, x13 bytes left, x14/x15 data, x16 the value being
// computed, x17 RunStatus*, x6 the budget left, x9 (kImm) constants.
#include "engine_abi/run_status.hpp"
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"

namespace ebpfjit::jit::arm64 {

namespace {

using asmjit::arm::CondCode;

const a64::GpX kD = a64::x10;
const a64::GpX kSrc = a64::x11;
const a64::GpX kDst = a64::x12;
const a64::GpX kLeft = a64::x13;
const a64::GpX kData = a64::x14;
const a64::GpX kData2 = a64::x15;
const a64::GpX kValue = a64::x16;

} // namespace

void Emitter::emit_idiom_expr(const a64::GpX& out, const IdiomExpr& e) {
    const bool a = e.reg_a >= 0;
    const bool b = e.reg_b >= 0;
    if (a && b) a_.add(out, gpx(static_cast<uint8_t>(e.reg_a)), gpx(static_cast<uint8_t>(e.reg_b)));
    else if (a) a_.mov(out, gpx(static_cast<uint8_t>(e.reg_a)));
    else if (e.d) a_.mov(out, kD);
    else {
        load_constant(out, static_cast<uint64_t>(int64_t{e.constant}));
        return;
    }
    if (e.d && a) a_.add(out, out, kD);
    if (e.constant != 0 && !try_add_sub_imm(false, out, out, e.constant)) {
        load_constant(kImm, static_cast<uint64_t>(int64_t{e.constant}));
        a_.add(out, out, kImm);
    }
}

void Emitter::emit_block_op(const BlockOp& op) {
    if (op.kind == BlockOpKind::Compare) return emit_compare_op(op);
    const asmjit::Label& loop = labels_[op.head];
    emit_idiom_expr(kValue, op.bound);
    emit_idiom_expr(kD, op.counter);
    a_.subs(kValue, kValue, kD);
    branch(CondCode::kLO, loop);
    a_.lsr(kD, kValue, 32);
    cbz(true, kD, loop);
    a_.mov(kD, kValue);

    if (const uint32_t charge = lowered_.slots[op.back_edge].budget_charge; charge != 0) {
        a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.ldr(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
        load_constant(kImm, charge);
        a_.mul(kValue, kD, kImm);
        if (op.charged_every_trip) a_.add(kValue, kValue, kImm);
        a_.subs(kLimit, kLimit, kValue);
        branch(CondCode::kLO, loop);
        a_.str(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
    }

    emit_idiom_expr(kDst, op.dst);
    asmjit::Label strides = a_.newLabel();
    asmjit::Label bytes = a_.newLabel();
    asmjit::Label byte_loop = a_.newLabel();
    asmjit::Label done = a_.newLabel();
    if (op.kind == BlockOpKind::Copy) {
        emit_idiom_expr(kSrc, op.src);
        a_.add(kLeft, kD, 1);
        a_.sub(kData, kDst, kSrc);
        a_.cmp(kData, 16);
        branch(CondCode::kLO, bytes);
        bind(strides);
        a_.cmp(kLeft, 16);
        branch(CondCode::kLO, bytes);
        a_.ldp(kData, kData2, a64::ptr_post(kSrc, 16));
        a_.stp(kData, kData2, a64::ptr_post(kDst, 16));
        a_.sub(kLeft, kLeft, 16);
        branch(CondCode::kAL, strides);
        bind(bytes);
        cbz(false, kLeft, done);
        bind(byte_loop);
        a_.ldrb(kData.w(), a64::ptr_post(kSrc, 1));
        a_.strb(kData.w(), a64::ptr_post(kDst, 1));
        a_.subs(kLeft, kLeft, 1);
        branch(CondCode::kNE, byte_loop);
    } else {
        emit_idiom_expr(kData, op.value);
        a_.and_(kData, kData, 0xff);
        load_constant(kData2, 0x0101010101010101ull);
        a_.mul(kData, kData, kData2);
        a_.add(kLeft, kD, 1);
        bind(strides);
        a_.cmp(kLeft, 16);
        branch(CondCode::kLO, bytes);
        a_.stp(kData, kData, a64::ptr_post(kDst, 16));
        a_.sub(kLeft, kLeft, 16);
        branch(CondCode::kAL, strides);
        bind(bytes);
        cbz(false, kLeft, done);
        bind(byte_loop);
        a_.strb(kData.w(), a64::ptr_post(kDst, 1));
        a_.subs(kLeft, kLeft, 1);
        branch(CondCode::kNE, byte_loop);
    }
    bind(done);

    for (const IdiomFinal& f : op.finals) {
        if (f.value.last_byte) {
            emit_idiom_expr(kValue, op.dst);
            a_.ldrb(kValue.w(), a64::ptr(kValue, kD));
        } else {
            emit_idiom_expr(kValue, f.value);
        }
        a_.str(kValue, a64::ptr_pre(a64::sp, -16));
    }
    for (auto it = op.finals.rbegin(); it != op.finals.rend(); ++it) a_.ldr(gpx(it->reg), a64::ptr_post(a64::sp, 16));
    branch(CondCode::kAL, labels_[op.exit]);
}

} // namespace ebpfjit::jit::arm64
