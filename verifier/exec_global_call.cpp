// Calls of global functions proven on their own (global_calls.hpp), and the two ends of
// such a function's own walk: its entry state and its exit. The kernel's
// btf_check_subprog_call / btf_prepare_func_args and its exit rules for global subprograms.
#include <algorithm>

#include <fmt/format.h>

#include "verifier/analyzer.hpp"

namespace ebpfjit::verifier {

namespace {

std::string_view arg_kind_name(GlobalArgKind k) {
    switch (k) {
    case GlobalArgKind::Ctx: return "ctx";
    case GlobalArgKind::Scalar: return "scalar";
    case GlobalArgKind::Memory: return "memory";
    }
    return "?";
}

} // namespace

// Read (the callee may read every byte: initialised, no spilled pointer as data), then
// written (it may write every byte: caller stack bytes become unknown data).
Status Analyzer::check_sized_memory(AbstractState& s, uint8_t regno, uint32_t size) {
    if (auto st = check_helper_memory(s, regno, size, Access::HelperRead); !st) return st;
    return check_helper_memory(s, regno, size, Access::Write);
}

Status Analyzer::check_global_arg(AbstractState& s, const GlobalCallee& g, size_t i) {
    const GlobalArg& arg = g.fn->args[i];
    const uint8_t regno = uint8_t(i + 1);
    if (auto st = read_reg(s, regno); !st) return st;
    const RegState& r = s.reg(regno);
    switch (arg.kind) {
    case GlobalArgKind::Ctx:
        // The callee's ctx accesses are typed for the ctx itself (field offsets from 0).
        if (r.type != RegType::Ctx || r.off != 0 || !r.var.is_const() || r.var.value() != 0)
            return violation(Reason::HelperArgument,
                             fmt::format("expects pointer to ctx, got {}", describe(s, regno)));
        return {};
    case GlobalArgKind::Scalar:
        if (!r.is_scalar())
            return violation(Reason::HelperArgument, fmt::format("R{} is not a scalar: {}", regno, describe(s, regno)));
        return {};
    case GlobalArgKind::Memory:
        if (r.is_null_const()) {
            mark_precise(s, {regno});
            return {};
        }
        // The callee's memory argument is not a packet pointer to its own walk: one that
        // may move the packet would keep using the old bytes (the kernel's words).
        if (r.is_packet_like() && g.changes_packet)
            return violation(Reason::HelperArgument,
                             fmt::format("arg#{} is a packet pointer, but func#{} may change packet data: {}", i,
                                         g.func_index, describe(s, regno)));
        // A value that may be NULL is checked as if it were not (the kernel's check_mem_reg):
        // the callee's own proof compares it with NULL before any use.
        if (r.type == RegType::MapValueOrNull || r.type == RegType::MemOrNull) {
            const RegState saved = r;
            s.reg(regno).type = r.type == RegType::MapValueOrNull ? RegType::MapValue : RegType::Mem;
            Status st = check_sized_memory(s, regno, arg.size);
            s.reg(regno) = saved;
            return st;
        }
        return check_sized_memory(s, regno, arg.size);
    }
    return {};
}

Status Analyzer::exec_global_call(AbstractState& s, const GlobalCallee& g) {
    if (s.lock)
        return violation(Reason::SpinLock,
                         fmt::format("global function calls are not allowed while holding a lock (the bpf_spin_lock "
                                     "taken at insn {})",
                                     s.lock->acquired_at));
    // Its own walk holds no reference: a tail call there would leave the caller's unreleased.
    if (g.may_tail_call && !s.refs.empty())
        return violation(Reason::ReferenceLeak,
                         fmt::format("tail_call would lead to reference leak: func#{} ('{}') may tail-call while {}",
                                     g.func_index, g.fn->name, unreleased(s.refs.front())));
    for (size_t i = 0; i < g.fn->args.size(); ++i)
        if (auto st = check_global_arg(s, g, i); !st)
            return violation(st.error().reason,
                             fmt::format("Caller passes invalid args into func#{} ('{}'): arg#{} ({}): {}", g.func_index,
                                         g.fn->name, i, arg_kind_name(g.fn->args[i].kind), st.error().text));
    if (input_.log_level >= 2)
        trace_ += fmt::format("{}: Func#{} ('{}') is global and assumed valid.\n", s.pc, g.func_index, g.fn->name);
    if (std::find(global_calls_reached_.begin(), global_calls_reached_.end(), g.fn->start) ==
        global_calls_reached_.end())
        global_calls_reached_.push_back(g.fn->start);
    entry_.summarised_call = true; // precision: no frame pushed (precision.cpp)
    if (g.changes_packet) invalidate_packet_pointers(s);
    for (uint8_t r = 1; r <= 5; ++r) s.reg(r) = RegState{};
    s.reg(0) = RegState::unknown_scalar();
    s.pc += 1;
    return {};
}

AbstractState Analyzer::global_entry_state() const {
    const GlobalFunction& fn = *scope_.entry->fn;
    AbstractState s;
    s.frames.resize(1);
    s.pc = fn.start;
    FrameState& f = s.frames[0];
    f.subprogram = shape_.subprogram_of[fn.start];
    f.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
    for (size_t i = 0; i < fn.args.size(); ++i) {
        RegState& r = f.regs[i + 1];
        switch (fn.args[i].kind) {
        case GlobalArgKind::Ctx: r = RegState::pointer(RegType::Ctx); break;
        case GlobalArgKind::Scalar: r = RegState::unknown_scalar(); break;
        case GlobalArgKind::Memory: // NULL or `size` bytes: a NULL check comes first
            r = RegState::pointer(RegType::MemOrNull);
            r.mem_size = fn.args[i].size;
            r.id = uint32_t(i + 1); // the constructor starts fresh ids above these
            break;
        }
    }
    if (loop_pass_) {
        s.zone.emplace();
        (void)s.zone->bound_value(Zone::kLen, 0, uint64_t(max_region_length()));
    }
    return s;
}

Status Analyzer::exit_global_function(AbstractState& s, Step& step) {
    const GlobalFunction& fn = *scope_.entry->fn;
    const RegState& r0 = s.reg(0);
    if (s.lock)
        return violation(Reason::SpinLock, fmt::format("exit without bpf_spin_unlock of the lock taken at insn {}",
                                                       s.lock->acquired_at));
    if (!fn.returns_void && r0.type == RegType::NotInit)
        return violation(Reason::UninitializedRegister, fmt::format("R0 !read_ok: {}() returns an int", fn.name));
    // The caller gets an unknown scalar: a pointer here would reach it as a number.
    if ((!fn.returns_void || !leaks_allowed()) && r0.is_pointer())
        return violation(Reason::ReturnValue,
                         fmt::format("At subprogram exit the register R0 is not a scalar value ({})", describe(s, 0)));
    if (!s.refs.empty()) return violation(Reason::ReferenceLeak, unreleased(s.refs.front()));
    step.path_ended = true;
    return {};
}

} // namespace ebpfjit::verifier
