// Callbacks (bpf_loop, bpf_for_each_map_elem, bpf_timer_set_callback): the forked path
// that enters the callback in a new frame (or, async, a state of its own), and the
// callback's exit, back to the helper call or, async, the end of its path.
#include <algorithm>

#include <fmt/format.h>

#include "verifier/analyzer.hpp"
#include "verifier/callback_widening.hpp"

namespace ebpfjit::verifier {

using helpers::ArgType;

// The callback runs on another path, from the state at the call (step.forked).
Status Analyzer::fork_callback(const AbstractState& s, const helpers::Helper& h, int32_t target,
                               const maps::MapDefinition* map, Step& step) {
    auto entry = callback_entry(s, h, target, map);
    if (!entry) {
        const bool deep = s.frames.size() >= isa::kMaxCallDepth && !h.proto.callback.async;
        return violation(deep ? Reason::CallDepthExceeded : Reason::Unsupported, entry.error().message);
    }
    step.forked = std::move(*entry);
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
