// Compare block operations (jit/idioms.hpp: find the iteration k the loop leaves its
// path in, add k to every induction, continue at the head), before the label of op.attach:
//
//   r10 = bound; r11 = counter; sub r10, r11; jb head        counter > bound: the loop decides
//   r11 = r10 >> 32; jnz head                                D >= 2^32: the loop decides
//   push rax, rcx, rdx                                       (eBPF r0, r4, r3: head values kept)
//   rcx = src, rdx = second (differ), r10 = T = D + 1, r11 = k = 0
//   [stop byte: xmm2 = the byte in all 16 lanes]
//   scan:  T - k < 16, or src + k or second + k within 15 bytes of a page's end: one byte
//          else 16 bytes of each: xmm0 = src, xmm1 = (second == src), with a stop byte
//          xmm0 = (src == stop), pandn: the lanes that stay; their mask inverted is the
//          lanes that leave; none: k += 16; some: k += index of the first -> found
//   byte:  k == T: k = D (the counter's test leaves); else byte k leaves (differ or stop)
//          -> found, or k += 1 and scan again
//   found: [budget: rax = k * charge_per_trip; not enough left: restore, run the loop]
//          pop rdx, rcx, rax; each induction += k; jmp head
//
// The 16-byte reads never cross a page and always hold byte k, which the loop reads in
// iteration k (the loads come before every exit): they cannot fault, and lanes past the
// first that leaves are ignored. r11 holds k throughout, r10 T (RunStatus* once charged).
#include "engine_abi/frame_info.hpp"
#include "engine_abi/run_status.hpp"
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_compare_op(const BlockOp& op) {
    const asmjit::Label& head = labels_[op.head];
    const x86::Gpq k = kScratchA;
    const x86::Gpq n = kScratchB;
    const x86::Gpq src = x86::rcx;
    const x86::Gpq second = x86::rdx;
    const x86::Gpq tmp = x86::rax;
    const bool stop = op.stop_byte >= 0;

    emit_idiom_expr(n, op.bound);
    emit_idiom_expr(k, op.counter);
    a_.sub(n, k);
    jump(x86::Inst::kIdJb, head);
    a_.mov(k, n);
    a_.shr(k, 32);
    jump(x86::Inst::kIdJnz, head);

    a_.push(x86::rax);
    a_.push(x86::rcx);
    a_.push(x86::rdx);
    // Only k is written while the addresses read eBPF registers: they see head values.
    emit_idiom_expr(k, op.src);
    if (op.differ) {
        a_.push(k);
        emit_idiom_expr(k, op.second);
        a_.mov(second, k);
        a_.pop(src);
    } else {
        a_.mov(src, k);
    }
    a_.add(n, 1);
    a_.xor_(k.r32(), k.r32());
    if (stop) {
        a_.mov(tmp.r32(), static_cast<uint32_t>(op.stop_byte) * 0x01010101u);
        a_.movd(x86::xmm2, tmp.r32());
        a_.pshufd(x86::xmm2, x86::xmm2, 0);
    }

    asmjit::Label scan = a_.newLabel();
    asmjit::Label byte = a_.newLabel();
    asmjit::Label last = a_.newLabel();
    asmjit::Label lanes = a_.newLabel();
    asmjit::Label found = a_.newLabel();
    asmjit::Label restore = a_.newLabel();

    // The second pass may grow this padding (up to 15 bytes) while code before it shrinks.
    // Every forward jump across it (`jb/jnz head` above, or a program jump to the head) also
    // crosses the loop below, whose own forward jumps (to byte, lanes, found, last) are short
    // in that pass and give back more than 15 bytes: no planned short jump outgrows rel8.
    a_.align(asmjit::AlignMode::kCode, 16);
    a_.bind(scan);
    a_.mov(tmp, n);
    a_.sub(tmp, k);
    a_.cmp(tmp, 16);
    jump(x86::Inst::kIdJb, byte);
    for (const x86::Gpq& base : {src, second}) {
        if (base == second && !op.differ) break;
        a_.lea(tmp.r32(), x86::dword_ptr(base, k));
        a_.and_(tmp.r32(), 4095);
        a_.cmp(tmp.r32(), 4096 - 16);
        jump(x86::Inst::kIdJa, byte);
    }
    a_.movdqu(x86::xmm0, x86::ptr(src, k));
    if (op.differ) {
        a_.movdqu(x86::xmm1, x86::ptr(second, k));
        a_.pcmpeqb(x86::xmm1, x86::xmm0); // lanes where the bytes are equal
        if (stop) {
            a_.pcmpeqb(x86::xmm0, x86::xmm2);
            a_.pandn(x86::xmm0, x86::xmm1); // equal and not the stop byte: the lanes that stay
            a_.pmovmskb(tmp.r32(), x86::xmm0);
        } else {
            a_.pmovmskb(tmp.r32(), x86::xmm1);
        }
        a_.xor_(tmp.r32(), 0xffff); // the lanes that leave
    } else {
        a_.pcmpeqb(x86::xmm0, x86::xmm2);
        a_.pmovmskb(tmp.r32(), x86::xmm0);
        a_.test(tmp.r32(), tmp.r32());
    }
    jump(x86::Inst::kIdJnz, lanes);
    a_.add(k, 16);
    jump(x86::Inst::kIdJmp, scan);

    a_.bind(lanes);
    a_.bsf(tmp.r32(), tmp.r32());
    a_.add(k, tmp);
    jump(x86::Inst::kIdJmp, found);

    a_.bind(byte);
    a_.cmp(k, n);
    jump(x86::Inst::kIdJae, last);
    a_.movzx(tmp.r32(), x86::byte_ptr(src, k));
    if (op.differ) {
        a_.cmp(tmp.r8(), x86::byte_ptr(second, k));
        jump(x86::Inst::kIdJne, found);
    }
    if (stop) {
        a_.cmp(tmp.r32(), static_cast<int32_t>(op.stop_byte)); // zero-extended: compare all 32 bits
        jump(x86::Inst::kIdJe, found);
    }
    a_.add(k, 1);
    jump(x86::Inst::kIdJmp, scan);

    a_.bind(last);
    a_.lea(k, x86::qword_ptr(n, -1));

    a_.bind(found);
    if (op.charge_per_trip != 0) {
        a_.imul(tmp, k, static_cast<int32_t>(op.charge_per_trip));
        a_.mov(n, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.cmp(x86::qword_ptr(n, engine_abi::kRunStatusBudgetOffset), tmp);
        jump(x86::Inst::kIdJb, restore); // the loop runs and faults where it would
        a_.sub(x86::qword_ptr(n, engine_abi::kRunStatusBudgetOffset), tmp);
    }
    a_.pop(x86::rdx);
    a_.pop(x86::rcx);
    a_.pop(x86::rax);
    for (uint8_t r : op.inductions) a_.add(gpq(r), k);
    jump(x86::Inst::kIdJmp, head);

    if (op.charge_per_trip != 0) {
        a_.bind(restore);
        a_.pop(x86::rdx);
        a_.pop(x86::rcx);
        a_.pop(x86::rax);
        jump(x86::Inst::kIdJmp, head);
    }
}

} // namespace ebpfjit::jit::x86_64
