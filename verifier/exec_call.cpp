// Helper calls (their arguments are checked in helper_args.cpp, their callbacks entered
// in exec_callback.cpp; here the steps of the call and its effects on the state),
// bpf-to-bpf calls (a new frame) and exits (return to the caller, or the end of a path).
#include <algorithm>

#include <fmt/format.h>

#include "engine_abi/cgroup_sock_layout.hpp"
#include "engine_abi/kernel_ids.hpp"
#include "verifier/analyzer.hpp"

namespace ebpfjit::verifier {

using helpers::RetType;

// The kernel's check_reference_leak message, plus what the reference is.
std::string Analyzer::unreleased(const AbstractState::Ref& ref) {
    std::string_view what = ref.kind == helpers::RefKind::Socket
                                ? "the socket looked up at insn {} is not released with bpf_sk_release"
                                : "the ringbuf record reserved at insn {} is neither submitted nor discarded";
    return fmt::format("Unreleased reference id={} alloc_insn={}: {}", ref.id, ref.acquired_at,
                       fmt::format(fmt::runtime(what), ref.acquired_at));
}

Status Analyzer::exec_call(AbstractState& s, const isa::Call& insn, Step& step) {
    if (insn.kind == isa::CallKind::Local) return exec_local_call(s, insn);
    if (insn.kind == isa::CallKind::Kfunc) return violation(Reason::Unsupported, "kfunc calls are not supported");
    if (auto st = exec_helper_call(s, insn, step); !st) return st;
    s.pc += 1;
    return {};
}

// The helper's steps, in this order: may it be called here, its arguments, the rules of
// the call as a whole, the lock and the callback, then its effects on the state and r0.
Status Analyzer::exec_helper_call(AbstractState& s, const isa::Call& insn, Step& step) {
    const helpers::Helper* h = input_.helpers ? input_.helpers->find(insn.imm) : nullptr;
    if (!h && insn.imm == helpers::kPoisonedCoreRelocation)
        for (const LineInfo& p : input_.poisoned_relocations)
            if (p.slot == s.pc)
                return violation(Reason::UnknownHelper,
                                 fmt::format("invalid func unknown#{}: CO-RE relocation {} has no match in the core "
                                             "BTF (libbpf's poisoned instruction)",
                                             insn.imm, p.text));
    if (!h) return violation(Reason::UnknownHelper, helpers::unknown_helper_message(insn.imm));
    // On a socket map the helper has another prototype (Helper::on_socket_maps).
    std::optional<helpers::Helper> on_map;
    if (const maps::MapDefinition* m = socket_map_argument(s, *h)) {
        on_map = helpers::on_map_type(*h, m->type);
        if (!(on_map->allowed & mask_of(input_.type)))
            return violation(Reason::HelperNotAllowed,
                             fmt::format("{}: cannot pass map_type {} into func bpf_{}#{} in {} programs (map '{}')",
                                         h->on_socket_maps.refused, m->type, h->name, h->id,
                                         to_string(input_.type), m->name));
        h = &*on_map;
    }
    if (auto st = check_helper_allowed(s, *h); !st) return st;
    auto args = check_helper_args(s, *h);
    if (!args) return std::unexpected(args.error());
    if (auto st = check_printk_args(s, *h); !st) return st;
    if (h->proto.tail_call)
        if (auto st = check_tail_call(s, args->map); !st) return st;
    if (auto st = apply_lock_role(s, *h, args->lock); !st) return st;

    // The callback runs on another path, from the state at the call; this one continues
    // as if it ran zero times (its runs come back here, see exec_exit).
    if (args->callback >= 0)
        if (auto st = fork_callback(s, *h, args->callback, args->map, step); !st) return st;

    // The call's effects on the state.
    release_references(s, args->released_ids);
    for (uint8_t r = 1; r <= 5; ++r) s.reg(r) = RegState{};
    if (h->changes_packet_data) invalidate_packet_pointers(s);
    auto r0 = helper_result(*h, *args);
    if (!r0) return std::unexpected(r0.error());
    if (h->proto.refs.acquires != helpers::RefKind::None) // released by its partner, or by a NULL check
        acquire_reference(s, *h, *r0);
    s.reg(0) = *r0;
    return {};
}

// The map of the call's ConstMapPtr argument when the helper's on_socket_maps names its
// type (the kernel resolves the argument types from meta->map_ptr the same way).
const maps::MapDefinition* Analyzer::socket_map_argument(const AbstractState& s, const helpers::Helper& h) const {
    if (h.on_socket_maps.map_types == 0) return nullptr;
    for (size_t i = 0; i < h.proto.args.size(); ++i) {
        if (h.proto.args[i] != helpers::ArgType::ConstMapPtr) continue;
        const RegState& r = s.cur().regs[i + 1];
        if (r.type == RegType::MapPtr && r.map &&
            (h.on_socket_maps.map_types & helpers::map_type_bit(r.map->type)))
            return r.map;
    }
    return nullptr;
}

Status Analyzer::check_helper_allowed(const AbstractState& s, const helpers::Helper& h) const {
    if (!(h.allowed & mask_of(input_.type)))
        return violation(Reason::HelperNotAllowed, fmt::format("helper {}#{} is not allowed in {} programs", h.name,
                                                               h.id, to_string(input_.type)));
    if (!(h.allowed_attach & attach_mask_of(input_.attach)))
        return violation(Reason::HelperNotAllowed,
                         fmt::format("helper {}#{} is not allowed in {} programs attached to cgroup/{}", h.name, h.id,
                                     to_string(input_.type), to_string(input_.attach)));
    // An arbitrary read of the host's memory: the kernel's CAP_PERFMON helpers, which also
    // come with pointer leaks allowed; so here only under the privileged rules.
    if (h.proto.reads_any_address && !leaks_allowed())
        return violation(Reason::HelperNotAllowed,
                         fmt::format("helper {}#{} reads host memory at any address the program names: it needs the "
                                     "privileged rules (allow_ptr_leaks; the kernel's CAP_PERFMON)",
                                     h.name, h.id));
    if (s.lock && h.proto.lock != helpers::LockRole::Unlock)
        return violation(Reason::SpinLock, fmt::format("{} is called while holding the bpf_spin_lock taken at insn {}",
                                                       h.name, s.lock->acquired_at));
    return {};
}

Status Analyzer::apply_lock_role(AbstractState& s, const helpers::Helper& h,
                                 const std::optional<AbstractState::Lock>& lock) {
    if (lock && h.proto.lock == helpers::LockRole::Lock) {
        if (s.lock)
            return violation(Reason::SpinLock, fmt::format("a second bpf_spin_lock while holding the one taken at insn {}",
                                                           s.lock->acquired_at));
        s.lock = lock;
    } else if (lock && h.proto.lock == helpers::LockRole::Unlock) {
        if (!s.lock) return violation(Reason::SpinLock, "bpf_spin_unlock without a bpf_spin_lock held");
        if (s.lock->map != lock->map || s.lock->id != lock->id)
            return violation(Reason::SpinLock, fmt::format("bpf_spin_unlock of another lock than the one taken at insn {}",
                                                           s.lock->acquired_at));
        s.lock.reset();
    }
    return {};
}

// The kernel's release_reference: every copy of the pointer dies, a ringbuf record's
// and a socket's alike. Each becomes uninitialised unless pointer leaks are allowed (the
// kernel's mark_reg_invalid: a number holding the old address would leak it),
// remembering the release so that a second release or a use says what happened.
void Analyzer::release_references(AbstractState& s, const std::vector<uint32_t>& released_ids) {
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
}

// The kernel's clear_all_pkt_pointers: every packet pointer (spilled ones too) is
// invalid, uninitialised unless pointer leaks are allowed (mark_reg_invalid): as a
// number it would hand the program the packet's host address.
// One id for the pointers this call invalidates: they pointed into one buffer at
// that moment, so two of them may still be subtracted (exec_alu.cpp).
void Analyzer::invalidate_packet_pointers(AbstractState& s) {
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

std::expected<RegState, Violation> Analyzer::helper_result(const helpers::Helper& h, const HelperArgs& args) {
    const maps::MapDefinition* map = args.map;
    RegState r0;
    switch (h.proto.ret) {
    case RetType::Integer: r0 = RegState::unknown_scalar(); break;
    case RetType::Void: break;
    case RetType::MapValueOrNull:
        if (!map) return violation(Reason::Unsupported, fmt::format("{} returns a map value without a map argument", h.name));
        if (engine_abi::is_map_in_map(map->type)) {
            if (!map->inner)
                return violation(Reason::HelperArgument, fmt::format("map-in-map '{}' has no inner map template", map->name));
            r0 = RegState::pointer(RegType::MapPtrOrNull);
            r0.map = map->inner.get();
        } else if (args.value_not_null) {
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
        r0 = RegState::pointer(h.proto.ret == RetType::SocketOrNull ? RegType::SocketOrNull : RegType::SockCommonOrNull);
        r0.id = fresh_id();
        break;
    case RetType::AllocMemOrNull:
        r0 = RegState::pointer(RegType::MemOrNull);
        r0.mem_size = uint32_t(std::min<uint64_t>(args.alloc_size, 1u << 29));
        r0.id = fresh_id();
        break;
    }
    return r0;
}

void Analyzer::acquire_reference(AbstractState& s, const helpers::Helper& h, RegState& r0) {
    if (r0.id == 0) r0.id = fresh_id();
    uint8_t callback_frame = 0;
    for (size_t f = s.frames.size(); f-- > 0;)
        if (s.frames[f].in_callback) {
            callback_frame = uint8_t(f + 1);
            break;
        }
    s.refs.push_back({r0.id, s.pc, h.proto.refs.acquires, callback_frame});
}

Status Analyzer::exec_local_call(AbstractState& s, const isa::Call& insn) {
    if (const GlobalCallee* g = scope_.summary_at(insn.target)) return exec_global_call(s, *g);
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
    if (scope_.entry && s.frames.size() == 1 && !s.cur().in_callback) return exit_global_function(s, step);
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

} // namespace ebpfjit::verifier
