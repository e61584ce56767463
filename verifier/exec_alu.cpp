// ALU, byte swaps and 64-bit immediates: scalar arithmetic via scalar.hpp, and the
// kernel's rules for arithmetic on pointers.
#include <fmt/format.h>

#include "engine_abi/kernel_ids.hpp"
#include "verifier/analyzer.hpp"

namespace ebpfjit::verifier {

using isa::AluOp;

namespace {

// Beyond this, an offset is "unbounded" (the kernel's BPF_MAX_VAR_OFF).
constexpr int64_t kMaxPointerOffset = int64_t(1) << 29;

std::string_view op_name(AluOp op) {
    switch (op) {
    case AluOp::Add: return "+=";
    case AluOp::Sub: return "-=";
    case AluOp::Mul: return "*=";
    case AluOp::Div: case AluOp::SDiv: return "/=";
    case AluOp::Mod: case AluOp::SMod: return "%=";
    case AluOp::Or: return "|=";
    case AluOp::And: return "&=";
    case AluOp::Xor: return "^=";
    case AluOp::Lsh: return "<<=";
    case AluOp::Rsh: return ">>=";
    case AluOp::Arsh: return "s>>=";
    case AluOp::Neg: return "neg";
    default: return "mov";
    }
}

bool arithmetic_allowed(RegType t) {
    switch (t) {
    case RegType::Ctx:
    case RegType::Stack:
    case RegType::MapValue:
    case RegType::MapKey:
    case RegType::Packet:
    case RegType::PacketMeta:
    case RegType::Mem: return true;
    default: return false;
    }
}

// Two pointers into one object, so that their difference is an offset within it: one
// packet (data, data_meta, data_end and the mem program's buffer and end), one stack
// frame, one ringbuf record, the ctx, or one map value (a single-entry array's, or one
// lookup's: same id).
bool same_region(const RegState& a, const RegState& b) {
    if (a.is_packet_like() && b.is_packet_like()) return true;
    if (a.type != b.type) return false;
    switch (a.type) {
    case RegType::Ctx: return true;
    case RegType::Stack: return a.frame == b.frame;
    case RegType::Mem: return a.id != 0 && a.id == b.id;
    case RegType::MapValue: {
        constexpr uint32_t kArrayMap = 2;
        if (!a.map || a.map != b.map) return false;
        return (a.map->type == kArrayMap && a.map->max_entries == 1) || (a.id != 0 && a.id == b.id);
    }
    default: return false;
    }
}

} // namespace

Status Analyzer::exec_alu(AbstractState& s, const isa::Alu& insn) {
    const uint8_t d = insn.dst.n;
    if (d == isa::kFramePointer) return violation(Reason::WriteToFramePointer, "r10 is read-only");
    RegState src;
    const auto* src_reg = std::get_if<isa::Reg>(&insn.src);
    // Two packet pointers one packet-changing helper call invalidated (stale_packet_pair):
    // their difference is an offset within the buffer they pointed into, not an address,
    // so it is a number (the kernel's privileged rules make both unknown numbers; without
    // them, nothing else may read either: a length computed from the old pointers after
    // bpf_xdp_adjust_head, as clang leaves it, still verifies).
    if (insn.op == AluOp::Sub && src_reg && stale_packet_pair(s.reg(d), s.reg(src_reg->n))) {
        s.reg(d) = RegState::unknown_scalar();
        return {};
    }
    if (src_reg) {
        if (auto st = read_reg(s, src_reg->n); !st) return st;
        src = s.reg(src_reg->n);
    } else {
        src = RegState::scalar(Scalar::constant(uint64_t(int64_t(std::get<isa::Imm>(insn.src).v))));
    }
    const bool is_mov = insn.op == AluOp::Mov || insn.op == AluOp::MovSx8 || insn.op == AluOp::MovSx16 ||
                        insn.op == AluOp::MovSx32;
    if (!is_mov)
        if (auto st = read_reg(s, d); !st) return st;

    if (insn.op == AluOp::Mov) {
        // A 32-bit copy of a pointer is just a number: its low half (kernel: "partial copy
        // of pointer", unprivileged).
        if (!insn.is64 && src.is_pointer() && !leaks_allowed())
            return violation(Reason::PointerArithmetic,
                             fmt::format("r{} partial copy of pointer (it would leak the address): {}", src_reg->n,
                                         describe(s, src_reg->n)));
        // A copy of the whole value: 64-bit, or 32-bit of a scalar with no upper half (the
        // kernel links `w9 = w1` of a u32-range scalar too, check_alu_op). A register copy
        // of a scalar shares an id, so that a bound later learnt about one copy holds for
        // the other (Calico's `sz = len - off` clamp: `if w1 s< 1` bounds w9 too).
        if (insn.is64 || (src_reg && src.is_scalar() && src.var.umax <= 0xffffffffULL)) {
            if (src_reg && src.is_scalar() && src_reg->n != d) {
                if (src.id == 0) src.id = fresh_id();
                s.reg(src_reg->n).id = src.id;
            }
            s.reg(d) = src;
            return {};
        }
        Scalar v = src.is_scalar() ? scalar_alu32(AluOp::Mov, Scalar::unknown(), src.var)
                                   : Scalar::unsigned_range(0, 0xffffffffULL);
        s.reg(d) = RegState::scalar(v);
        return {};
    }
    RegState& dst = s.reg(d);
    if (is_mov) { // sign-extending moves
        if (!src.is_scalar())
            return violation(Reason::PointerArithmetic,
                             fmt::format("sign-extending move of a pointer: {}", describe(s, src_reg->n)));
        dst = RegState::scalar(insn.is64 ? scalar_alu64(insn.op, Scalar::unknown(), src.var)
                                         : scalar_alu32(insn.op, Scalar::unknown(), src.var));
        return {};
    }
    if (dst.is_pointer() || (insn.op != AluOp::Neg && src.is_pointer())) {
        // 32-bit ptr - ptr within one region (`w1 -= w3` on two packet pointers) is the low
        // half of an offset: an unknown 32-bit scalar, as the kernel gives (it marks it
        // unknown; the upper half is zero after any 32-bit ALU). Privileged, the kernel also
        // lets 32-bit SUB turn any pointer operand into a scalar, the subtrahend too
        // (adjust_ptr_min_max_vals after the operands' swap): `w1 = w0; w1 -= w3` with w0
        // data_end and w3 a packet pointer, gtp-guard's `data_end - payload` from clang 14.
        if (!insn.is64 && insn.op == AluOp::Sub &&
            (leaks_allowed() || (dst.is_pointer() && src.is_pointer() && same_region(dst, src)))) {
            dst = RegState::scalar(Scalar::unsigned_range(0, 0xffffffffULL));
            return {};
        }
        if (!insn.is64)
            return violation(Reason::PointerArithmetic,
                             fmt::format("32-bit arithmetic on a pointer: {}", describe(s, dst.is_pointer() ? d : src_reg->n)));
        return exec_pointer_alu(s, insn, dst, src);
    }
    dst = RegState::scalar(insn.is64 ? scalar_alu64(insn.op, dst.var, src.var)
                                     : scalar_alu32(insn.op, dst.var, src.var));
    return {};
}

Status Analyzer::exec_pointer_alu(AbstractState& s, const isa::Alu& insn, RegState& dst, const RegState& src) {
    const uint8_t d = insn.dst.n;
    const auto* src_reg = std::get_if<isa::Reg>(&insn.src);
    if (insn.op != AluOp::Add && insn.op != AluOp::Sub)
        return violation(Reason::PointerArithmetic,
                         fmt::format("'{}' on a pointer is prohibited: {}", op_name(insn.op),
                                     dst.is_pointer() ? describe(s, d) : describe(s, src_reg->n)));
    if (dst.is_pointer() && src.is_pointer()) {
        if (insn.op == AluOp::Sub) { // the distance between two pointers is a number
            // The kernel allows it only privileged; we also allow it within one region
            // (data_end - data in real XDP/tc code): an offset, not an address.
            if (!leaks_allowed() && !same_region(dst, src))
                return violation(Reason::PointerArithmetic,
                                 fmt::format("r{} pointer -= pointer prohibited: the distance between {} and {} "
                                             "would leak an address: {}, {}",
                                             d, to_string(dst.type), to_string(src.type), describe(s, d),
                                             describe(s, src_reg->n)));
            dst = RegState::unknown_scalar();
            return {};
        }
        return violation(Reason::PointerArithmetic,
                         fmt::format("pointer + pointer is prohibited: {}, {}", describe(s, d), describe(s, src_reg->n)));
    }
    if (!dst.is_pointer() && insn.op == AluOp::Sub)
        return violation(Reason::PointerArithmetic,
                         fmt::format("scalar - pointer is prohibited: {}", describe(s, src_reg->n)));
    const RegState ptr = dst.is_pointer() ? dst : src;
    const RegState num = dst.is_pointer() ? src : dst;
    const uint8_t ptr_reg = dst.is_pointer() ? d : src_reg->n;
    // The new pointer's bounds are the scalar's: they must be exact in every checkpoint.
    if (!dst.is_pointer()) mark_precise(s, {d});
    else if (src_reg) mark_precise(s, {src_reg->n});
    if (!arithmetic_allowed(ptr.type)) {
        std::string why = ptr.may_be_null() ? " (check it against NULL first)" : "";
        return violation(Reason::PointerArithmetic, fmt::format("arithmetic on {} is prohibited{}: {}",
                                                                to_string(ptr.type), why, describe(s, ptr_reg)));
    }
    // mem programs: buffer + length is the end of the buffer.
    if (ptr.type == RegType::Packet && num.is_mem_length && insn.op == AluOp::Add && ptr.off == 0 && ptr.id == 0 &&
        ptr.var.is_const() && ptr.var.value() == 0) {
        dst = RegState::pointer(RegType::PacketEnd);
        return {};
    }
    RegState r = ptr;
    r.end_mark = EndMark::None; // proven for the old address only
    const Scalar& k = num.var;
    if (k.is_const()) {
        int64_t v = int64_t(k.value());
        if (v <= -kMaxPointerOffset || v >= kMaxPointerOffset)
            return violation(Reason::PointerArithmetic,
                             fmt::format("pointer offset {} is out of range: {}", v, describe(s, ptr_reg)));
        int64_t off = insn.op == AluOp::Add ? r.off + v : r.off - v;
        if (off <= -kMaxPointerOffset || off >= kMaxPointerOffset)
            return violation(Reason::PointerArithmetic,
                             fmt::format("pointer offset {} is out of range: {}", off, describe(s, ptr_reg)));
        r.off = int32_t(off);
    } else {
        if (ptr.type == RegType::Ctx)
            return violation(Reason::PointerArithmetic,
                             fmt::format("variable offset added to the ctx pointer: {}", describe(s, ptr_reg)));
        // A packet pointer's offset may be bounded only by the packet's length, up to
        // kMaxPacketLength: in the loop pass (`p + 1 <= end` at each trip of `p += 2 + l`;
        // `data + i` with `i < len`), and in the walk where a u32 is added (`data +
        // (u32)(data_end - data)`, compared with data_end: the kernel's
        // check_reg_sane_offset bounds only the minimum). Every access through it is still
        // proven from `offset + size <= len` (the zone) or the kernel's ranges, which need
        // offsets at most MAX_PACKET_OFF; these bounds only keep the verifier's 64-bit
        // arithmetic and the zone's model (values below 2^62) exact.
        const int64_t var_limit = ptr.type == RegType::Packet || ptr.type == RegType::PacketMeta
                                      ? kMaxPacketLength + kMaxPointerOffset
                                      : kMaxPointerOffset;
        if (k.smin <= -kMaxPointerOffset || k.smax >= var_limit)
            return violation(Reason::PointerArithmetic,
                             fmt::format("pointer arithmetic with an unbounded value: {} {} {}", describe(s, ptr_reg),
                                         op_name(insn.op), num.to_string()));
        r.var = scalar_alu64(insn.op, r.var, k);
        if (r.var.smin <= -kMaxPointerOffset || r.var.smax >= var_limit)
            return violation(Reason::PointerArithmetic,
                             fmt::format("variable pointer offset grows unbounded: {}", describe(s, ptr_reg)));
        if (r.type == RegType::Packet || r.type == RegType::PacketMeta) {
            r.id = fresh_id(); // a new variable part: no range proven for it yet
            r.range = 0;
        }
    }
    dst = r;
    return {};
}

Status Analyzer::exec_endian(AbstractState& s, const isa::Endian& insn) {
    const uint8_t d = insn.dst.n;
    if (d == isa::kFramePointer) return violation(Reason::WriteToFramePointer, "r10 is read-only");
    if (auto st = read_reg(s, d); !st) return st;
    RegState& r = s.reg(d);
    if (!r.is_scalar())
        return violation(Reason::PointerArithmetic, fmt::format("byte swap of a pointer: {}", describe(s, d)));
    r = RegState::scalar(scalar_endian(insn.op, insn.bits, r.var));
    return {};
}

Status Analyzer::exec_lddw(AbstractState& s, const isa::LoadImm64& insn) {
    const uint8_t d = insn.dst.n;
    if (d == isa::kFramePointer) return violation(Reason::WriteToFramePointer, "r10 is read-only");
    using K = isa::LddwKind;
    if (insn.kind == K::Imm64) {
        s.reg(d) = RegState::scalar(Scalar::constant(insn.value()));
        return {};
    }
    if (insn.kind == K::CodeAddr) { // the structural check proved it a subprogram start
        s.reg(d) = RegState::pointer(RegType::Func, int32_t(int64_t(s.pc) + 1 + insn.imm));
        return {};
    }
    if (insn.kind != K::MapFd && insn.kind != K::MapIdx && insn.kind != K::MapValue && insn.kind != K::MapIdxValue)
        return violation(Reason::Unsupported, "LDDW of BTF variable addresses is not supported");
    if (insn.imm < 0 || size_t(insn.imm) >= input_.maps.size())
        return violation(Reason::BadMapReference,
                         fmt::format("map index {} is not one of the program's {} maps", insn.imm, input_.maps.size()));
    const maps::MapDefinition* map = &input_.maps[size_t(insn.imm)];
    RegState r;
    r.map = map;
    if (insn.kind == K::MapFd || insn.kind == K::MapIdx) {
        r.type = RegType::MapPtr;
        r.var = Scalar::constant(0);
    } else {
        if (map->type != engine_abi::map_type::kArray || map->max_entries != 1)
            return violation(Reason::BadMapReference,
                             fmt::format("direct value access needs a single-entry array map, '{}' is not", map->name));
        if (insn.next_imm < 0 || uint32_t(insn.next_imm) >= map->value_size)
            return violation(Reason::BadMapReference,
                             fmt::format("offset {} is outside the {}-byte value of map '{}'", insn.next_imm,
                                         map->value_size, map->name));
        r.type = RegType::MapValue;
        r.off = insn.next_imm;
        r.var = Scalar::constant(0);
    }
    s.reg(d) = r;
    return {};
}

} // namespace ebpfjit::verifier
