// Loads, stores, LDDW and the legacy packet loads.
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"

namespace ebpfjit::jit::arm64 {

namespace {

using Id = asmjit::InstId;
using a64::Inst;

// Instruction per (kind, width): scaled unsigned imm12 form / unscaled imm9 form. The
// register-offset form shares the imm12 form's id.
struct AccessForm {
    Id scaled;
    Id unscaled;
    bool x_register; // the value is an X register (else W, which zero-extends)
};

AccessForm form(bool store, isa::Size size, bool sign_extend) {
    if (store) {
        switch (size) {
        case isa::Size::B: return {Inst::kIdStrb, Inst::kIdSturb, false};
        case isa::Size::H: return {Inst::kIdStrh, Inst::kIdSturh, false};
        case isa::Size::W: return {Inst::kIdStr, Inst::kIdStur, false};
        case isa::Size::DW: return {Inst::kIdStr, Inst::kIdStur, true};
        }
    }
    if (sign_extend) {
        switch (size) {
        case isa::Size::B: return {Inst::kIdLdrsb, Inst::kIdLdursb, true};
        case isa::Size::H: return {Inst::kIdLdrsh, Inst::kIdLdursh, true};
        case isa::Size::W: return {Inst::kIdLdrsw, Inst::kIdLdursw, true};
        case isa::Size::DW: return {Inst::kIdLdr, Inst::kIdLdur, true};
        }
    }
    switch (size) {
    case isa::Size::B: return {Inst::kIdLdrb, Inst::kIdLdurb, false};
    case isa::Size::H: return {Inst::kIdLdrh, Inst::kIdLdurh, false};
    case isa::Size::W: return {Inst::kIdLdr, Inst::kIdLdur, false};
    case isa::Size::DW: return {Inst::kIdLdr, Inst::kIdLdur, true};
    }
    return {Inst::kIdLdr, Inst::kIdLdur, true};
}

} // namespace

// [base, #off] as scaled imm12 (0 <= off < 4096 * size, a multiple of size), else
// unscaled imm9 (-256..255), else [base, kOffset] with the offset in kOffset, its own
// register: the value (often kImm) and the base stay intact.
void Emitter::access(bool store, isa::Size size, bool sign_extend, const a64::GpX& value,
                     const a64::GpX& base, int32_t off) {
    const AccessForm f = form(store, size, sign_extend);
    const a64::Gp reg = f.x_register ? a64::Gp(value) : a64::Gp(value.w());
    const auto bytes = static_cast<int32_t>(size);
    if (off >= 0 && off % bytes == 0 && off / bytes < 4096) {
        a_.emit(f.scaled, reg, a64::ptr(base, off));
    } else if (off >= -256 && off <= 255) {
        a_.emit(f.unscaled, reg, a64::ptr(base, off));
    } else {
        load_constant(kOffset, static_cast<uint64_t>(int64_t{off}));
        a_.emit(f.scaled, reg, a64::ptr(base, kOffset));
    }
}

// No bounds checks where memory safety is the verifier's proof (as in the kernel's JITs);
// an access it did not prove is checked first (checks.cpp).
void Emitter::emit_load(const isa::Load& insn) {
    if (slot_->checked_access)
        emit_access_check(gpx(insn.base.n), insn.off, static_cast<uint32_t>(insn.size), engine_abi::AccessKind::Load);
    access(false, insn.size, insn.sign_extend, gpx(insn.dst.n), gpx(insn.base.n), insn.off);
}

// ST stores the imm (sign-extended to 64 bits for DW) from kImm, or from xzr when 0.
void Emitter::emit_store(const isa::Store& insn) {
    if (slot_->checked_access)
        emit_access_check(gpx(insn.base.n), insn.off, static_cast<uint32_t>(insn.size), engine_abi::AccessKind::Store);
    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) {
        access(true, insn.size, false, gpx(r->n), gpx(insn.base.n), insn.off);
        return;
    }
    a64::GpX value = a64::xzr;
    if (slot_->constant != 0) {
        load_constant(kImm, slot_->constant, slot_->constant_width);
        value = kImm;
    }
    access(true, insn.size, false, value, gpx(insn.base.n), insn.off);
}

void Emitter::emit_load_imm64(const isa::LoadImm64& insn) {
    const a64::GpX dst = gpx(insn.dst.n);
    if (slot_->code_target >= 0) {
        // The callback's entry thunk (callbacks.cpp), which helpers call as a C function.
        const asmjit::Label& target = thunks_[static_cast<size_t>(slot_->code_target)];
        record(target, Reach::Imm19, "adr");
        a_.adr(dst, target);
        return;
    }
    load_constant(dst, slot_->constant, slot_->constant_width);
}

// r0 = big-endian *(size *)(packet + off), off = (int32)(src + imm) (LD_IND) or imm
// (LD_ABS); out of range (off < 0 or off + size > len) returns 0 from the program.
//   kIndex = off (zero-extended once known non-negative), kLimit = bytes left after off,
//   kTableBase = the packet data.
void Emitter::emit_packet_load(const isa::PacketLoad& insn) {
    const a64::GpW index = kIndex.w();
    if (!insn.indirect) {
        load_constant(kIndex, static_cast<uint32_t>(insn.imm), ConstWidth::U32);
    } else if (!try_add_sub_imm(false, index, gpw(insn.src.n), insn.imm)) {
        load_constant(kImm, static_cast<uint32_t>(insn.imm), ConstWidth::U32);
        a_.add(index, gpw(insn.src.n), kImm.w());
    }
    a_.cmp(index, 0);
    branch(asmjit::arm::CondCode::kLT, abort_);
    a_.ldr(kLimit, a64::ptr(kFrameInfo, engine_abi::kInfoPacketLen));
    a_.subs(kLimit, kLimit, kIndex);
    branch(asmjit::arm::CondCode::kLO, abort_); // off > len
    a_.cmp(kLimit, static_cast<uint32_t>(insn.size));
    branch(asmjit::arm::CondCode::kLO, abort_); // fewer than size bytes left
    a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoPacket));
    const a64::Mem src = a64::ptr(kTableBase, kIndex);
    const a64::GpX r0 = gpx(0);
    switch (insn.size) {
    case isa::Size::B: a_.ldrb(r0.w(), src); break;
    case isa::Size::H:
        a_.ldrh(r0.w(), src);
        a_.rev16(r0.w(), r0.w());
        break;
    case isa::Size::W:
        a_.ldr(r0.w(), src);
        a_.rev(r0.w(), r0.w());
        break;
    case isa::Size::DW:
        a_.ldr(r0, src);
        a_.rev(r0, r0);
        break;
    }
}

} // namespace ebpfjit::jit::arm64
