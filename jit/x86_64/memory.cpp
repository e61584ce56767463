// Loads, stores, LDDW and the legacy packet loads.
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

x86::Mem Emitter::slot_mem(uint8_t base, int16_t off, uint32_t size) const {
    return x86::ptr(gpq(base), off, size);
}

// No bounds checks where memory safety is the verifier's proof (as in the kernel's JITs);
// an access it did not prove is checked first (checks.cpp).
void Emitter::emit_load(const isa::Load& insn) {
    const x86::Gpq dst = gpq(insn.dst.n);
    const auto size = static_cast<uint32_t>(insn.size);
    if (slot_->checked_access) emit_access_check(insn.base.n, insn.off, size, engine_abi::AccessKind::Load);
    const x86::Mem src = slot_mem(insn.base.n, insn.off, size);
    if (insn.sign_extend) {
        if (insn.size == isa::Size::W) a_.movsxd(dst, src);
        else if (insn.size == isa::Size::DW) a_.mov(dst, src);
        else a_.movsx(dst, src);
        return;
    }
    switch (insn.size) {
    case isa::Size::B:
    case isa::Size::H: a_.movzx(dst.r32(), src); break;
    case isa::Size::W: a_.mov(dst.r32(), src); break;
    case isa::Size::DW: a_.mov(dst, src); break;
    }
}

void Emitter::emit_store(const isa::Store& insn) {
    const auto size = static_cast<uint32_t>(insn.size);
    if (slot_->checked_access) emit_access_check(insn.base.n, insn.off, size, engine_abi::AccessKind::Store);
    const x86::Mem dst = slot_mem(insn.base.n, insn.off, size);
    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) {
        const x86::Gpq src = gpq(r->n);
        switch (insn.size) {
        case isa::Size::B: a_.mov(dst, src.r8()); break;
        case isa::Size::H: a_.mov(dst, src.r16()); break;
        case isa::Size::W: a_.mov(dst, src.r32()); break;
        case isa::Size::DW: a_.mov(dst, src); break;
        }
        return;
    }
    // ST DW stores the sign-extended imm32, as `mov qword [m], simm32` does.
    const auto imm = static_cast<int64_t>(slot_->constant);
    switch (insn.size) {
    case isa::Size::B: a_.mov(dst, static_cast<uint8_t>(imm)); break;
    case isa::Size::H: a_.mov(dst, static_cast<uint16_t>(imm)); break;
    case isa::Size::W: a_.mov(dst, static_cast<uint32_t>(imm)); break;
    case isa::Size::DW: a_.mov(dst, imm); break;
    }
}

void Emitter::emit_load_imm64(const isa::LoadImm64& insn) {
    const x86::Gpq dst = gpq(insn.dst.n);
    if (slot_->code_target >= 0) {
        a_.lea(dst, x86::ptr(thunks_[static_cast<size_t>(slot_->code_target)])); // callbacks.cpp
        return;
    }
    switch (slot_->constant_width) {
    case ConstWidth::Zero: a_.xor_(dst.r32(), dst.r32()); break;
    case ConstWidth::U32: a_.mov(dst.r32(), static_cast<uint32_t>(slot_->constant)); break;
    case ConstWidth::S32: a_.mov(dst, static_cast<int64_t>(slot_->constant)); break;
    case ConstWidth::Full: a_.movabs(dst, slot_->constant); break;
    }
}

// r0 = big-endian *(size *)(packet + off), off = (int32)(src + imm) (LD_IND) or imm
// (LD_ABS); out of range (off < 0 or off + size > len) returns 0 from the program.
//   scratch A = off (zero-extended after the sign test), scratch B = end / packet base.
void Emitter::emit_packet_load(const isa::PacketLoad& insn) {
    const auto width = static_cast<int32_t>(insn.size);
    if (insn.indirect) {
        a_.mov(kScratchA.r32(), gpd(insn.src.n));
        if (insn.imm != 0) a_.add(kScratchA.r32(), insn.imm);
    } else {
        a_.mov(kScratchA.r32(), static_cast<uint32_t>(insn.imm));
    }
    a_.test(kScratchA.r32(), kScratchA.r32());
    jump(x86::Inst::kIdJs, abort_);
    a_.lea(kScratchB, x86::ptr(kScratchA, width));
    a_.cmp(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoPacketLen));
    jump(x86::Inst::kIdJa, abort_);
    a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoPacket));
    const x86::Mem src = x86::ptr(kScratchB, kScratchA, 0, 0, static_cast<uint32_t>(width));
    switch (insn.size) {
    case isa::Size::B: a_.movzx(x86::eax, src); break;
    case isa::Size::H:
        a_.movzx(x86::eax, src);
        a_.rol(x86::ax, 8);
        break;
    case isa::Size::W:
        a_.mov(x86::eax, src);
        a_.bswap(x86::eax);
        break;
    case isa::Size::DW:
        a_.mov(x86::rax, src);
        a_.bswap(x86::rax);
        break;
    }
}

} // namespace ebpfjit::jit::x86_64
