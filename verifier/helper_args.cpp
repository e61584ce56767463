// Helper-call arguments, checked against the helper's prototype (the kernel's
// check_func_arg, one ArgType at a time): registers, maps and their keys and values,
// memory with its size, locks, timers, references to release, constant strings and the
// formats that would read an address; then the rules of bpf_trace_printk and bpf_tail_call.
#include <algorithm>

#include <fmt/format.h>

#include "engine_abi/kernel_ids.hpp"
#include "verifier/analyzer.hpp"
#include "verifier/const_map_key.hpp"

namespace ebpfjit::verifier {

using helpers::ArgType;

namespace {

// Maps whose lookups at a key below max_entries always find a value (every element
// exists) and whose run-time map has the max_entries the verifier sees: the program's own
// ARRAY and PERCPU_ARRAY maps. Not an inner map's template (BPF_F_INNER_MAP lets the
// inner maps differ in size), not a map-in-map's result (its r.map is the template).
bool array_lookup_never_null_type(const maps::MapDefinition& map) {
    constexpr uint32_t kInnerMapFlag = 1u << 12; // BPF_F_INNER_MAP
    return (map.type == engine_abi::map_type::kArray || map.type == engine_abi::map_type::kPercpuArray) &&
           !(map.flags & kInnerMapFlag);
}

// The kernel's check_map_func_compatibility, both ways, read from the table: the helper's
// prototype names the map types it takes, and a reserved type (prog array, perf event
// array, ringbuf) is named only by its own helpers.
std::string map_helper_mismatch(const maps::MapDefinition& m, const helpers::Helper& h) {
    if (h.proto.map_types & helpers::map_type_bit(m.type)) return {};
    if (helpers::kReservedMapTypes & helpers::map_type_bit(m.type))
        return fmt::format("cannot pass map_type {} into func {}#{}: map '{}' is only usable with its own helpers",
                           m.type, h.name, h.id, m.name);
    return fmt::format("cannot pass map_type {} into func {}#{}: map '{}' is not a map type it takes", m.type,
                       h.name, h.id, m.name);
}

// The kernel's record_func_map (writes into a BPF_F_RDONLY_PROG map); and, as the
// direct-access rule does, no copying values out of a BPF_F_WRONLY_PROG map.
std::string map_access_forbidden(const maps::MapDefinition& m, const helpers::Helper& h, Reason& reason) {
    if ((h.proto.map_access & helpers::kMapWrites) && (m.flags & engine_abi::map_flag::kRdonlyProg)) {
        reason = Reason::ReadOnlyMemory;
        return fmt::format("write into map forbidden: {} changes map '{}', which is read-only for programs "
                           "(BPF_F_RDONLY_PROG)",
                           h.name, m.name);
    }
    if ((h.proto.map_access & helpers::kMapReads) && (m.flags & engine_abi::map_flag::kWronlyProg)) {
        reason = Reason::WriteOnlyMemory;
        return fmt::format("read from map forbidden: {} reads map '{}', which is write-only for programs "
                           "(BPF_F_WRONLY_PROG)",
                           h.name, m.name);
    }
    return {};
}

bool is_size_arg(ArgType t) { return t == ArgType::ConstSize || t == ArgType::ConstSizeOrZero; }

// A memory argument, followed by its size (checked with it).
bool is_mem_arg(ArgType t) {
    return t == ArgType::PtrToMem || t == ArgType::PtrToMemOrNull || t == ArgType::PtrToUninitMem;
}

} // namespace

// The kernel's check_func_arg, for each argument of the prototype in order.
std::expected<Analyzer::HelperArgs, Violation> Analyzer::check_helper_args(AbstractState& s, const helpers::Helper& h) {
    const auto& args = h.proto.args;
    HelperArgs out;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == ArgType::None) continue;
        if (auto st = check_arg_register(s, h, i); !st) return std::unexpected(st.error());
        if (auto st = check_helper_arg(s, h, i, out); !st) return std::unexpected(st.error());
        if (is_mem_arg(args[i])) ++i; // the size argument is checked
    }
    return out;
}

Status Analyzer::check_arg_register(const AbstractState& s, const helpers::Helper& h, size_t i) const {
    const uint8_t regno = uint8_t(i + 1);
    const RegState& r = s.cur().regs[regno];
    if (r.is_released())
        return violation(Reason::ReferenceRelease,
                         fmt::format("r{} (argument {} of {}) held the reference acquired at insn {}, which was "
                                     "released at insn {}{}",
                                     regno, regno, h.name, r.off, r.released_at - 1,
                                     h.proto.refs.release_arg == int8_t(i) ? ": double release" : ""));
    if (r.type == RegType::NotInit)
        return violation(Reason::UninitializedRegister,
                         fmt::format("r{} (argument {} of {}) is not initialized{}", regno, regno, h.name,
                                     r.invalidated_at ? fmt::format(": it held a packet pointer, invalidated "
                                                                    "by the helper call at insn {}",
                                                                    r.invalidated_at - 1)
                                                      : std::string()));
    return {};
}

Status Analyzer::wrong_arg(const AbstractState& s, const helpers::Helper& h, uint8_t regno,
                           std::string_view wanted) const {
    return violation(Reason::HelperArgument,
                     fmt::format("argument {} of {} must be {}: {}", regno, h.name, wanted, describe(s, regno)));
}

Status Analyzer::check_helper_arg(AbstractState& s, const helpers::Helper& h, size_t i, HelperArgs& out) {
    const ArgType arg = h.proto.args[i];
    const uint8_t regno = uint8_t(i + 1);
    const RegState r = s.reg(regno);
    auto bad = [&](std::string_view wanted) { return wrong_arg(s, h, regno, wanted); };
    switch (arg) {
    case ArgType::None: break;
    case ArgType::Anything: // the helper takes the value as a number
        // (bpf_tail_call's index has its own rule below: a scalar even when privileged)
        if (r.is_pointer() && !leaks_allowed() && !h.proto.tail_call)
            return violation(Reason::HelperArgument,
                             fmt::format("r{} leaks addr into helper function {}: {}", regno, h.name,
                                         describe(s, regno)));
        break;
    case ArgType::Scalar:
    case ArgType::ConstSize:
    case ArgType::ConstSizeOrZero:
        if (!r.is_scalar()) return bad("a scalar");
        break;
    case ArgType::ConstMapPtr: return check_map_arg(s, h, regno, out);
    case ArgType::PtrToMapKey:
    case ArgType::PtrToMapValue:
    case ArgType::PtrToUninitMapValue: return check_map_buffer_arg(s, h, i, out);
    case ArgType::PtrToMem:
    case ArgType::PtrToMemOrNull:
    case ArgType::PtrToUninitMem: return check_mem_arg(s, h, i);
    case ArgType::PtrToCtx:
        if (r.type != RegType::Ctx || r.off != 0 || !r.var.is_const() || r.var.value() != 0)
            return bad("the ctx pointer");
        break;
    case ArgType::PtrToSpinLock: return check_spin_lock_arg(s, h, regno, out);
    case ArgType::PtrToTimer: return check_timer_arg(s, h, regno, out);
    case ArgType::PtrToStackOrNull:
        mark_precise(s, {regno});
        if (!(r.is_null_const() || r.type == RegType::Stack)) return bad("a stack pointer or NULL");
        break;
    case ArgType::PtrToLong:
        if (auto st = check_helper_memory(s, regno, 8, Access::Write); !st) return st;
        break;
    case ArgType::PtrToInt: // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE: read, then written
        if (auto st = check_helper_memory(s, regno, 4, Access::Read); !st) return st;
        if (auto st = check_helper_memory(s, regno, 4, Access::Write); !st) return st;
        break;
    case ArgType::PtrToAllocMem:
        if (r.type != RegType::Mem || r.off != 0 || !r.var.is_const() || r.var.value() != 0)
            return bad("an unmodified record from bpf_ringbuf_reserve");
        if (h.proto.refs.releases != helpers::RefKind::None && h.proto.refs.release_arg == int8_t(i)) {
            if (auto st = check_release(s, h, regno); !st) return st;
            out.released_ids.push_back(r.id);
        }
        break;
    case ArgType::PtrToSockCommon:
        // The kernel's check_reg_type message for ARG_PTR_TO_BTF_ID_SOCK_COMMON, then ours.
        if (!r.is_socket())
            return violation(Reason::HelperArgument,
                             fmt::format("R{} type={} expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, "
                                         "trusted_ptr_: argument {} of {} must be a socket{}: {}",
                                         regno, to_string(r.type), regno, h.name,
                                         r.may_be_null() ? " checked against NULL" : "", describe(s, regno)));
        if (h.proto.casts_socket && s.find_ref(r.id))
            return violation(Reason::Unsupported,
                             fmt::format("{} of a socket holding the reference acquired at insn {} is not supported "
                                         "by ebpfjit (only skb->sk): {}",
                                         h.name, s.find_ref(r.id)->acquired_at, describe(s, regno)));
        if (h.proto.refs.releases != helpers::RefKind::None && h.proto.refs.release_arg == int8_t(i)) {
            if (auto st = check_release(s, h, regno); !st) return st;
            out.released_ids.push_back(r.id);
        }
        break;
    case ArgType::ConstAllocSizeOrZero:
        mark_precise(s, {regno});
        if (!r.is_scalar() || !r.var.is_const()) return bad("a constant size");
        out.alloc_size = r.var.value();
        break;
    case ArgType::PtrToConstStr:
        if (auto st = check_const_str(s, regno, h.name); !st) return st;
        if (h.proto.format_reads_addresses && !leaks_allowed())
            if (auto st = check_format_reads_no_address(s, regno, h); !st) return st;
        break;
    case ArgType::PtrToFunc:
        if (r.type != RegType::Func) return bad("a callback (LDDW of a subprogram's address)");
        if (h.proto.callback.func_arg != int8_t(i))
            return violation(Reason::Unsupported, fmt::format("callbacks of {} are not supported", h.name));
        out.callback = r.off;
        break;
    }
    return {};
}

Status Analyzer::check_map_arg(AbstractState& s, const helpers::Helper& h, uint8_t regno, HelperArgs& out) {
    const RegState r = s.reg(regno);
    if (r.type != RegType::MapPtr) return wrong_arg(s, h, regno, "a map (LDDW map reference)");
    // bpf_timer_init: the map must be the timer's (the kernel compares map and
    // map_uid; inner maps with timers are refused at creation, map_factory.cpp).
    if (out.timer_map && r.map != out.timer_map)
        return violation(Reason::HelperArgument,
                         fmt::format("timer pointer in R{} (map '{}') doesn't match map pointer in R{} (map "
                                     "'{}')",
                                     out.timer_regno, out.timer_map->name, regno, r.map->name));
    out.map = r.map;
    if (std::string why = map_helper_mismatch(*out.map, h); !why.empty())
        return violation(h.proto.tail_call ? Reason::TailCall : Reason::HelperArgument, why);
    Reason forbidden = Reason::ReadOnlyMemory;
    if (std::string why = map_access_forbidden(*out.map, h, forbidden); !why.empty()) return violation(forbidden, why);
    return {};
}

Status Analyzer::check_map_buffer_arg(AbstractState& s, const helpers::Helper& h, size_t i, HelperArgs& out) {
    const ArgType arg = h.proto.args[i];
    const uint8_t regno = uint8_t(i + 1);
    const RegState r = s.reg(regno);
    const maps::MapDefinition* map = out.map;
    if (!map) return violation(Reason::HelperArgument, fmt::format("{} has no map argument before r{}", h.name, regno));
    if (r.may_be_null()) return wrong_arg(s, h, regno, "a non-NULL pointer");
    uint32_t size = arg == ArgType::PtrToMapKey ? map->key_size : map->value_size;
    const bool written =
        arg == ArgType::PtrToUninitMapValue && !(h.proto.value_read_by & helpers::map_type_bit(map->type));
    if (auto st = check_helper_memory(s, regno, size, written ? Access::Write : Access::Read); !st)
        return st;
    if (arg == ArgType::PtrToMapKey && h.proto.array_lookup_not_null && array_lookup_never_null_type(*map) &&
        map >= input_.maps.data() && map < input_.maps.data() + input_.maps.size()) {
        // The result depends on the key: checkpoints since it was written hold it
        // exactly from now on (const_map_key.hpp).
        if (auto key = constant_stack_key(s, r, map->key_size);
            key && key->value < map->max_entries && checkpoints_.mark_constant_key(s, key->start, map->key_size))
            out.value_not_null = true;
    }
    return {};
}

Status Analyzer::check_mem_arg(AbstractState& s, const helpers::Helper& h, size_t i) {
    const auto& args = h.proto.args;
    const ArgType arg = args[i];
    const uint8_t regno = uint8_t(i + 1);
    const RegState r = s.reg(regno);
    if (i + 1 >= args.size() || !is_size_arg(args[i + 1]))
        return violation(Reason::Unsupported, fmt::format("{}: memory argument without a size", h.name));
    const RegState& size_reg = s.reg(uint8_t(regno + 1));
    if (size_reg.type == RegType::NotInit)
        return violation(Reason::UninitializedRegister, fmt::format("r{} (size argument of {}) is not initialized",
                                                                    regno + 1, h.name));
    if (!size_reg.is_scalar())
        return violation(Reason::HelperArgument, fmt::format("size argument of {} must be a scalar: {}", h.name,
                                                             describe(s, uint8_t(regno + 1))));
    mark_precise(s, {regno, uint8_t(regno + 1)}); // the size, and a NULL pointer if it is one
    const Scalar& size = size_reg.var;
    if (size.smin < 0 || size.umax > (uint64_t(1) << 29))
        return violation(Reason::HelperArgument, fmt::format("size argument of {} is unbounded: {}", h.name,
                                                             describe(s, uint8_t(regno + 1))));
    if (args[i + 1] == ArgType::ConstSize && size.umin == 0)
        return violation(Reason::HelperArgument, fmt::format("size argument of {} may be 0: {}", h.name,
                                                             describe(s, uint8_t(regno + 1))));
    bool null_ok = arg == ArgType::PtrToMemOrNull || size.umax == 0;
    if (!(null_ok && r.is_null_const())) {
        if (r.may_be_null()) return wrong_arg(s, h, regno, "a non-NULL pointer");
        if (auto st = check_helper_memory(s, regno, size.umax,
                                          arg == ArgType::PtrToUninitMem ? Access::Write : Access::Read);
            !st)
            return st;
    }
    return {};
}

Status Analyzer::check_spin_lock_arg(AbstractState& s, const helpers::Helper& h, uint8_t regno, HelperArgs& out) {
    const RegState r = s.reg(regno);
    if (r.type != RegType::MapValue || !r.map)
        return wrong_arg(s, h, regno, "a pointer to the bpf_spin_lock in a map value");
    if (r.map->spin_lock_offset < 0)
        return violation(Reason::SpinLock, fmt::format("map '{}' has no bpf_spin_lock", r.map->name));
    mark_precise(s, {regno});
    if (!r.var.is_const() || int64_t(r.off) + int64_t(r.var.value()) != r.map->spin_lock_offset)
        return violation(Reason::SpinLock,
                         fmt::format("argument {} of {} does not point to the bpf_spin_lock at offset {}: {}",
                                     regno, h.name, r.map->spin_lock_offset, describe(s, regno)));
    if (r.map->flags & engine_abi::map_flag::kRdonlyProg) // taking the lock writes its word
        return violation(Reason::ReadOnlyMemory,
                         fmt::format("write into map forbidden: {} writes the bpf_spin_lock of map '{}', which "
                                     "is read-only for programs (BPF_F_RDONLY_PROG)",
                                     h.name, r.map->name));
    out.lock = AbstractState::Lock{r.map, r.id, s.pc};
    return {};
}

// The kernel's process_timer_func / check_map_field_pointer.
Status Analyzer::check_timer_arg(AbstractState& s, const helpers::Helper& h, uint8_t regno, HelperArgs& out) {
    const RegState r = s.reg(regno);
    if (r.type != RegType::MapValue || !r.map)
        return wrong_arg(s, h, regno, "a pointer to the bpf_timer in a map value");
    mark_precise(s, {regno});
    if (!r.var.is_const())
        return violation(Reason::HelperArgument,
                         fmt::format("R{} doesn't have constant offset. bpf_timer has to be at the constant "
                                     "offset: {}",
                                     regno, describe(s, regno)));
    if (r.map->timer_offset < 0)
        return violation(Reason::HelperArgument, fmt::format("map '{}' has no valid bpf_timer", r.map->name));
    const int64_t off = int64_t(r.off) + int64_t(r.var.value());
    if (off != r.map->timer_offset)
        return violation(Reason::HelperArgument,
                         fmt::format("off {} doesn't point to 'struct bpf_timer' that is at {}", off,
                                     r.map->timer_offset));
    out.timer_map = r.map;
    out.timer_regno = regno;
    if (!out.map) out.map = r.map; // the callback's map (set_timer_callback_state)
    return {};
}

Status Analyzer::check_printk_args(const AbstractState& s, const helpers::Helper& h) {
    // bpf_trace_printk formats r3-r5 by its format string, which the verifier cannot read:
    // a pointer there may be printed (to the embedder's trace sink).
    if (h.proto.formats_extra_args && !leaks_allowed())
        for (uint8_t regno = 3; regno <= 5; ++regno)
            if (s.cur().regs[regno].is_pointer())
                return violation(Reason::HelperArgument,
                                 fmt::format("r{} leaks addr into helper function {}: {}", regno, h.name,
                                             describe(s, regno)));
    // bpf_trace_printk / trace_vprintk: their format (r1) is memory, not a PtrToConstStr,
    // but its conversions may read at an address the program gives (r3-r5 or the data
    // array hold no pointers under these rules: every %s reads at a number). So the
    // verifier must read it: a constant of a frozen map (.rodata).
    if (h.proto.format_reads_addresses && h.proto.args[0] == ArgType::PtrToMem && !leaks_allowed()) {
        const RegState& r = s.cur().regs[1];
        if (r.type != RegType::MapValue || !r.map->frozen_value || !r.var.is_const())
            return violation(Reason::HelperArgument,
                             fmt::format("the format of {}#{} (r1) must be a constant of a read-only map (.rodata) "
                                         "under the unprivileged rules, so that the verifier can refuse conversions "
                                         "that read memory at an address the program gives: {}",
                                         h.name, h.id, describe(s, 1)));
        if (auto st = check_format_reads_no_address(s, 1, h); !st) return st;
    }
    return {};
}

Status Analyzer::check_tail_call(const AbstractState& s, const maps::MapDefinition* map) const {
    if (!map) return violation(Reason::TailCall, "bpf_tail_call needs a prog array map in r2");
    if (!s.refs.empty())
        return violation(Reason::ReferenceLeak,
                         fmt::format("tail_call would lead to reference leak: {}", unreleased(s.refs.front())));
    if (!s.cur().regs[3].is_scalar())
        return violation(Reason::TailCall, fmt::format("bpf_tail_call index must be a scalar: {}", describe(s, 3)));
    return {};
}

Status Analyzer::check_helper_memory(AbstractState& s, uint8_t regno, uint64_t size, Access access) {
    if (size == 0) return {};
    if (access == Access::Write && s.reg(regno).type == RegType::Stack) return helper_may_write_stack(s, regno, size);
    const RegState& p = s.reg(regno);
    switch (p.type) {
    case RegType::Stack:
    case RegType::Packet:
    case RegType::PacketMeta:
    case RegType::MapValue:
    case RegType::MapKey:
    case RegType::Mem:
    case RegType::MapValueOrNull:
    case RegType::MemOrNull: {
        // Writes into a map value check only the write (the kernel's raw mode): a helper
        // may fill a BPF_F_WRONLY_PROG value it could not read.
        if (access == Access::Write && (p.type == RegType::Stack || p.type == RegType::MapValue)) {
            RegState filled = RegState::unknown_scalar();
            return check_access(s, regno, 0, uint32_t(size), Access::Write, &filled, nullptr);
        }
        RegState dummy;
        const Access read = access == Access::Write ? Access::Read : Access::HelperRead;
        if (auto st = check_access(s, regno, 0, uint32_t(size), read, nullptr, &dummy); !st) return st;
        if (access == Access::Write) {
            RegState filled = RegState::unknown_scalar();
            return check_access(s, regno, 0, uint32_t(size), Access::Write, &filled, nullptr);
        }
        return {};
    }
    default:
        return violation(Reason::HelperArgument,
                         fmt::format("r{} must point to {} bytes of memory: {}", regno, size, describe(s, regno)));
    }
}

// The kernel's check_reg_const_str: a constant offset into a frozen read-only map value,
// with a NUL before the value's end (read from the value as loaded).
Status Analyzer::check_const_str(AbstractState& s, uint8_t regno, std::string_view helper) {
    const RegState& r = s.reg(regno);
    auto bad = [&](std::string_view why) {
        return violation(Reason::HelperArgument,
                         fmt::format("argument {} of {} {}: {}", regno, helper, why, describe(s, regno)));
    };
    if (r.type != RegType::MapValue || !r.map) return bad("must point to a string in a read-only map");
    if (!(r.map->flags & engine_abi::map_flag::kRdonlyProg) || !r.map->frozen_value)
        return bad(fmt::format("points into map '{}', which is not read-only", r.map->name));
    mark_precise(s, {regno});
    if (!r.var.is_const()) return bad("is not a constant address");
    const int64_t off = int64_t(r.off) + int64_t(r.var.value());
    const std::vector<uint8_t>& bytes = *r.map->frozen_value;
    if (off < 0 || uint64_t(off) >= bytes.size() || bytes.size() != r.map->value_size)
        return violation(Reason::MapValueOutOfBounds,
                         fmt::format("argument {} of {} points outside the {}-byte value of map '{}': {}", regno,
                                     helper, r.map->value_size, r.map->name, describe(s, regno)));
    if (std::find(bytes.begin() + off, bytes.end(), uint8_t(0)) == bytes.end())
        return bad("is not a NUL-terminated string");
    return {};
}

// The %s, %pks, %pus and %pi4/%pI4/%pi6/%pI6 of bpf_snprintf, trace_printk and trace_vprintk
// read memory at the address their data argument holds, anywhere in the host (bprintf.cpp):
// an arbitrary read whose bytes come back in the output (or the trace sink, and the length
// in r0). The kernel gives these helpers only with CAP_PERFMON; here the format, a constant
// of a frozen map (check_const_str, or exec_helper_call for the printk formats), may use
// them under the privileged rules only.
// The scan follows bprintf.cpp's parse: "%%", then flags and width, then the conversion.
Status Analyzer::check_format_reads_no_address(const AbstractState& s, uint8_t regno, const helpers::Helper& h) {
    const RegState& r = s.cur().regs[regno];
    const std::vector<uint8_t>& bytes = *r.map->frozen_value;
    const size_t start = size_t(int64_t(r.off) + int64_t(r.var.value()));
    const size_t end = size_t(std::find(bytes.begin() + int64_t(start), bytes.end(), uint8_t(0)) - bytes.begin());
    auto at = [&](size_t i) { return i < end ? char(bytes[i]) : '\0'; };
    for (size_t i = start; i < end; ++i) {
        if (at(i) != '%') continue;
        if (at(i + 1) == '%') {
            ++i;
            continue;
        }
        size_t c = i + 1;
        while (at(c) == '0' || at(c) == '+' || at(c) == '-' || at(c) == ' ') ++c;
        while (at(c) >= '0' && at(c) <= '9') ++c;
        const bool reads = at(c) == 's' ||
                           (at(c) == 'p' && ((at(c + 1) == 'k' || at(c + 1) == 'u') && at(c + 2) == 's')) ||
                           (at(c) == 'p' && (at(c + 1) == 'i' || at(c + 1) == 'I'));
        if (reads)
            return violation(Reason::HelperArgument,
                             fmt::format("the format of {}#{} (argument {}) has the conversion '{}' at byte {}, which "
                                         "reads memory at an address the program gives: it needs the privileged rules "
                                         "(allow_ptr_leaks; the kernel's CAP_PERFMON)",
                                         h.name, h.id, regno,
                                         std::string(bytes.begin() + int64_t(i), bytes.begin() + int64_t(std::min(c + 1, end))),
                                         i - start));
        i = c;
    }
    return {};
}

// The kernel's release_reference_state: the argument must carry a reference this path
// holds ("R1 must be referenced when passed to release function").
Status Analyzer::check_release(const AbstractState& s, const helpers::Helper& h, uint8_t regno) {
    const RegState& r = s.cur().regs[regno];
    if (r.id != 0 && s.find_ref(r.id)) return {};
    return violation(Reason::ReferenceRelease,
                     fmt::format("r{} must be referenced when passed to release function {}: reference has not been "
                                 "acquired before: {}",
                                 regno, h.name, describe(s, regno)));
}

} // namespace ebpfjit::verifier
