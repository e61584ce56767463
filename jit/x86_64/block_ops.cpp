// Block operations (jit/idioms.hpp defines them), emitted before the loop head's label:
//
//   r10 = bound; r11 = counter; sub r10, r11; jb loop     counter > bound: the loop decides
//   test r10 >> 32; jnz loop                                D >= 2^32: the loop decides
//   r11 = D
//   [budget: r10 = D * charge (+ charge); rcx = RunStatus* (pushed); if left < r10: loop; left -= r10]
//   push rdi, rsi (copy) or rax (fill), rcx
//   rdi = dst, rsi = src (copy) or al = value (fill), rcx = D + 1
//   rep movsb / rep stosb                                   DF is clear (SysV): forward,
//   pop them                                                architecturally byte by byte,
//   push each final (r10 computes it), pop them into place  so overlap reads what the loop
//   jmp exit                                                would have written
//   loop:                                                   (the head's label, bound by drive)
//
// r11 holds D from its computation to the last final, r10 one value at a time; eBPF
// registers are read only before any is written (the pushes keep their head values).
#include "engine_abi/run_status.hpp"
#include "engine_abi/frame_info.hpp"
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_idiom_expr(const x86::Gpq& out, const IdiomExpr& e) {
    const bool a = e.reg_a >= 0;
    const bool b = e.reg_b >= 0;
    if (a && b) {
        a_.lea(out, x86::qword_ptr(gpq(static_cast<uint8_t>(e.reg_a)), gpq(static_cast<uint8_t>(e.reg_b)), 0,
                                   e.constant));
        if (e.d) a_.add(out, kScratchA);
    } else if (a) {
        if (e.d) a_.lea(out, x86::qword_ptr(gpq(static_cast<uint8_t>(e.reg_a)), kScratchA, 0, e.constant));
        else a_.lea(out, x86::qword_ptr(gpq(static_cast<uint8_t>(e.reg_a)), e.constant));
    } else if (e.d) {
        a_.lea(out, x86::qword_ptr(kScratchA, e.constant));
    } else {
        a_.mov(out, static_cast<int64_t>(e.constant));
    }
}

void Emitter::emit_block_op(const BlockOp& op) {
    if (op.kind == BlockOpKind::Compare) return emit_compare_op(op);
    const asmjit::Label& loop = labels_[op.head];
    const x86::Gpq d = kScratchA;
    const x86::Gpq t = kScratchB;
    emit_idiom_expr(t, op.bound);
    emit_idiom_expr(d, op.counter);
    a_.sub(t, d);
    jump(x86::Inst::kIdJb, loop);
    a_.mov(d, t);
    a_.shr(d, 32);
    jump(x86::Inst::kIdJnz, loop);
    a_.mov(d, t);

    const uint32_t charge = lowered_.slots[op.back_edge].budget_charge;
    if (charge != 0) {
        asmjit::Label enough = a_.newLabel();
        a_.imul(t, d, static_cast<int32_t>(charge));
        if (op.charged_every_trip) a_.add(t, static_cast<int32_t>(charge));
        a_.push(x86::rcx);
        a_.mov(x86::rcx, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.cmp(x86::qword_ptr(x86::rcx, engine_abi::kRunStatusBudgetOffset), t);
        jump(x86::Inst::kIdJae, enough);
        a_.pop(x86::rcx);
        jump(x86::Inst::kIdJmp, loop);
        a_.bind(enough);
        a_.sub(x86::qword_ptr(x86::rcx, engine_abi::kRunStatusBudgetOffset), t);
        a_.pop(x86::rcx);
    }

    if (op.kind == BlockOpKind::Copy) {
        a_.push(x86::rdi);
        a_.push(x86::rsi);
        a_.push(x86::rcx);
        emit_idiom_expr(t, op.dst);
        emit_idiom_expr(x86::rsi, op.src); // reads head values: only t is written so far
        a_.mov(x86::rdi, t);
        a_.lea(x86::rcx, x86::qword_ptr(d, 1));
        a_.rep().movsb();
        a_.pop(x86::rcx);
        a_.pop(x86::rsi);
        a_.pop(x86::rdi);
    } else {
        a_.push(x86::rax);
        a_.push(x86::rdi);
        a_.push(x86::rcx);
        emit_idiom_expr(t, op.dst);
        emit_idiom_expr(x86::rax, op.value); // reads head values: only t is written so far
        a_.mov(x86::rdi, t);
        a_.lea(x86::rcx, x86::qword_ptr(d, 1));
        a_.rep().stosb();
        a_.pop(x86::rcx);
        a_.pop(x86::rdi);
        a_.pop(x86::rax);
    }

    for (const IdiomFinal& f : op.finals) {
        if (f.value.last_byte) {
            emit_idiom_expr(t, op.dst);
            a_.movzx(t.r32(), x86::byte_ptr(t, d));
        } else {
            emit_idiom_expr(t, f.value);
        }
        a_.push(t);
    }
    for (auto it = op.finals.rbegin(); it != op.finals.rend(); ++it) a_.pop(gpq(it->reg));
    jump(x86::Inst::kIdJmp, labels_[op.exit]);
}

} // namespace ebpfjit::jit::x86_64
