// Helper calls (checked against their prototypes), bpf-to-bpf calls (a new frame) and
// exits (return to the caller, or the end of a path).
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "engine_abi/cgroup_sock_layout.hpp"
#include "engine_abi/kernel_ids.hpp"
#include "verifier/analyzer.hpp"
#include "verifier/callback_widening.hpp"
#include "verifier/const_map_key.hpp"

namespace ebpfjit::verifier {

using helpers::ArgType;
using helpers::RetType;

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

// The kernel's check_reference_leak message, plus what the reference is.
std::string unreleased(const AbstractState::Ref& ref) {
    std::string_view what = ref.kind == helpers::RefKind::Socket
                                ? "the socket looked up at insn {} is not released with bpf_sk_release"
                                : "the ringbuf record reserved at insn {} is neither submitted nor discarded";
    return fmt::format("Unreleased reference id={} alloc_insn={}: {}", ref.id, ref.acquired_at,
                       fmt::format(fmt::runtime(what), ref.acquired_at));
}

} // namespace

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

Status Analyzer::exec_call(AbstractState& s, const isa::Call& insn, Step& step) {
    if (insn.kind == isa::CallKind::Local) return exec_local_call(s, insn);
    if (insn.kind == isa::CallKind::Kfunc) return violation(Reason::Unsupported, "kfunc calls are not supported");
    if (auto st = exec_helper_call(s, insn, step); !st) return st;
    s.pc += 1;
    return {};
}

// The kernel's set_loop_callback_state / set_map_elem_callback_state: a new frame for the
// callback above the caller, whose registers stay as they were at the call.
Result<AbstractState> Analyzer::callback_entry(const AbstractState& s, const helpers::Helper& h, int32_t target,
                                               const maps::MapDefinition* map) {
    if (s.frames.size() >= isa::kMaxCallDepth && !h.proto.callback.async)
        return fail(Error::plain(fmt::format("callback nests deeper than {} frames", isa::kMaxCallDepth)));
    AbstractState cb = s;
    const FrameState& caller = s.cur();
    FrameState callee;
    const helpers::CallbackRole& role = h.proto.callback;
    if (role.func_arg < 0) return fail(Error::plain(fmt::format("callbacks of {} are not supported", h.name)));
    const auto ctx_arg = std::find(h.proto.args.begin(), h.proto.args.end(), ArgType::PtrToStackOrNull);
    for (size_t i = 0; i < role.params.size(); ++i) {
        RegState& reg = callee.regs[i + 1];
        switch (role.params[i]) {
        case helpers::CallbackParam::None: break;
        case helpers::CallbackParam::Scalar: reg = RegState::unknown_scalar(); break;
        case helpers::CallbackParam::MapPtr:
        case helpers::CallbackParam::MapKey:
        case helpers::CallbackParam::MapValue: {
            if (!map) return fail(Error::plain(fmt::format("the callback of {} needs a map argument", h.name)));
            const helpers::CallbackParam p = role.params[i];
            reg = RegState::pointer(p == helpers::CallbackParam::MapPtr   ? RegType::MapPtr
                                    : p == helpers::CallbackParam::MapKey ? RegType::MapKey
                                                                          : RegType::MapValue);
            reg.map = map;
            if (p == helpers::CallbackParam::MapValue && map->spin_lock_offset >= 0) reg.id = fresh_id(); // names its lock
            // The key lives in the helper's own buffer for this invocation only (a stack
            // local in the kernel's array for_each, a heap buffer in runtime/maps): its
            // pointer must not outlive the callback's frame (exec_memory.cpp).
            if (p == helpers::CallbackParam::MapKey) reg.frame = uint8_t(s.frames.size());
            break;
        }
        case helpers::CallbackParam::Ctx:
            if (ctx_arg == h.proto.args.end())
                return fail(Error::plain(fmt::format("the callback of {} has no context argument", h.name)));
            reg = caller.regs[size_t(ctx_arg - h.proto.args.begin()) + 1];
            break;
        }
    }
    if (role.async) {
        // The kernel's push_async_cb: the callback runs later, on its own. A fresh state of
        // one frame (frame 0, so the key's frame below is 0 too), nothing of the caller's:
        // no stack, references, lock or packet relations, and no checkpoint to answer to
        // (its registers hold only the map's pointers, no scalar of the caller's).
        // in_callback with a single frame is what marks it (exec_exit).
        callee.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
        callee.regs[isa::kFramePointer].frame = 0;
        for (RegState& reg : callee.regs)
            if (reg.type == RegType::MapKey) reg.frame = 0;
        callee.callsite = int32_t(s.pc);
        callee.subprogram = shape_.subprogram_of[size_t(target)];
        callee.in_callback = true;
        AbstractState async;
        async.frames.push_back(std::move(callee));
        async.pc = uint32_t(target);
        if (s.zone) { // the loop pass: fresh relations, the length bounded as at the entry
            async.zone.emplace();
            (void)async.zone->bound_value(Zone::kLen, 0, uint64_t(max_region_length()));
        }
        return async;
    }
    callee.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
    callee.regs[isa::kFramePointer].frame = uint8_t(s.frames.size());
    callee.callsite = int32_t(s.pc);
    callee.subprogram = shape_.subprogram_of[size_t(target)];
    callee.in_callback = true;
    auto stacks = std::make_shared<std::vector<StackState>>();
    for (const FrameState& f : s.frames) stacks->push_back(f.stack);
    callee.caller_stacks = std::move(stacks);
    cb.frames.push_back(std::move(callee));
    cb.pc = uint32_t(target);
    return cb;
}

Status Analyzer::exec_helper_call(AbstractState& s, const isa::Call& insn, Step& step) {
    const helpers::Helper* h = input_.helpers ? input_.helpers->find(insn.imm) : nullptr;
    if (!h) return violation(Reason::UnknownHelper, helpers::unknown_helper_message(insn.imm));
    if (!(h->allowed & mask_of(input_.type)))
        return violation(Reason::HelperNotAllowed, fmt::format("helper {}#{} is not allowed in {} programs", h->name,
                                                               h->id, to_string(input_.type)));
    if (!(h->allowed_attach & attach_mask_of(input_.attach)))
        return violation(Reason::HelperNotAllowed,
                         fmt::format("helper {}#{} is not allowed in {} programs attached to cgroup/{}", h->name, h->id,
                                     to_string(input_.type), to_string(input_.attach)));
    // An arbitrary read of the host's memory: the kernel's CAP_PERFMON helpers, which also
    // come with pointer leaks allowed; so here only under the privileged rules.
    if (h->proto.reads_any_address && !leaks_allowed())
        return violation(Reason::HelperNotAllowed,
                         fmt::format("helper {}#{} reads host memory at any address the program names: it needs the "
                                     "privileged rules (allow_ptr_leaks; the kernel's CAP_PERFMON)",
                                     h->name, h->id));
    const auto& args = h->proto.args;
    const maps::MapDefinition* map = nullptr;
    uint64_t alloc_size = 0;
    std::vector<uint32_t> released_ids;
    std::optional<AbstractState::Lock> lock; // the PtrToSpinLock argument
    bool value_not_null = false;             // an array lookup at a known key below max_entries
    int32_t callback = -1;                   // the PtrToFunc argument's first slot
    const maps::MapDefinition* timer_map = nullptr; // the PtrToTimer argument's map
    uint8_t timer_regno = 0;
    if (s.lock && h->proto.lock != helpers::LockRole::Unlock)
        return violation(Reason::SpinLock, fmt::format("{} is called while holding the bpf_spin_lock taken at insn {}",
                                                       h->name, s.lock->acquired_at));
    for (size_t i = 0; i < args.size(); ++i) {
        const ArgType arg = args[i];
        if (arg == ArgType::None) continue;
        const uint8_t regno = uint8_t(i + 1);
        const RegState r = s.reg(regno);
        if (r.is_released())
            return violation(Reason::ReferenceRelease,
                             fmt::format("r{} (argument {} of {}) held the reference acquired at insn {}, which was "
                                         "released at insn {}{}",
                                         regno, regno, h->name, r.off, r.released_at - 1,
                                         h->proto.refs.release_arg == int8_t(i) ? ": double release" : ""));
        if (r.type == RegType::NotInit)
            return violation(Reason::UninitializedRegister,
                             fmt::format("r{} (argument {} of {}) is not initialized{}", regno, regno, h->name,
                                         r.invalidated_at ? fmt::format(": it held a packet pointer, invalidated "
                                                                        "by the helper call at insn {}",
                                                                        r.invalidated_at - 1)
                                                          : std::string()));
        auto bad = [&](std::string_view wanted) {
            return violation(Reason::HelperArgument, fmt::format("argument {} of {} must be {}: {}", regno, h->name,
                                                                 wanted, describe(s, regno)));
        };
        switch (arg) {
        case ArgType::None: break;
        case ArgType::Anything: // the helper takes the value as a number
            // (bpf_tail_call's index has its own rule below: a scalar even when privileged)
            if (r.is_pointer() && !leaks_allowed() && !h->proto.tail_call)
                return violation(Reason::HelperArgument,
                                 fmt::format("r{} leaks addr into helper function {}: {}", regno, h->name,
                                             describe(s, regno)));
            break;
        case ArgType::Scalar:
        case ArgType::ConstSize:
        case ArgType::ConstSizeOrZero:
            if (!r.is_scalar()) return bad("a scalar");
            break;
        case ArgType::ConstMapPtr: {
            if (r.type != RegType::MapPtr) return bad("a map (LDDW map reference)");
            // bpf_timer_init: the map must be the timer's (the kernel compares map and
            // map_uid; inner maps with timers are refused at creation, map_factory.cpp).
            if (timer_map && r.map != timer_map)
                return violation(Reason::HelperArgument,
                                 fmt::format("timer pointer in R{} (map '{}') doesn't match map pointer in R{} (map "
                                             "'{}')",
                                             timer_regno, timer_map->name, regno, r.map->name));
            map = r.map;
            if (std::string why = map_helper_mismatch(*map, *h); !why.empty())
                return violation(h->proto.tail_call ? Reason::TailCall : Reason::HelperArgument, why);
            Reason forbidden = Reason::ReadOnlyMemory;
            if (std::string why = map_access_forbidden(*map, *h, forbidden); !why.empty()) return violation(forbidden, why);
            break;
        }
        case ArgType::PtrToMapKey:
        case ArgType::PtrToMapValue:
        case ArgType::PtrToUninitMapValue: {
            if (!map) return violation(Reason::HelperArgument, fmt::format("{} has no map argument before r{}", h->name, regno));
            if (r.may_be_null()) return bad("a non-NULL pointer");
            uint32_t size = arg == ArgType::PtrToMapKey ? map->key_size : map->value_size;
            const bool written =
                arg == ArgType::PtrToUninitMapValue && !(h->proto.value_read_by & helpers::map_type_bit(map->type));
            if (auto st = check_helper_memory(s, regno, size, written ? Access::Write : Access::Read); !st)
                return st;
            if (arg == ArgType::PtrToMapKey && h->proto.array_lookup_not_null && array_lookup_never_null_type(*map) &&
                map >= input_.maps.data() && map < input_.maps.data() + input_.maps.size()) {
                // The result depends on the key: checkpoints since it was written hold it
                // exactly from now on (const_map_key.hpp).
                if (auto key = constant_stack_key(s, r, map->key_size);
                    key && key->value < map->max_entries && checkpoints_.mark_constant_key(s, key->start, map->key_size))
                    value_not_null = true;
            }
            break;
        }
        case ArgType::PtrToMem:
        case ArgType::PtrToMemOrNull:
        case ArgType::PtrToUninitMem: {
            if (i + 1 >= args.size() || !is_size_arg(args[i + 1]))
                return violation(Reason::Unsupported, fmt::format("{}: memory argument without a size", h->name));
            const RegState& size_reg = s.reg(uint8_t(regno + 1));
            if (size_reg.type == RegType::NotInit)
                return violation(Reason::UninitializedRegister, fmt::format("r{} (size argument of {}) is not initialized",
                                                                            regno + 1, h->name));
            if (!size_reg.is_scalar())
                return violation(Reason::HelperArgument, fmt::format("size argument of {} must be a scalar: {}", h->name,
                                                                     describe(s, uint8_t(regno + 1))));
            mark_precise(s, {regno, uint8_t(regno + 1)}); // the size, and a NULL pointer if it is one
            const Scalar& size = size_reg.var;
            if (size.smin < 0 || size.umax > (uint64_t(1) << 29))
                return violation(Reason::HelperArgument, fmt::format("size argument of {} is unbounded: {}", h->name,
                                                                     describe(s, uint8_t(regno + 1))));
            if (args[i + 1] == ArgType::ConstSize && size.umin == 0)
                return violation(Reason::HelperArgument, fmt::format("size argument of {} may be 0: {}", h->name,
                                                                     describe(s, uint8_t(regno + 1))));
            bool null_ok = arg == ArgType::PtrToMemOrNull || size.umax == 0;
            if (!(null_ok && r.is_null_const())) {
                if (r.may_be_null()) return bad("a non-NULL pointer");
                if (auto st = check_helper_memory(s, regno, size.umax,
                                                  arg == ArgType::PtrToUninitMem ? Access::Write : Access::Read);
                    !st)
                    return st;
            }
            ++i; // the size argument is checked
            break;
        }
        case ArgType::PtrToCtx:
            if (r.type != RegType::Ctx || r.off != 0 || !r.var.is_const() || r.var.value() != 0)
                return bad("the ctx pointer");
            break;
        case ArgType::PtrToSpinLock: {
            if (r.type != RegType::MapValue || !r.map) return bad("a pointer to the bpf_spin_lock in a map value");
            if (r.map->spin_lock_offset < 0)
                return violation(Reason::SpinLock, fmt::format("map '{}' has no bpf_spin_lock", r.map->name));
            mark_precise(s, {regno});
            if (!r.var.is_const() || int64_t(r.off) + int64_t(r.var.value()) != r.map->spin_lock_offset)
                return violation(Reason::SpinLock,
                                 fmt::format("argument {} of {} does not point to the bpf_spin_lock at offset {}: {}",
                                             regno, h->name, r.map->spin_lock_offset, describe(s, regno)));
            if (r.map->flags & engine_abi::map_flag::kRdonlyProg) // taking the lock writes its word
                return violation(Reason::ReadOnlyMemory,
                                 fmt::format("write into map forbidden: {} writes the bpf_spin_lock of map '{}', which "
                                             "is read-only for programs (BPF_F_RDONLY_PROG)",
                                             h->name, r.map->name));
            lock = AbstractState::Lock{r.map, r.id, s.pc};
            break;
        }
        case ArgType::PtrToTimer: { // the kernel's process_timer_func / check_map_field_pointer
            if (r.type != RegType::MapValue || !r.map) return bad("a pointer to the bpf_timer in a map value");
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
            timer_map = r.map;
            timer_regno = regno;
            if (!map) map = r.map; // the callback's map (set_timer_callback_state)
            break;
        }
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
            if (h->proto.refs.releases != helpers::RefKind::None && h->proto.refs.release_arg == int8_t(i)) {
                if (auto st = check_release(s, *h, regno); !st) return st;
                released_ids.push_back(r.id);
            }
            break;
        case ArgType::PtrToSockCommon:
            if (r.may_be_null() && (r.type == RegType::SocketOrNull || r.type == RegType::SockCommonOrNull))
                return bad("a socket checked against NULL");
            if (!r.is_socket()) return bad("a socket from bpf_sk_lookup_tcp, bpf_sk_lookup_udp or bpf_skc_lookup_tcp");
            if (h->proto.refs.releases != helpers::RefKind::None && h->proto.refs.release_arg == int8_t(i)) {
                if (auto st = check_release(s, *h, regno); !st) return st;
                released_ids.push_back(r.id);
            }
            break;
        case ArgType::ConstAllocSizeOrZero:
            mark_precise(s, {regno});
            if (!r.is_scalar() || !r.var.is_const()) return bad("a constant size");
            alloc_size = r.var.value();
            break;
        case ArgType::PtrToConstStr:
            if (auto st = check_const_str(s, regno, h->name); !st) return st;
            if (h->proto.format_reads_addresses && !leaks_allowed())
                if (auto st = check_format_reads_no_address(s, regno, *h); !st) return st;
            break;
        case ArgType::PtrToFunc:
            if (r.type != RegType::Func) return bad("a callback (LDDW of a subprogram's address)");
            if (h->proto.callback.func_arg != int8_t(i))
                return violation(Reason::Unsupported, fmt::format("callbacks of {} are not supported", h->name));
            callback = r.off;
            break;
        }
    }
    // bpf_trace_printk formats r3-r5 by its format string, which the verifier cannot read:
    // a pointer there may be printed (to the embedder's trace sink).
    if (h->proto.formats_extra_args && !leaks_allowed())
        for (uint8_t regno = 3; regno <= 5; ++regno)
            if (s.reg(regno).is_pointer())
                return violation(Reason::HelperArgument,
                                 fmt::format("r{} leaks addr into helper function {}: {}", regno, h->name,
                                             describe(s, regno)));
    // bpf_trace_printk / trace_vprintk: their format (r1) is memory, not a PtrToConstStr,
    // but its conversions may read at an address the program gives (r3-r5 or the data
    // array hold no pointers under these rules: every %s reads at a number). So the
    // verifier must read it: a constant of a frozen map (.rodata).
    if (h->proto.format_reads_addresses && h->proto.args[0] == ArgType::PtrToMem && !leaks_allowed()) {
        const RegState& r = s.reg(1);
        if (r.type != RegType::MapValue || !r.map->frozen_value || !r.var.is_const())
            return violation(Reason::HelperArgument,
                             fmt::format("the format of {}#{} (r1) must be a constant of a read-only map (.rodata) "
                                         "under the unprivileged rules, so that the verifier can refuse conversions "
                                         "that read memory at an address the program gives: {}",
                                         h->name, h->id, describe(s, 1)));
        if (auto st = check_format_reads_no_address(s, 1, *h); !st) return st;
    }
    if (h->proto.tail_call) {
        if (!map) return violation(Reason::TailCall, "bpf_tail_call needs a prog array map in r2");
        if (!s.refs.empty())
            return violation(Reason::ReferenceLeak,
                             fmt::format("tail_call would lead to reference leak: {}", unreleased(s.refs.front())));
        if (!s.reg(3).is_scalar())
            return violation(Reason::TailCall, fmt::format("bpf_tail_call index must be a scalar: {}", describe(s, 3)));
    }

    if (lock && h->proto.lock == helpers::LockRole::Lock) {
        if (s.lock)
            return violation(Reason::SpinLock, fmt::format("a second bpf_spin_lock while holding the one taken at insn {}",
                                                           s.lock->acquired_at));
        s.lock = lock;
    } else if (lock && h->proto.lock == helpers::LockRole::Unlock) {
        if (!s.lock) return violation(Reason::SpinLock, "bpf_spin_unlock without a bpf_spin_lock held");
        if (s.lock->map != lock->map || s.lock->id != lock->id)
            return violation(Reason::SpinLock, fmt::format("bpf_spin_unlock of another lock than the one taken at insn {}",
                                                           s.lock->acquired_at));
        s.lock.reset();
    }

    // The callback runs on another path, from the state at the call; this one continues
    // as if it ran zero times (its runs come back here, see exec_exit).
    if (callback >= 0) {
        auto entry = callback_entry(s, *h, callback, map);
        if (!entry) {
            const bool deep = s.frames.size() >= isa::kMaxCallDepth && !h->proto.callback.async;
            return violation(deep ? Reason::CallDepthExceeded : Reason::Unsupported, entry.error().message);
        }
        step.forked = std::move(*entry);
    }

    // The call's effects on the state.
    // The kernel's release_reference: every copy of the pointer dies, a ringbuf record's
    // and a socket's alike. Each becomes uninitialised unless pointer leaks are allowed (the
    // kernel's mark_reg_invalid: a number holding the old address would leak it),
    // remembering the release so that a second release or a use says what happened.
    for (uint32_t id : released_ids) {
        const uint32_t acquired_at = s.find_ref(id) ? s.find_ref(id)->acquired_at : 0;
        const uint32_t at = s.pc;
        const bool leaks = leaks_allowed();
        s.for_each_reg([&](RegState& o) {
            if (o.id != id || (o.type != RegType::Mem && !o.is_socket())) return;
            o = leaks ? RegState::unknown_scalar() : RegState{};
            if (!leaks) o.off = int32_t(acquired_at), o.released_at = at + 1;
        });
        s.release_ref(id);
    }
    for (uint8_t r = 1; r <= 5; ++r) s.reg(r) = RegState{};
    if (h->changes_packet_data) {
        // The kernel's clear_all_pkt_pointers: every packet pointer (spilled ones too) is
        // invalid, uninitialised unless pointer leaks are allowed (mark_reg_invalid): as a
        // number it would hand the program the packet's host address.
        // One id for the pointers this call invalidates: they pointed into one buffer at
        // that moment, so two of them may still be subtracted (exec_alu.cpp).
        const bool leaks = leaks_allowed();
        const uint32_t at = s.pc;
        const uint32_t event = leaks ? 0 : fresh_id();
        s.for_each_reg([&](RegState& o) {
            if (!o.is_packet_like()) return;
            o = leaks ? RegState::unknown_scalar() : RegState{};
            if (!leaks) o.invalidated_at = at + 1, o.id = event;
        });
        if (s.zone) { // the packet has a new length, within the same limit (initial_state)
            s.zone->forget(Zone::kLen);
            (void)s.zone->bound_value(Zone::kLen, 0, uint64_t(max_region_length())); // len alone: no conflict
        }
    }
    RegState r0;
    switch (h->proto.ret) {
    case RetType::Integer: r0 = RegState::unknown_scalar(); break;
    case RetType::Void: break;
    case RetType::MapValueOrNull:
        if (!map) return violation(Reason::Unsupported, fmt::format("{} returns a map value without a map argument", h->name));
        if (engine_abi::is_map_in_map(map->type)) {
            if (!map->inner)
                return violation(Reason::HelperArgument, fmt::format("map-in-map '{}' has no inner map template", map->name));
            r0 = RegState::pointer(RegType::MapPtrOrNull);
            r0.map = map->inner.get();
        } else if (value_not_null) {
            r0 = RegState::pointer(RegType::MapValue);
            r0.map = map;
            // As the kernel: an id names the value only where a bpf_spin_lock needs it.
            if (map->spin_lock_offset >= 0) r0.id = fresh_id();
            break;
        } else {
            r0 = RegState::pointer(RegType::MapValueOrNull);
            r0.map = map;
        }
        r0.id = fresh_id();
        break;
    case RetType::SocketOrNull:
    case RetType::SockCommonOrNull:
        r0 = RegState::pointer(h->proto.ret == RetType::SocketOrNull ? RegType::SocketOrNull : RegType::SockCommonOrNull);
        r0.id = fresh_id();
        break;
    case RetType::AllocMemOrNull:
        r0 = RegState::pointer(RegType::MemOrNull);
        r0.mem_size = uint32_t(std::min<uint64_t>(alloc_size, 1u << 29));
        r0.id = fresh_id();
        break;
    }
    if (h->proto.refs.acquires != helpers::RefKind::None) { // released by its partner, or by a NULL check
        if (r0.id == 0) r0.id = fresh_id();
        uint8_t callback_frame = 0;
        for (size_t f = s.frames.size(); f-- > 0;)
            if (s.frames[f].in_callback) {
                callback_frame = uint8_t(f + 1);
                break;
            }
        s.refs.push_back({r0.id, s.pc, h->proto.refs.acquires, callback_frame});
    }
    s.reg(0) = r0;
    return {};
}

Status Analyzer::exec_local_call(AbstractState& s, const isa::Call& insn) {
    if (s.lock)
        return violation(Reason::SpinLock, fmt::format("function call while holding the bpf_spin_lock taken at insn {}",
                                                       s.lock->acquired_at));
    if (s.frames.size() >= isa::kMaxCallDepth)
        return violation(Reason::CallDepthExceeded, fmt::format("call nests deeper than {} frames", isa::kMaxCallDepth));
    FrameState callee;
    for (uint8_t r = 1; r <= 5; ++r) callee.regs[r] = s.cur().regs[r];
    callee.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
    callee.regs[isa::kFramePointer].frame = uint8_t(s.frames.size());
    callee.callsite = int32_t(s.pc);
    callee.subprogram = shape_.subprogram_of[size_t(insn.target)];
    s.frames.push_back(std::move(callee));
    s.pc = uint32_t(insn.target);
    return {};
}

Status Analyzer::exec_exit(AbstractState& s, Step& step) {
    // A subprogram's r0 goes back to its caller as it is, set or not (the kernel's
    // prepare_func_exit: a void function's exit leaves it unset, and the caller is
    // rejected only if it reads it); the program's and a callback's r0 must be set.
    const bool returns_to_caller = s.frames.size() > 1 && !s.cur().in_callback;
    if (s.reg(0).type == RegType::NotInit && !returns_to_caller)
        return violation(Reason::UninitializedRegister, "r0 is not initialized at exit");
    const RegState r0 = s.reg(0);
    if (s.lock)
        return violation(Reason::SpinLock, fmt::format("exit without bpf_spin_unlock of the lock taken at insn {}",
                                                       s.lock->acquired_at));
    if (s.cur().in_callback && s.frames.size() == 1) return exit_async_callback(s, step);
    if (s.cur().in_callback) return exit_callback(s);
    if (returns_to_caller) {
        if (r0.type == RegType::Stack && r0.frame == s.frames.size() - 1)
            return violation(Reason::ReturnValue, fmt::format("subprogram returns a pointer to its own stack: {}", describe(s, 0)));
        const int32_t callsite = s.cur().callsite;
        s.frames.pop_back();
        for (uint8_t r = 1; r <= 5; ++r) s.reg(r) = RegState{};
        s.reg(0) = r0;
        s.pc = uint32_t(callsite + 1);
        return {};
    }
    // The kernel's check_return_code: the caller sees r0 (none of our program types has a
    // return range the kernel would also enforce on privileged programs).
    if (!r0.is_scalar() && !leaks_allowed())
        return violation(Reason::ReturnValue,
                         fmt::format("r0 leaks addr as return value: the program returns a pointer: {}", describe(s, 0)));
    if (!s.refs.empty()) return violation(Reason::ReferenceLeak, unreleased(s.refs.front()));
    if (auto st = check_return_range(s); !st) return st;
    step.path_ended = true;
    return {};
}

// The kernel's check_return_code for the program types that have a return range (the
// cgroup socket types; the packet types' verdicts are read by the runtime whatever they
// are): r0 must be a known scalar inside it, on every path, privileged or not.
Status Analyzer::check_return_range(AbstractState& s) {
    const auto range = engine_abi::return_range(input_.type, input_.attach);
    if (!range) return {};
    return check_r0_within(s, range->min, range->max, "At program exit");
}

// The kernel's check_return_code: r0 a known scalar within [min, max], made precise;
// `where` names the exit in the message ("At program exit", "At async callback return").
Status Analyzer::check_r0_within(AbstractState& s, int64_t min, int64_t max, std::string_view where) {
    const RegState& r0 = s.reg(0);
    if (!r0.is_scalar())
        return violation(Reason::ReturnValue,
                         fmt::format("{} the register R0 is not a known value ({})", where, describe(s, 0)));
    mark_precise(s, {0});
    if (r0.var.smin < min || r0.var.smax > max)
        return violation(Reason::ReturnValue,
                         fmt::format("{} the register R0 has smin={} smax={} should have been in [{}, {}]", where,
                                     r0.var.smin, r0.var.smax, min, max));
    return {};
}


// An async callback (bpf_timer_set_callback's) ends its own path: the kernel's
// check_return_code "At async callback return" with the range [0, 0], and nothing held.
Status Analyzer::exit_async_callback(AbstractState& s, Step& step) {
    if (auto st = check_r0_within(s, 0, 0, "At async callback return"); !st) return st;
    if (!s.refs.empty()) return violation(Reason::ReferenceLeak, unreleased(s.refs.front()));
    step.path_ended = true;
    return {};
}

// A callback returns 0 (continue) or 1 (stop) to its helper, which may call it again: the
// path goes back to the helper call with the caller's registers as they were there.
// Caller stack slots the callback changed lose imprecise values (the kernel's
// widen_imprecise_scalars), so the iterations reach a state seen before and stop.
Status Analyzer::exit_callback(AbstractState& s) {
    const RegState& r0 = s.reg(0);
    if (!r0.is_scalar())
        return violation(Reason::ReturnValue, fmt::format("a callback must return 0 or 1: {}", describe(s, 0)));
    mark_precise(s, {0});
    if (r0.var.smin < 0 || r0.var.umax > 1)
        return violation(Reason::ReturnValue, fmt::format("a callback must return 0 or 1: {}", describe(s, 0)));
    for (const AbstractState::Ref& ref : s.refs)
        if (ref.callback_frame == s.frames.size())
            return violation(Reason::ReferenceLeak, fmt::format("callback returns holding a reference it acquired: {}",
                                                                unreleased(ref)));
    const FrameState callee = s.cur();
    s.frames.pop_back();
    widen_changed_caller_slots(s, callee);
    s.pc = uint32_t(callee.callsite);
    ++s.callback_runs;
    return {};
}

} // namespace ebpfjit::verifier
