// Loads, stores, atomics and LD_ABS/LD_IND: every access is checked against the region
// its base register points into (stack frame, ctx field, packet range, map value, mem).
#include <fmt/format.h>

#include "engine_abi/cgroup_sock_layout.hpp"
#include "engine_abi/kernel_ids.hpp"
#include "verifier/analyzer.hpp"
#include "verifier/sock_access.hpp"

namespace ebpfjit::verifier {

namespace {

constexpr int64_t kMaxVarOffset = int64_t(1) << 29;
constexpr int64_t kSpinLockSize = 4; // struct bpf_spin_lock
constexpr int64_t kTimerSize = 16;   // struct bpf_timer

// The value of a `size`-byte zero-extending load of unknown data.
Scalar loaded_bytes(uint32_t size) {
    if (size >= 8) return Scalar::unknown();
    return Scalar::unsigned_range(0, (uint64_t(1) << (8 * size)) - 1);
}

// Memory outside the stack that a pointer must not be stored into ("" for the stack and
// for what is no memory at all: check_access reports those).
std::string_view leak_target(RegType t) {
    switch (t) {
    case RegType::MapValue: return "map value";
    case RegType::Packet: return "packet";
    case RegType::PacketMeta: return "packet metadata";
    case RegType::Ctx: return "ctx";
    case RegType::Mem: return "mem";
    default: return "";
    }
}

// The bits `size` (1..8) bytes hold, and whether every value of `v` fits in them.
uint64_t low_bytes_mask(uint32_t size) { return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * size)) - 1; }
bool fits_in(const Scalar& v, uint32_t size) { return size >= 8 || (v.umax <= low_bytes_mask(size) && v.smin >= 0); }

bool writes_zero(const RegState* value, uint32_t size) {
    if (!value || !value->is_scalar() || !value->var.is_const()) return false;
    return (value->var.value() & low_bytes_mask(size)) == 0;
}

// The scalar `size` (< 8) bytes of `r` hold: `r` itself when its value fits (ids and the
// loop pass's symbol still name it), else its low bytes, a value of its own (the kernel's
// coerce_reg_to_size, and it drops the id of a narrowing spill or fill).
RegState fill_value(const RegState& r, uint32_t size) {
    const uint64_t mask = low_bytes_mask(size);
    if (fits_in(r.var, size)) return r;
    RegState out = RegState::scalar(r.var.is_const() ? Scalar::constant(r.var.value() & mask)
                                    : size == 4       ? r.var.zext32()
                                                      : loaded_bytes(size));
    out.precise = r.precise;
    return out;
}

} // namespace

Status Analyzer::check_region_bounds(const RegState& ptr, uint8_t base, int32_t off, uint32_t size, int64_t limit,
                                     Reason reason, std::string_view what) {
    const Scalar& v = ptr.var;
    if (v.smin <= -kMaxVarOffset || v.smax >= kMaxVarOffset)
        return violation(reason, fmt::format("{} access with an unbounded offset: r{} = {}", what, base, ptr.to_string()));
    int64_t lo = int64_t(ptr.off) + v.smin + off;
    int64_t hi = int64_t(ptr.off) + v.smax + off + size;
    if (lo < 0 || hi > limit)
        return violation(reason, fmt::format("{} access out of bounds: r{} = {} accesses bytes [{}, {}) of {}", what,
                                             base, ptr.to_string(), lo, hi, limit));
    return {};
}

// The kernel's check_atomic -> check_mem_access(..., strict_alignment_once = true) ->
// check_generic_ptr_alignment: an atomic's address must be a multiple of its size on
// every path (the interpreter refuses a misaligned one, ARM64 raises SIGBUS). Every region
// an atomic may use starts 8-aligned at run time (the stack frame, map values at an 8-byte
// stride, helper memory), so the offset within the region decides: ptr.off + insn.off +
// var_off must have its low log2(size) bits known zero.
Status Analyzer::check_atomic_alignment(const AbstractState& s, uint8_t base, int32_t off, uint32_t size) {
    const RegState& ptr = s.cur().regs[base];
    std::string_view desc;
    switch (ptr.type) {
    case RegType::Stack: desc = "stack "; break;
    case RegType::MapValue: desc = "value "; break;
    case RegType::Mem: desc = "mem "; break;
    default: return {}; // not a region an atomic may use: check_access names the reason
    }
    const Tnum at = ptr.var.bits.add(Tnum::constant(uint64_t(int64_t(ptr.off) + off)));
    const uint64_t low = uint64_t(size) - 1;
    if ((at.value & low) != 0 || (at.mask & low) != 0)
        return violation(Reason::MisalignedAccess,
                         fmt::format("misaligned {}access off {}+{}+{} size {}: atomics need an address that is a "
                                     "multiple of their size ({})",
                                     desc, ptr.var.bits.to_string(), ptr.off, off, size, describe(s, base)));
    return {};
}

// The kernel's check_map_access_type: BPF_F_RDONLY_PROG maps are never written by a program
// (.rodata: bpf_snprintf and bpf_strncmp trust its strings as verified), BPF_F_WRONLY_PROG
// maps never read, whether directly, through a helper's memory argument or in a callback.
Status Analyzer::check_map_access_type(const RegState& ptr, int32_t off, uint32_t size, Access access) {
    if (!ptr.map) return {};
    const maps::MapDefinition& m = *ptr.map;
    const int64_t at = int64_t(ptr.off) + ptr.var.smin + off;
    if (access == Access::Write && (m.flags & engine_abi::map_flag::kRdonlyProg))
        return violation(Reason::ReadOnlyMemory,
                         fmt::format("write into map forbidden, value_size={} off={} size={}: map '{}' is read-only "
                                     "for programs (BPF_F_RDONLY_PROG)",
                                     m.value_size, at, size, m.name));
    // HelperRead is a read too (a helper's memory argument): the leak rules' split of it
    // must not open write-only maps to helpers.
    if ((access == Access::Read || access == Access::HelperRead) && (m.flags & engine_abi::map_flag::kWronlyProg))
        return violation(Reason::WriteOnlyMemory,
                         fmt::format("read from map forbidden, value_size={} off={} size={}: map '{}' is write-only "
                                     "for programs (BPF_F_WRONLY_PROG)",
                                     m.value_size, at, size, m.name));
    return {};
}

// The kernel's bpf_map_direct_read: a load at a constant offset of a frozen read-only map
// value (.rodata) is the constant the value holds. Sound because nothing writes such a
// value after verification: programs are refused (check_map_access_type) and the host's
// MapRef::update gets -EPERM, as bpf(2) gives for a frozen map.
std::optional<Scalar> Analyzer::read_frozen_value(AbstractState& s, const RegState& ptr, uint8_t base, int32_t off,
                                                  uint32_t size) {
    if (!ptr.map || !(ptr.map->flags & engine_abi::map_flag::kRdonlyProg) || !ptr.map->frozen_value) return {};
    if (!ptr.var.is_const() || size > 8) return {};
    const std::vector<uint8_t>& bytes = *ptr.map->frozen_value;
    const int64_t at = int64_t(ptr.off) + int64_t(ptr.var.value()) + off;
    if (at < 0 || uint64_t(at) + size > bytes.size()) return {};
    uint64_t v = 0;
    for (uint32_t i = 0; i < size; ++i) v |= uint64_t(bytes[size_t(at) + i]) << (8 * i); // BPF is little-endian here
    mark_precise(s, {base});
    return Scalar::constant(v);
}

Status Analyzer::check_access(AbstractState& s, uint8_t base, int32_t off, uint32_t size, Access access,
                              const RegState* value, RegState* loaded) {
    const RegState ptr = s.reg(base);
    const bool write = access == Access::Write;
    switch (ptr.type) {
    case RegType::NotInit: return violation(Reason::UninitializedRegister, fmt::format("r{} is not initialized", base));
    case RegType::Scalar:
        if (ptr.is_null_const())
            return violation(Reason::NullPointerDereference, fmt::format("r{} is NULL on this path", base));
        return violation(Reason::InvalidMemoryAccess,
                         fmt::format("r{} is a scalar, not a pointer: {}", base, describe(s, base)));
    case RegType::MapValueOrNull:
    case RegType::MapPtrOrNull:
    case RegType::MemOrNull:
    case RegType::SocketOrNull:
    case RegType::SockCommonOrNull:
        return violation(Reason::NullPointerDereference,
                         fmt::format("r{} may be NULL, compare it with 0 first: {}", base, describe(s, base)));
    case RegType::Socket:
    case RegType::SockCommon: { // struct bpf_sock fields, read-only (verifier/sock_access.hpp)
        // No arithmetic reaches a socket (exec_alu refuses it), so its offset is ptr.off.
        if (!ptr.var.is_const())
            return violation(Reason::InvalidMemoryAccess,
                             fmt::format("socket access with a variable offset: {}", describe(s, base)));
        const int64_t at = int64_t(ptr.off) + int64_t(ptr.var.value()) + off;
        const std::string err = sock_access_error(base, at, size, write, ptr.type == RegType::SockCommon);
        if (!err.empty())
            return violation(write ? Reason::ReadOnlyMemory : Reason::InvalidMemoryAccess,
                             fmt::format("{}: {}", err, describe(s, base)));
        if (loaded) *loaded = RegState::scalar(loaded_bytes(size));
        return {};
    }
    case RegType::MapPtr:
    case RegType::PacketEnd:
    case RegType::Func:
        return violation(Reason::InvalidMemoryAccess,
                         fmt::format("{} cannot be dereferenced: {}", to_string(ptr.type), describe(s, base)));
    case RegType::Stack: return check_stack_access(s, ptr, base, off, size, access, value, loaded);
    case RegType::Ctx: return check_ctx_access(ptr, base, off, size, access, value, loaded);
    case RegType::Packet:
    case RegType::PacketMeta: {
        if (write && value && value->is_pointer() && !leaks_allowed())
            return violation(Reason::PointerStore,
                             fmt::format("pointer stored into packet memory: {}", value->to_string()));
        std::string_view what = ptr.type == RegType::Packet ? "packet" : "packet metadata";
        if (ptr.var.smin < 0)
            return violation(Reason::PacketOutOfBounds, fmt::format("{} access with a possibly negative offset: {}",
                                                                    what, describe(s, base)));
        int64_t lo = int64_t(ptr.off) + off;
        int64_t hi = lo + size;
        if (lo < 0)
            return violation(Reason::PacketOutOfBounds,
                             fmt::format("{} access before its start: {} at offset {}", what, describe(s, base), lo));
        // Loop pass: offset + size <= len from the zone's relations (i < len ...).
        if (s.zone && ptr.type == RegType::Packet) thresholds_->note_len_gap(-hi);
        const bool related = zone_proves_packet_access(s, ptr, off, size);
        if (!related && ptr.var.umax > uint64_t(max_packet_offset()))
            return violation(Reason::PacketOutOfBounds,
                             fmt::format("{} access with an unbounded offset: {}", what, describe(s, base)));
        if (!related && hi > int64_t(ptr.range))
            return violation(Reason::PacketOutOfBounds,
                             fmt::format("{} access out of bounds: {} needs {} bytes", what, describe(s, base), hi));
        if (loaded) *loaded = RegState::scalar(loaded_bytes(size));
        return {};
    }
    case RegType::MapValue: {
        if (auto st = check_map_access_type(ptr, off, size, access); !st) return st;
        if (auto st = check_region_bounds(ptr, base, off, size, ptr.map ? ptr.map->value_size : 0,
                                          Reason::MapValueOutOfBounds, "map value");
            !st)
            return st;
        if (ptr.map && ptr.map->spin_lock_offset >= 0) { // only the lock helpers may touch it
            const int64_t lo = int64_t(ptr.off) + off + ptr.var.smin, hi = int64_t(ptr.off) + off + ptr.var.smax + size;
            const int64_t lock = ptr.map->spin_lock_offset;
            if (lo < lock + kSpinLockSize && lock < hi)
                return violation(Reason::InvalidMemoryAccess,
                                 fmt::format("the bpf_spin_lock at offset {} of map '{}' cannot be accessed directly",
                                             lock, ptr.map->name));
        }
        if (ptr.map && ptr.map->timer_offset >= 0) { // only the timer helpers may touch it
            const int64_t lo = int64_t(ptr.off) + off + ptr.var.smin, hi = int64_t(ptr.off) + off + ptr.var.smax + size;
            const int64_t timer = ptr.map->timer_offset;
            if (lo < timer + kTimerSize && timer < hi)
                return violation(Reason::InvalidMemoryAccess, "bpf_timer cannot be accessed directly by load/store");
        }
        if (loaded) *loaded = RegState::scalar(read_frozen_value(s, ptr, base, off, size).value_or(loaded_bytes(size)));
        return {};
    }
    case RegType::MapKey: {
        if (write) return violation(Reason::ReadOnlyMemory, fmt::format("the map key in r{} is read-only", base));
        if (auto st = check_region_bounds(ptr, base, off, size, ptr.map ? ptr.map->key_size : 0,
                                          Reason::MapValueOutOfBounds, "map key");
            !st)
            return st;
        if (loaded) *loaded = RegState::scalar(loaded_bytes(size));
        return {};
    }
    case RegType::Mem: {
        if (auto st = check_region_bounds(ptr, base, off, size, ptr.mem_size, Reason::MemoryOutOfBounds, "memory"); !st)
            return st;
        if (loaded) *loaded = RegState::scalar(loaded_bytes(size));
        return {};
    }
    }
    return violation(Reason::InvalidMemoryAccess, "unknown pointer type");
}

Status Analyzer::check_stack_access(AbstractState& s, const RegState& ptr, uint8_t base, int32_t off, uint32_t size,
                                    Access access, const RegState* value, RegState* loaded) {
    const bool write = access == Access::Write;
    const uint8_t frame = ptr.frame;
    StackState& stack = s.frames[frame].stack;
    const Scalar& v = ptr.var;
    if (v.smin <= -kMaxVarOffset || v.smax >= kMaxVarOffset)
        return violation(Reason::StackOutOfBounds, fmt::format("stack access with an unbounded offset: {}", describe(s, base)));
    const int64_t lo = int64_t(ptr.off) + off + v.smin;
    const int64_t hi = int64_t(ptr.off) + off + v.smax + size;
    if (lo < -int64_t(isa::kStackSize) || hi > 0)
        return violation(Reason::StackOutOfBounds, fmt::format("stack access out of bounds: {} accesses [fp{}, fp{}) of "
                                                               "[fp-{}, fp0)",
                                                               describe(s, base), lo, hi, isa::kStackSize));
    note_stack_depth(s, frame, lo);
    const int32_t o = int32_t(lo);
    if (v.is_const()) { // for precision backtracking: which slots this access used
        entry_.stack_frame = frame;
        entry_.slot_lo = uint8_t((-(o + int32_t(size) - 1) - 1) / 8);
        entry_.slot_hi = uint8_t((-o - 1) / 8);
        entry_.whole_slot = size == 8 && o % 8 == 0;
        entry_.stack_off = int16_t(o);
    }

    if (!v.is_const()) { // variable offset: every byte the access may touch
        if (write) {
            if (value && value->is_pointer())
                return violation(Reason::InvalidSpillAccess,
                                 fmt::format("pointer spilled at a variable stack offset: {}", describe(s, base)));
            // The write may miss any one byte, which then keeps what it held: a spilled
            // pointer's bytes, or whatever the frame held before (unless allow_uninit_stack
            // keeps such bytes uninitialised, so that a read of them is zeroed),
            // would read back as data. The kernel's unprivileged rule.
            if (!leaks_allowed())
                for (int32_t b = o; b < int32_t(hi); ++b) {
                    const ByteKind k = stack.byte(b);
                    if (k == ByteKind::Spill && !stack.find_slot(b)->spilled.is_scalar())
                        return violation(Reason::InvalidSpillAccess,
                                         fmt::format("spilled pointer at fp{} in range of a variable-offset stack "
                                                     "write: {}",
                                                     b, describe(s, base)));
                    if (k == ByteKind::Invalid && !input_.allow_uninit_stack)
                        return violation(Reason::UninitializedStackRead,
                                         fmt::format("uninitialized stack at fp{} in range of a variable-offset "
                                                     "write (it may stay uninitialized and be read): {}",
                                                     b, describe(s, base)));
                }
            if (input_.allow_uninit_stack) maybe_write_stack(stack, o, int32_t(hi)); // uninit_stack.cpp
            else stack.write_bytes(o, uint32_t(hi - lo), ByteKind::Misc);
            return {};
        }
        for (int32_t b = o; b < int32_t(hi); ++b) {
            ByteKind k = stack.byte(b);
            if (k == ByteKind::Invalid) {
                if (!input_.allow_uninit_stack)
                    return violation(Reason::UninitializedStackRead,
                                     fmt::format("variable-offset read of uninitialized stack at fp{}: {}", b,
                                                 describe(s, base)));
                note_uninit_read(s, frame, b); // uninit_stack.cpp: zeroed at frame entry
            }
            if (k == ByteKind::Spill && !stack.find_slot(b)->spilled.is_scalar()) {
                if (access == Access::HelperRead && leaks_allowed()) continue; // bytes to the helper
                if (access == Access::HelperRead) return helper_reads_spilled_pointer(s, base, b);
                return violation(Reason::InvalidSpillAccess,
                                 fmt::format("variable-offset read of a spilled pointer at fp{}", b));
            }
        }
        if (loaded) *loaded = RegState::scalar(loaded_bytes(size));
        return {};
    }

    if (write) {
        if (value && value->is_pointer()) {
            if (value->type == RegType::Stack && value->frame > frame)
                return violation(Reason::PointerStore,
                                 fmt::format("pointer to a callee's stack stored in its caller's frame: {}",
                                             value->to_string()));
            if (value->type == RegType::MapKey && value->frame > frame)
                return violation(Reason::PointerStore,
                                 fmt::format("a callback's map key pointer stored in its caller's frame: the key "
                                             "dies when the callback returns: {}",
                                             value->to_string()));
            if (size != 8 || o % 8 != 0)
                return violation(Reason::InvalidSpillAccess,
                                 fmt::format("pointer spill must be an aligned 8-byte store, not {} bytes at fp{}", size, o));
            stack.spill(o, *value);
        } else if (value && size == 8 && o % 8 == 0) {
            stack.spill(o, *value); // scalars keep their bounds through the stack too
        } else {
            // A partial overwrite leaves the rest of a spilled pointer's bytes as data (a
            // helper's write covering whole slots replaces them all).
            if (!leaks_allowed())
                for (int32_t b = o; b < o + int32_t(size); ++b)
                    if (stack.byte(b) == ByteKind::Spill && !stack.find_slot(b)->spilled.is_scalar() &&
                        ((b & ~7) < o || (b & ~7) + 8 > o + int32_t(size)))
                        return violation(Reason::InvalidSpillAccess,
                                         fmt::format("attempt to corrupt the spilled pointer at fp{}: {} bytes "
                                                     "written at fp{}: {}",
                                                     b & ~7, size, o, stack.find_slot(b)->spilled.to_string()));
            const ByteKind kind = writes_zero(value, size) ? ByteKind::Zero : ByteKind::Misc;
            if (value && value->is_scalar() && size < 8 && o % 8 == 0) { // kernel: a narrow spill
                stack.spill_narrow(o, size, fill_value(*value, size), kind);
                entry_.narrow_spill = true;
            }
            else
                stack.write_bytes(o, size, kind);
        }
        return {};
    }

    const StackSlot* slot = stack.find_slot(o);
    // A fill of at most the spilled size at the slot's start reads the spilled scalar's
    // low bytes (kernel: check_stack_read_fixed_off, bpf_stack_narrow_access_ok).
    if (loaded && access == Access::Read && size < 8 && o % 8 == 0 && slot &&
        ((slot->is_spill() && slot->spilled.is_scalar()) || slot->narrow >= size)) {
        *loaded = fill_value(slot->spilled, size);
        entry_.narrow_fill = !slot->is_spill(); // (an 8-byte spill's precision: the slot's, as before)
        return {};
    }
    if (size == 8 && o % 8 == 0 && slot && slot->is_spill()) {
        if (access == Access::HelperRead && !slot->spilled.is_scalar() && !leaks_allowed())
            return helper_reads_spilled_pointer(s, base, o);
        if (loaded) *loaded = slot->spilled;
        return {};
    }
    bool all_zero = true;
    for (int32_t b = o; b < o + int32_t(size); ++b) {
        ByteKind k = stack.byte(b);
        if (k == ByteKind::Invalid) {
            if (!input_.allow_uninit_stack)
                return violation(Reason::UninitializedStackRead,
                                 fmt::format("read of uninitialized stack at fp{} ({} bytes from fp{})", b, size, o));
            note_uninit_read(s, frame, b); // uninit_stack.cpp: zeroed at frame entry, read as unknown
            all_zero = false;
        } else if (k == ByteKind::Spill) {
            const RegState& sp = stack.find_slot(b)->spilled;
            if (!sp.is_scalar() && access == Access::HelperRead) {
                if (!leaks_allowed()) return helper_reads_spilled_pointer(s, base, b);
            } else if (!sp.is_scalar()) {
                return violation(Reason::InvalidSpillAccess,
                                 fmt::format("partial read of a spilled pointer at fp{}: {}", b, sp.to_string()));
            }
            if (!sp.is_null_const()) all_zero = false;
        } else if (k != ByteKind::Zero) {
            all_zero = false;
        }
    }
    if (loaded) *loaded = RegState::scalar(all_zero ? Scalar::constant(0) : loaded_bytes(size));
    // Only a read of known zeros depends on what the bytes are (the kernel restores no
    // register state from data either: its precision walk stops at such a load).
    entry_.data_fill = !all_zero;
    return {};
}

Status Analyzer::helper_reads_spilled_pointer(const AbstractState& s, uint8_t regno, int32_t off) const {
    const int32_t slot_off = off & ~7;
    const FrameState& f = s.frames[s.frames.back().regs[regno].frame];
    const StackSlot* slot = f.stack.find_slot(slot_off);
    return violation(Reason::HelperArgument,
                     fmt::format("r{} leaks addr into helper function: the memory it passes holds the pointer "
                                 "spilled at fp{}: {}",
                                 regno, slot_off, slot ? slot->spilled.to_string() : "?"));
}

Status Analyzer::check_ctx_access(const RegState& ptr, uint8_t base, int32_t off, uint32_t size, Access access,
                                  const RegState* value, RegState* loaded) {
    if (!ctx_layout_) return violation(Reason::ContextAccess, "this program type has no ctx");
    // As the kernel's check_ptr_off_reg: only the ctx pointer itself may be dereferenced
    // (convert_ctx_access, here the runtime's rewrite, knows the field from insn.off alone).
    if (ptr.off < 0)
        return violation(Reason::ContextAccess, fmt::format("negative offset ctx ptr R{} off={} disallowed", base, ptr.off));
    if (ptr.off != 0)
        return violation(Reason::ContextAccess,
                         fmt::format("dereference of modified ctx ptr R{} off={} disallowed", base, ptr.off));
    if (!ptr.var.is_const() || ptr.var.value() != 0)
        return violation(Reason::ContextAccess,
                         fmt::format("variable ctx access var_off={} disallowed: r{} = {}", ptr.var.to_string(), base,
                                     ptr.to_string()));
    const int64_t o = off;
    const engine_abi::CtxField* field = ctx_layout_->field_at(o, size);
    if (!field) {
        // A field the attach type may not touch (cgroup socket programs) says which.
        if (const engine_abi::CtxField* other = ctx_layout_->any_field_at(o, size);
            other && ctx_layout_->attach != AttachType::None && (other->readable & mask_of(ctx_layout_->type)))
            return violation(Reason::ContextAccess,
                             fmt::format("invalid bpf_context access off={} size={}: ctx field {} of {} is not "
                                         "accessible in cgroup/{} programs",
                                         o, size, other->name, ctx_layout_->name, to_string(ctx_layout_->attach)));
        return violation(Reason::ContextAccess, fmt::format("no {} field at offset {} size {}", ctx_layout_->name, o, size));
    }
    if (ctx_layout_->size_rule != engine_abi::CtxSizeRule::Skb)
        return check_cgroup_ctx_access(*field, o, size, access, value, loaded);
    if (access == Access::Write) {
        if (value && value->is_pointer())
            return violation(Reason::PointerStore,
                             fmt::format("pointer stored into ctx field {}: {}", field->name, value->to_string()));
        if (!ctx_layout_->writable(*field))
            return violation(Reason::ContextAccess, fmt::format("ctx field {} is read-only", field->name));
        if (!field->write_size_ok(size))
            return violation(Reason::ContextAccess,
                             fmt::format("ctx field {} must be written as u{}", field->name, 8 * field->width));
        return {};
    }
    if (field->kind == engine_abi::CtxFieldKind::SkbSocket) { // no reference: the skb holds it for the run
        if (o != field->offset || size != 8)
            return violation(Reason::ContextAccess,
                             fmt::format("invalid bpf_context access off={} size={}: ctx field {} must be read as a "
                                         "whole u64",
                                         o, size, field->name));
        if (loaded) *loaded = RegState::pointer(RegType::SockCommonOrNull), loaded->id = fresh_id();
        return {};
    }
    if (field->kind != engine_abi::CtxFieldKind::Scalar) {
        if (o != field->offset || size != 4)
            return violation(Reason::ContextAccess,
                             fmt::format("ctx field {} must be read as a whole u32", field->name));
        RegType t = field->kind == engine_abi::CtxFieldKind::PacketData  ? RegType::Packet
                    : field->kind == engine_abi::CtxFieldKind::PacketEnd ? RegType::PacketEnd
                                                             : RegType::PacketMeta;
        if (loaded) *loaded = RegState::pointer(t);
        return {};
    }
    if (!field->read_size_ok(size))
        return violation(Reason::ContextAccess,
                         fmt::format("ctx field {} is a u{}, read {} bytes", field->name, 8 * field->width, size));
    if (loaded) *loaded = RegState::scalar(loaded_bytes(size));
    return {};
}

// bpf_sock_addr (CGROUP_SOCK_ADDR) and bpf_sock (CGROUP_SOCK): per-attach-type fields
// (field_at already refused the ones this attach type may not touch), their own size
// rules (engine_abi/cgroup_sock_layout.hpp), and `sk`, which loads a socket pointer.
Status Analyzer::check_cgroup_ctx_access(const engine_abi::CtxField& field, int64_t off, uint32_t size, Access access,
                                         const RegState* value, RegState* loaded) {
    const bool write = access == Access::Write;
    if (write) {
        if (value && value->is_pointer())
            return violation(Reason::PointerStore,
                             fmt::format("pointer stored into ctx field {}: {}", field.name, value->to_string()));
        if (!ctx_layout_->writable(field))
            return violation(Reason::ContextAccess,
                             fmt::format("invalid bpf_context access off={} size={}: ctx field {} is read-only{}", off,
                                         size, field.name,
                                         ctx_layout_->attach == AttachType::None
                                             ? std::string()
                                             : fmt::format(" in cgroup/{} programs", to_string(ctx_layout_->attach))));
    }
    const std::string err = ctx_layout_->size_rule == engine_abi::CtxSizeRule::SockAddr
                                ? engine_abi::sock_addr_size_error(field, off, size, write)
                                : engine_abi::cgroup_sock_size_error(field, off, size, write);
    if (!err.empty()) return violation(Reason::ContextAccess, err);
    if (loaded)
        *loaded = field.kind == engine_abi::CtxFieldKind::Socket ? RegState::pointer(RegType::Socket)
                                                     : RegState::scalar(loaded_bytes(size));
    return {};
}

Status Analyzer::exec_load(AbstractState& s, const isa::Load& insn) {
    if (insn.dst.n == isa::kFramePointer) return violation(Reason::WriteToFramePointer, "r10 is read-only");
    if (auto st = read_reg(s, insn.base.n); !st) return st;
    const uint32_t size = uint32_t(insn.size);
    RegState loaded;
    if (auto st = check_access(s, insn.base.n, insn.off, size, Access::Read, nullptr, &loaded); !st) return st;
    if (auto st = record_ctx_access(s, insn.base.n, insn.off, size); !st) return st;
    if (insn.sign_extend) {
        if (!loaded.is_scalar())
            return violation(Reason::ContextAccess, "a packet pointer field cannot be loaded sign-extended");
        // A new value: no id or symbol of a spilled scalar it was filled from names it.
        loaded = RegState::scalar(scalar_sign_extend(loaded.var, uint8_t(size)));
    }
    if ((size == 8 || size == 4) && !insn.sign_extend && loaded.is_scalar() && loaded.id == 0 && !loaded.var.is_const())
        link_fill(s, insn.base.n, size, loaded);
    s.reg(insn.dst.n) = loaded;
    return {};
}

// A fill of an unknown spilled scalar, whole (8 bytes of an 8-byte spill) or a u32 from
// a 4-byte narrow spill: the register and the slot share an id from now on (the kernel's
// assign_scalar_id_before_mov on fill, check_stack_read_fixed_off), so a branch on the
// register bounds the slot too (a bit mask kept on the stack and tested once per
// iteration of a parser's loop: once known zero, the test no longer forks; a length
// spilled as u32 and reloaded each round of a checksum loop: Calico's ICMPv6 replies).
void Analyzer::link_fill(AbstractState& s, uint8_t base, uint32_t size, RegState& loaded) {
    if (s.reg(base).type != RegType::Stack || entry_.stack_frame >= s.frames.size()) return;
    StackState& stack = s.frames[entry_.stack_frame].stack;
    const StackSlot* slot = stack.find_slot(entry_.stack_off);
    if (!slot || !slot->spilled.is_scalar()) return;
    const bool whole = size == 8 && entry_.whole_slot && slot->is_spill();
    const bool narrow = size == 4 && entry_.narrow_fill && entry_.stack_off % 8 == 0 && slot->narrow == 4 &&
                        slot->spilled.var.umax <= UINT32_MAX; // the fill is the spilled value itself
    if (!whole && !narrow) return;
    loaded.id = stack.slot_for(entry_.stack_off).spilled.id = fresh_id();
}

Status Analyzer::exec_store(AbstractState& s, const isa::Store& insn) {
    if (auto st = read_reg(s, insn.base.n); !st) return st;
    RegState value;
    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) {
        if (auto st = read_reg(s, r->n); !st) return st;
        // A spill of an unknown scalar that fits the store shares an id with its register
        // (the kernel's assign_scalar_id_before_mov): a bound a branch learns about the
        // register, or about a later fill, holds for the slot too. A narrow store of a
        // value that fits keeps the register (its bounds too: the kernel's narrow spill);
        // one that does not keeps the low bytes, unlinked.
        RegState& src = s.reg(r->n);
        const bool fits = fits_in(src.var, uint32_t(insn.size));
        if (fits && src.is_scalar() && src.id == 0 && !src.var.is_const() && s.reg(insn.base.n).type == RegType::Stack)
            src.id = fresh_id();
        value = src;
        if (!value.is_pointer() && !fits)
            value = RegState::scalar(
                scalar_alu64(isa::AluOp::And, value.var, Scalar::constant(low_bytes_mask(uint32_t(insn.size)))));
    } else {
        value = RegState::scalar(Scalar::constant(uint64_t(int64_t(std::get<isa::Imm>(insn.src).v))));
    }
    if (value.is_pointer() && insn.size != isa::Size::DW && s.reg(insn.base.n).type == RegType::Stack)
        return violation(Reason::InvalidSpillAccess, "partial store of a pointer to the stack");
    // Only the program's own stack may hold a pointer: anywhere else its value is data that
    // the program, the embedder or the next run reads back (the kernel's check_mem_access).
    if (value.is_pointer() && !leaks_allowed())
        if (std::string_view where = leak_target(s.reg(insn.base.n).type); !where.empty())
            return violation(Reason::PointerStore,
                             fmt::format("r{} leaks addr into {}: {}", std::get<isa::Reg>(insn.src).n, where,
                                         describe(s, std::get<isa::Reg>(insn.src).n)));
    if (auto st = check_access(s, insn.base.n, insn.off, uint32_t(insn.size), Access::Write, &value, nullptr); !st)
        return st;
    return record_ctx_access(s, insn.base.n, insn.off, uint32_t(insn.size));
}

Status Analyzer::exec_atomic(AbstractState& s, const isa::Atomic& insn) {
    if (auto st = read_reg(s, insn.base.n); !st) return st;
    if (auto st = read_reg(s, insn.src.n); !st) return st;
    if ((insn.fetch || insn.op == isa::AtomicOp::Xchg) && insn.op != isa::AtomicOp::CmpXchg && insn.src.n == isa::kFramePointer)
        return violation(Reason::WriteToFramePointer, "r10 is read-only (an atomic fetch would overwrite it)");
    if (!s.reg(insn.src.n).is_scalar() && !leaks_allowed())
        return violation(Reason::PointerStore, fmt::format("r{} leaks addr into mem (an atomic operand): {}",
                                                           insn.src.n, describe(s, insn.src.n)));
    if (insn.op == isa::AtomicOp::CmpXchg) {
        if (auto st = read_reg(s, 0); !st) return st;
        if (!s.reg(0).is_scalar() && !leaks_allowed())
            return violation(Reason::PointerStore,
                             fmt::format("r0 leaks addr into mem (the cmpxchg comparand): {}", describe(s, 0)));
    }
    RegType t = s.reg(insn.base.n).type;
    if (t != RegType::Stack && t != RegType::MapValue && t != RegType::Mem && t != RegType::Scalar &&
        t != RegType::MapValueOrNull && t != RegType::MemOrNull)
        return violation(Reason::InvalidMemoryAccess,
                         fmt::format("atomic operation on {} memory is not allowed", to_string(t)));
    const uint32_t size = insn.is64 ? 8 : 4;
    if (auto st = check_atomic_alignment(s, insn.base.n, insn.off, size); !st) return st;
    RegState old;
    if (auto st = check_access(s, insn.base.n, insn.off, size, Access::Read, nullptr, &old); !st) return st;
    // An atomic on a spilled pointer's slot computes with the address as a number and
    // leaves a number: the kernel's "leaking pointer from stack". So does one on the slot of
    // a pointer invalidated while spilled (a released reference, a packet pointer after a
    // packet-changing helper: uninitialised, but its bytes still hold the address).
    if ((old.is_pointer() || old.type == RegType::NotInit) && !leaks_allowed())
        return violation(Reason::InvalidSpillAccess,
                         fmt::format("leaking pointer from stack off {}: atomic operation on the spilled {}",
                                     int64_t(s.reg(insn.base.n).off) + insn.off, old.to_string()));
    // On the stack the result is plain data, no spilled register (the kernel's write with
    // value_regno < 0: STACK_MISC), so it is no narrow spill either.
    RegState unknown = RegState::scalar(loaded_bytes(size));
    const RegState* written = s.reg(insn.base.n).type == RegType::Stack ? nullptr : &unknown;
    if (auto st = check_access(s, insn.base.n, insn.off, size, Access::Write, written, nullptr); !st) return st;
    if (auto st = record_ctx_access(s, insn.base.n, insn.off, size); !st) return st;
    if (insn.fetch || insn.op == isa::AtomicOp::Xchg || insn.op == isa::AtomicOp::CmpXchg) { // always fetch
        // The old value is what the slot held: the spilled pointer itself (opt-in only).
        RegState fetched = old.is_pointer() ? old : RegState::scalar(loaded_bytes(size));
        if (insn.op == isa::AtomicOp::CmpXchg) s.reg(0) = fetched;
        else s.reg(insn.src.n) = fetched;
    }
    return {};
}

Status Analyzer::exec_packet_load(AbstractState& s, const isa::PacketLoad& insn) {
    if (input_.type != ProgramType::SocketFilter && input_.type != ProgramType::SchedCls)
        return violation(Reason::Unsupported, "LD_ABS / LD_IND are only allowed in socket filter and tc programs");
    if (insn.size == isa::Size::DW) return violation(Reason::Unsupported, "LD_ABS / LD_IND of 8 bytes does not exist");
    if (s.lock)
        return violation(Reason::SpinLock, fmt::format("LD_ABS / LD_IND while holding the bpf_spin_lock taken at insn {}",
                                                       s.lock->acquired_at));
    if (s.reg(6).type != RegType::Ctx)
        return violation(Reason::ContextAccess, fmt::format("LD_ABS / LD_IND need r6 = ctx: {}", describe(s, 6)));
    if (insn.indirect) {
        if (auto st = read_reg(s, insn.src.n); !st) return st;
        if (!s.reg(insn.src.n).is_scalar())
            return violation(Reason::PointerArithmetic, fmt::format("LD_IND offset is a pointer: {}", describe(s, insn.src.n)));
    }
    // Like a helper call: the caller-saved registers are clobbered.
    for (uint8_t r = 1; r <= 5; ++r) s.reg(r) = RegState{};
    s.reg(0) = RegState::scalar(loaded_bytes(uint32_t(insn.size)));
    return {};
}

} // namespace ebpfjit::verifier
