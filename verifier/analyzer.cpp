// The worklist driver: depth-first over paths, checkpoints at pruning points, facts
// gathered per visited slot, and the final whole-program checks (combined stack).
#include "verifier/analyzer.hpp"

#include <utility>

#include <fmt/format.h>

#include "isa/disassembler.hpp"
#include "verifier/combined_stack.hpp"
#include "verifier/ranking.hpp"

namespace ebpfjit::verifier {

namespace {

// The kernel's BPF_COMPLEXITY_LIMIT_JMP_SEQ: unexplored branches at once.
constexpr size_t kMaxPending = 8192;
// State units (a register or a stack slot) compared, copied or walked back over, in all.
// Real programs stay far below; hostile ones are cut here instead of running for minutes.
constexpr uint64_t kWorkBudget = 150'000'000;
// What stored checkpoints and pending branches may hold at once. Hostile programs (a fuzzer
// found one) otherwise keep gigabytes of states within the other limits.
constexpr uint64_t kStateMemoryBudget = uint64_t{256} << 20; // a 2,545-insn parser needs 8 MiB

bool is_memory_insn(const isa::Instruction& insn) {
    return std::holds_alternative<isa::Load>(insn) || std::holds_alternative<isa::Store>(insn) ||
           std::holds_alternative<isa::Atomic>(insn);
}

// The kernel's jmps_processed counts the JMP class: jumps, calls and exits.
bool is_jump_class(const isa::Instruction& insn) {
    return std::holds_alternative<isa::Jump>(insn) || std::holds_alternative<isa::Call>(insn) ||
           std::holds_alternative<isa::CallX>(insn) || std::holds_alternative<isa::Exit>(insn);
}

} // namespace

Analyzer::Analyzer(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape,
                   bool loop_pass, const WalkScope& scope)
    : program_(program), input_(input), loop_pass_(loop_pass), scope_(scope), shape_(shape),
      ctx_layout_(engine_abi::context_layout(input.type, input.attach)), liveness_(program, input.helpers, shape.subprogram_starts, input.maps),
      checkpoints_(program, liveness_, input.allow_uninit_stack, input.allow_ptr_leaks, loop_pass) {
    const size_t n = program.size();
    loop_head_.assign(n, false);
    for (size_t pc = 0; pc < n; ++pc)
        if (const auto* j = std::get_if<isa::Jump>(&program.insns[pc]); j && j->target <= int64_t(pc))
            loop_head_[size_t(j->target)] = true;
    if (loop_pass_) {
        heads_.resize(n);
        thresholds_.emplace(program);
        join_head_.assign(n, false);
        for (uint32_t head : cycle_heads(program)) join_head_[head] = true;
    }
    facts_.reachable.assign(n, false);
    facts_.access_in_bounds.assign(n, false);
    facts_.divisor_safe.assign(n, false);
    facts_.upper32_zero.assign(n, 0);
    facts_.ctx_access.assign(n, CtxAccess{});
    visited_.assign(n, 0);
    access_base_.assign(n, 0);
    stack_depth_.assign(shape.subprogram_starts.size(), 0);
    uninit_reads_.assign(shape.subprogram_starts.size(), {0, 0});
    if (scope_.entry) last_id_ = isa::kNumRegisters; // global_entry_state's ids are the registers'
}

AbstractState Analyzer::initial_state() const {
    if (scope_.entry) return global_entry_state();
    AbstractState s;
    s.frames.resize(1);
    FrameState& f = s.frames[0];
    f.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
    if (input_.type == ProgramType::Mem) {
        // r1 = buffer, r2 = its length: the buffer is read like a packet whose end is
        // r1 + r2, and comparisons of the length against constants prove ranges.
        f.regs[1] = RegState::pointer(RegType::Packet);
        f.regs[2] = RegState::unknown_scalar();
        f.regs[2].is_mem_length = true;
        f.regs[2].var = Scalar::unsigned_range(0, uint64_t(max_packet_offset()));
    } else {
        f.regs[1] = RegState::pointer(RegType::Ctx);
    }
    if (loop_pass_) {
        s.zone.emplace();
        if (input_.type == ProgramType::Mem) f.regs[2].sym = Zone::kLen; // r2 is the length
        (void)s.zone->bound_value(Zone::kLen, 0, uint64_t(max_region_length()));
    }
    return s;
}

Status Analyzer::read_reg(const AbstractState& s, uint8_t n) const {
    const RegState& r = s.cur().regs[n];
    if (r.is_released())
        return violation(Reason::ReferenceRelease,
                         fmt::format("r{} is not initialized: it held the reference acquired at insn {}, released at "
                                     "insn {}",
                                     n, r.off, r.released_at - 1));
    if (r.type == RegType::NotInit && r.invalidated_at)
        return violation(Reason::UninitializedRegister,
                         fmt::format("r{} is not initialized: it held a packet pointer, invalidated by the "
                                     "packet-changing helper call at insn {}",
                                     n, r.invalidated_at - 1));
    if (r.type == RegType::NotInit)
        return violation(Reason::UninitializedRegister, fmt::format("r{} is not initialized", n));
    return {};
}

std::string Analyzer::describe(const AbstractState& s, uint8_t n) const {
    return fmt::format("r{} = {}", n, s.cur().regs[n].to_string());
}

void Analyzer::note_stack_depth(const AbstractState& s, uint8_t frame, int64_t lowest_offset) {
    uint32_t sub = s.frames[frame].subprogram;
    stack_depth_[sub] = std::max<uint32_t>(stack_depth_[sub], uint32_t(-lowest_offset));
}

void Analyzer::record_facts(const AbstractState& s) {
    const uint32_t pc = s.pc;
    uint16_t upper = 0;
    for (uint8_t r = 0; r < isa::kNumRegisters; ++r) {
        const RegState& reg = s.cur().regs[r];
        if (reg.is_scalar() && reg.var.upper32_zero()) upper |= uint16_t(1u << r);
    }
    bool divisor_safe = false;
    if (const auto* alu = std::get_if<isa::Alu>(&program_.insns[pc])) {
        bool is_signed = alu->op == isa::AluOp::SDiv || alu->op == isa::AluOp::SMod;
        if (is_signed || alu->op == isa::AluOp::Div || alu->op == isa::AluOp::Mod) {
            Scalar d = std::holds_alternative<isa::Imm>(alu->src)
                           ? Scalar::constant(uint64_t(int64_t(std::get<isa::Imm>(alu->src).v)))
                           : s.cur().regs[std::get<isa::Reg>(alu->src).n].var;
            if (std::holds_alternative<isa::Reg>(alu->src) &&
                !s.cur().regs[std::get<isa::Reg>(alu->src).n].is_scalar())
                d = Scalar::unknown();
            if (alu->is64)
                divisor_safe = !d.contains(0) && !(is_signed && d.contains(~0ULL));
            else
                divisor_safe = !d.contains32(0) && !(is_signed && d.contains32(~0U));
        }
    }
    if (!visited_[pc]) {
        visited_[pc] = 1;
        facts_.reachable[pc] = true;
        facts_.upper32_zero[pc] = upper;
        facts_.divisor_safe[pc] = divisor_safe;
        facts_.access_in_bounds[pc] = is_memory_insn(program_.insns[pc]);
        if (std::holds_alternative<isa::LoadImm64>(program_.insns[pc]) && pc + 1 < program_.size())
            facts_.reachable[pc + 1] = true;
    } else {
        facts_.upper32_zero[pc] &= upper;
        facts_.divisor_safe[pc] = facts_.divisor_safe[pc] && divisor_safe;
    }
}

Status Analyzer::record_ctx_access(const AbstractState& s, uint8_t base, int32_t off, uint32_t size) {
    const uint32_t pc = s.pc;
    CtxAccess now;
    if (s.cur().regs[base].type == RegType::Ctx) {
        // check_ctx_access admitted only the unmodified ctx (off 0) and a field covering
        // [off, off + size): the field is a function of the instruction alone.
        const engine_abi::CtxField* field = ctx_layout_ ? ctx_layout_->field_at(off, size) : nullptr;
        if (!field) return violation(Reason::ContextAccess, fmt::format("no ctx field at offset {} size {}", off, size));
        now = CtxAccess{true, field->offset, field->size};
    }
    const uint8_t kind = now.via_ctx ? 1 : 2;
    if (access_base_[pc] == 0) {
        access_base_[pc] = kind;
        facts_.ctx_access[pc] = now;
        return {};
    }
    if (access_base_[pc] != kind || facts_.ctx_access[pc] != now)
        return violation(Reason::ContextAccess,
                         fmt::format("same insn cannot be used with different pointers: {} here, {} on another path",
                                     describe(s, base),
                                     access_base_[pc] == 1 ? fmt::format("the ctx (field at offset {})",
                                                                         facts_.ctx_access[pc].field_offset)
                                                           : std::string("not the ctx")));
    return {};
}

std::string Analyzer::headline(uint32_t pc, const Violation& v) const {
    isa::HelperNamer namer = [this](int32_t id) -> std::string_view {
        if (!input_.helpers) return {};
        const helpers::Helper* h = input_.helpers->find(id);
        return h ? h->name : std::string_view{};
    };
    std::string text = fmt::format("insn {}: {}: {}", pc, isa::disassemble(program_.insns[pc], pc, namer), v.text);
    // The source line of this slot or the nearest one before it.
    const LineInfo* best = nullptr;
    for (const LineInfo& li : input_.line_info)
        if (li.slot <= pc && (!best || li.slot >= best->slot)) best = &li;
    if (best) text += fmt::format(" (source: {})", best->text);
    return text;
}

Status Analyzer::execute(AbstractState& s, Step& step) {
    const isa::Instruction& insn = program_.insns[s.pc];
    return std::visit(
        [&](const auto& i) -> Status {
            using T = std::decay_t<decltype(i)>;
            Status st;
            if constexpr (std::is_same_v<T, isa::Alu>) {
                if (!s.zone) {
                    st = exec_alu(s, i);
                } else { // loop pass: what the operation says about differences of values
                    const auto* src = std::get_if<isa::Reg>(&i.src);
                    if (i.op == isa::AluOp::Add || i.op == isa::AluOp::Sub) { // name the operands first
                        if (i.dst.n != isa::kFramePointer) ensure_sym(s, s.reg(i.dst.n));
                        if (src && src->n != isa::kFramePointer) ensure_sym(s, s.reg(src->n));
                    }
                    const RegState dst_before = s.reg(i.dst.n);
                    const RegState src_before =
                        src ? s.reg(src->n)
                            : RegState::scalar(Scalar::constant(uint64_t(int64_t(std::get<isa::Imm>(i.src).v))));
                    const ShiftOut pending = std::exchange(shift_out_, ShiftOut{});
                    note_shift_out(s, i);
                    st = exec_alu(s, i);
                    if (st) {
                        relate_alu(s, i, dst_before, src_before);
                        shift_back(s, i, pending);
                        collect_zone_garbage(s);
                    }
                }
            }
            else if constexpr (std::is_same_v<T, isa::Endian>) st = exec_endian(s, i);
            else if constexpr (std::is_same_v<T, isa::Load>) st = exec_load(s, i);
            else if constexpr (std::is_same_v<T, isa::Store>) st = exec_store(s, i);
            else if constexpr (std::is_same_v<T, isa::Atomic>) st = exec_atomic(s, i);
            else if constexpr (std::is_same_v<T, isa::PacketLoad>) st = exec_packet_load(s, i);
            else if constexpr (std::is_same_v<T, isa::LoadImm64>) {
                st = exec_lddw(s, i);
                if (st) s.pc += 2;
                return st;
            } else if constexpr (std::is_same_v<T, isa::Jump>) return exec_jump(s, i, step);
            else if constexpr (std::is_same_v<T, isa::Call>) return exec_call(s, i, step);
            else if constexpr (std::is_same_v<T, isa::Exit>) return exec_exit(s, step);
            else if constexpr (std::is_same_v<T, isa::CallX>)
                return violation(Reason::Unsupported, "indirect calls (callx) cannot be verified");
            else return violation(Reason::Unsupported, "execution reached the second slot of an LDDW");
            if (st) s.pc += 1;
            return st;
        },
        insn);
}

bool Analyzer::walk_on_after_giving_up(uint32_t head, uint64_t processed) {
    walk_gave_up_ = true;
    gave_up_at_ = head;
    processed_at_give_up_ = processed;
    if (!on_give_up_ || on_give_up_()) return false;
    walked_on_ = true;
    loop_arrival_limit_ = 0; // every loop enumerated from here on, as the kernel does
    if (input_.log_level >= 2)
        trace_ += fmt::format("{}: the loop pass did not prove the program: the walk goes on\n", head);
    return true;
}

void Analyzer::run(Report& report) {
    enumerated_.assign(program_.size(), false);
    for (uint32_t head : enumerated_heads_)
        if (head < program_.size()) enumerated_[head] = true;
    AbstractState cur = initial_state();
    std::vector<AbstractState> pending;
    uint64_t pending_bytes = 0; // state_bytes of `pending`, as pushed
    uint64_t processed = 0;
    uint64_t processed_at_store = 0, jumps_since_store = 0; // for the store heuristic
    std::vector<uint32_t> branch_visits(program_.size(), 0);
    bool resumed_head = false; // cur is a loop head's joined state: it is the head's, not an arrival
    // Enumerated heads: arrivals from outside the loop (entries) and round it (trips), and
    // the loop's body, built at the first arrival.
    std::vector<uint64_t> head_trips(loop_arrival_limit_ ? program_.size() : 0, 0);
    std::vector<uint64_t> head_entries(head_trips.size(), 0);
    LoopBodyCache bodies(program_);
    uint32_t prev_pc = UINT32_MAX; // the slot this path executed just before cur.pc
    const uint64_t complexity_limit = std::min(input_.complexity_limit, kComplexityLimit);
    auto reject = [&](uint32_t pc, const Violation& v) {
        std::string line = headline(pc, v);
        report.rejection = Rejection{v.reason, pc, line};
        if (input_.log_level >= 1) trace_ += fmt::format("{}\n  state: {}\n", line, format_state(cur));
        else trace_ += line + "\n";
    };
    while (true) {
        if (++processed > complexity_limit) {
            // Blame the branch taken most often: usually the loop whose bound is unknown.
            uint32_t blamed = cur.pc;
            for (uint32_t pc = 0; pc < branch_visits.size(); ++pc)
                if (branch_visits[pc] > branch_visits[blamed]) blamed = pc;
            reject(blamed, {Reason::ComplexityLimit,
                            fmt::format("program is too complex: more than {} instructions processed, {} of "
                                        "them at this branch (a loop whose bound cannot be proven?)",
                                        complexity_limit, branch_visits[blamed])});
            break;
        }
        if (const uint64_t held = checkpoints_.retained_bytes() + pending_bytes; held > kStateMemoryBudget) {
            reject(cur.pc, {Reason::ComplexityLimit,
                            fmt::format("program is too complex: the verifier's states would need more than {} MiB "
                                        "after {} instructions processed",
                                        kStateMemoryBudget >> 20, processed)});
            break;
        }
        report.stats.peak_state_bytes =
            std::max(report.stats.peak_state_bytes, checkpoints_.retained_bytes() + pending_bytes);
        if (checkpoints_.work() > kWorkBudget) {
            reject(cur.pc, {Reason::ComplexityLimit,
                            fmt::format("program is too complex: state comparisons exceed the verifier's budget "
                                        "after {} instructions processed",
                                        processed)});
            break;
        }
        bool path_over = false;
        if (cur.zone && (shape_.prune_point[cur.pc] || join_head_[cur.pc])) bound_dead_symbols(cur);
        if (loop_pass_ && join_head_[cur.pc] && !resumed_head) {
            auto verdict = arrive_at_loop_head(cur, goes_round(cur.pc, prev_pc));
            if (!verdict) {
                reject(cur.pc, {Reason::ComplexityLimit, verdict.error().message});
                break;
            }
            path_over = *verdict != HeadVerdict::Continue;
            if (input_.log_level >= 2 && path_over)
                trace_ += fmt::format("{}: {}\n", cur.pc,
                                      *verdict == HeadVerdict::Prune ? "covered by the loop head's state"
                                                                     : "joined into the loop head's state");
        }
        resumed_head = false;
        if (!path_over && shape_.prune_point[cur.pc]) {
            bool relaxed = false;
            // After the kernel's heuristic (is_state_visited): store a new checkpoint only
            // after 2 jumps or 8 instructions since the last one, or at a callback call. The
            // kernel asks for both (2 jumps and 8 instructions); either stores a little more
            // often and, measured on the examples and the big parser, processes fewer
            // instructions (pruning points as the kernel's, structural_check.cpp). Every
            // pruning point still looks for a match, and the first path to reach one stores
            // there whatever the heuristic says (Checkpoints::visit); storing at all of them
            // made a tight loop keep several states per iteration (1.5 instructions per
            // state, 256 MiB in 170k instructions on fuzzer-found programs).
            const bool may_store = shape_.calls_callback[cur.pc] || jumps_since_store >= 2 ||
                                   processed - processed_at_store >= 8;
            // Round a loop through a checkpoint still being explored (the walk only; the
            // loop pass joins at loop heads instead): the kernel stores after 20 jumps or
            // 100 instructions there; 8 or 20 measured better on the corpus (loxilb's
            // round-robin choice 53,498 -> 44,966 processed, Calico's tc drop program
            // 1,883 -> 1,607, the kernel 67,351 and 1,849).
            const bool may_store_in_loop =
                loop_pass_ ? may_store
                           : shape_.calls_callback[cur.pc] || jumps_since_store >= 8 || processed - processed_at_store >= 20;
            const uint64_t stored_before = checkpoints_.stored();
            // The loop pass prunes a state equal to an in-progress ancestor's instead of
            // calling it an infinite loop: joined states are not exact, and termination
            // is the instruction budget's job there (Facts::budget_loops).
            Checkpoints::Verdict v =
                checkpoints_.visit(cur, relaxed, shape_.calls_callback[cur.pc] || loop_pass_, may_store,
                                   may_store_in_loop);
            if (checkpoints_.stored() != stored_before) {
                jumps_since_store = 0;
                processed_at_store = processed;
            }
            if (relaxed) {
                relaxed_roots_.push_back(cur.pc);
                for (size_t f = 1; f < cur.frames.size(); ++f) // a callback returns to its call itself
                    relaxed_roots_.push_back(uint32_t(cur.frames[f].callsite + (cur.frames[f].in_callback ? 0 : 1)));
            }
            if (v == Checkpoints::Verdict::InfiniteLoop) {
                reject(cur.pc, {Reason::InfiniteLoop,
                                "infinite loop: this state repeats with nothing changed since the last visit"});
                break;
            }
            if (v == Checkpoints::Verdict::Prune) {
                path_over = true;
                // Bytes this path never wrote stood in for the stored path's data: the
                // continuation reads them as such, so they must read as zeros.
                for (const Checkpoints::UninitByte& b : checkpoints_.uninit_matched())
                    note_uninit_read(cur, b.frame, b.off);
                if (input_.log_level >= 2) trace_ += fmt::format("{}: safe (pruned)\n", cur.pc);
            }
        }
        // Only arrivals that go on count: a loop head many paths reach and prune at once
        // costs nothing to enumerate (a parser's header loop reached from every branch).
        // In the loop pass the limit is the enumerated heads': one that reaches it has its
        // states joined from this arrival on, which becomes its first state (its earlier
        // arrivals were walked; a joined head's arrivals are bounded by widening).
        if (!path_over && loop_pass_ && loop_arrival_limit_ && enumerated_[cur.pc] &&
            loop_too_long(cur.pc, prev_pc, head_trips, head_entries, bodies)) {
            if (give_up_enumerating_) {
                walk_gave_up_ = true;
                gave_up_at_ = cur.pc;
                reject(cur.pc, {Reason::ComplexityLimit,
                                fmt::format("program is too complex: the enumerated loop at insn {} went round {} "
                                            "times from {} entries",
                                            cur.pc, head_trips[cur.pc], head_entries[cur.pc])});
                break;
            }
            enumerated_[cur.pc] = false;
            switched_heads_.push_back(cur.pc);
            auto verdict = arrive_at_loop_head(cur, false); // the first of its shape: goes on
            if (!verdict) {
                reject(cur.pc, {Reason::ComplexityLimit, verdict.error().message});
                break;
            }
            if (input_.log_level >= 2) trace_ += fmt::format("{}: the loop's states are joined from here on\n", cur.pc);
        }
        if (!path_over && !loop_pass_ && loop_arrival_limit_ && loop_head_[cur.pc] &&
            loop_too_long(cur.pc, prev_pc, head_trips, head_entries, bodies) &&
            !walk_on_after_giving_up(cur.pc, processed)) {
            reject(cur.pc, {Reason::ComplexityLimit,
                            fmt::format("program is too complex: the loop at insn {} went round {} times from {} "
                                        "entries (the walk enumerates {} trips, and {} more per entry)",
                                        cur.pc, head_trips[cur.pc], head_entries[cur.pc], loop_arrival_limit_,
                                        kTripsPerEntry)});
            break;
        }
        if (!path_over) {
            record_facts(cur);
            if (input_.log_level >= 2)
                trace_ += fmt::format("{}: {}  ; {}\n", cur.pc, isa::disassemble(program_.insns[cur.pc], cur.pc),
                                      format_state(cur));
            const uint32_t pc = cur.pc;
            if (const auto* j = std::get_if<isa::Jump>(&program_.insns[pc]); j && j->cond != isa::Cond::Always)
                ++branch_visits[pc];
            if (is_jump_class(program_.insns[pc])) ++jumps_since_store;
            const AbstractState before = input_.log_level >= 1 ? cur : AbstractState{};
            Step step;
            entry_ = HistoryEntry{};
            entry_.pc = pc;
            entry_.depth = uint8_t(cur.frames.size());
            Status st = execute(cur, step);
            if (!st) {
                if (input_.log_level >= 1) cur = before;
                reject(pc, st.error());
                break;
            }
            if (!step.path_ended) cur.history.push_back(entry_);
            prev_pc = pc;
            if (step.forked) {
                if (pending.size() >= kMaxPending) {
                    reject(pc, {Reason::ComplexityLimit,
                                fmt::format("program is too complex: more than {} branches pending", kMaxPending)});
                    break;
                }
                step.forked->history.push_back(entry_);
                checkpoints_.charge(state_size(*step.forked));
                checkpoints_.on_fork(step.forked->parent);
                pending_bytes += state_bytes(*step.forked);
                pending.push_back(std::move(*step.forked));
                report.stats.peak_pending = std::max<uint32_t>(report.stats.peak_pending, uint32_t(pending.size()));
            }
            path_over = step.path_ended;
        }
        if (path_over) {
            shift_out_ = ShiftOut{}; // the next state is another path's
            checkpoints_.on_path_end(cur.parent);
            if (pending.empty()) {
                if (deferred_heads_.empty()) break;
                // Every path of this round ended: explore a joined loop head's state, the
                // innermost (highest slot) first, so an inner loop settles before its
                // outer loop's next round.
                auto next = std::max_element(deferred_heads_.begin(), deferred_heads_.end());
                HeadState& head = heads_[next->first][next->second];
                deferred_heads_.erase(next);
                head.queued = false;
                cur = head.state;
                if (cur.zone) cur.zone->close(); // the head keeps a widened zone unclosed (state_join.cpp)
                tighten_packet_offsets(cur);
                resumed_head = true;
                prev_pc = UINT32_MAX;
                if (input_.log_level >= 2) trace_ += fmt::format("{}: exploring the loop head's joined state\n", cur.pc);
                continue;
            }
            cur = std::move(pending.back());
            prev_pc = cur.history.empty() ? UINT32_MAX : cur.history.back().pc; // the branch it forked at
            pending.pop_back();
            pending_bytes -= std::min(pending_bytes, state_bytes(cur));
        }
    }
    report.stats.processed_insns = processed;
    report.stats.states_stored = checkpoints_.stored();
    report.stats.states_pruned = checkpoints_.pruned();

    if (!report.rejection)
        if (auto v = check_combined_stack(shape_, facts_.reachable, stack_depth_)) {
            cur = AbstractState{};
            reject(v->insn, v->violation);
        }
    if (!report.rejection) {
        weaken_facts_after_relaxed_prunes();
        record_loop_termination();
        record_stack_zero();
        report.facts = std::move(facts_);
        report.stack_depth = stack_depth_;
        report.global_calls_reached = global_calls_reached_;
    }
    report.log = std::move(trace_);
}

} // namespace ebpfjit::verifier

namespace ebpfjit::verifier {

void Analyzer::mark_precise(const AbstractState& s, std::initializer_list<uint8_t> regs) {
    uint16_t mask = 0;
    for (uint8_t r : regs)
        if (r < isa::kNumRegisters && s.cur().regs[r].is_scalar()) mask = uint16_t(mask | (1u << r));
    checkpoints_.mark_precise(s, mask);
}

// Slots a path pruned by a relaxed prune could reach (its root and everything after it,
// callees and callbacks included): there it may carry values no explored path had.
std::vector<uint8_t> Analyzer::reached_from_relaxed_prunes() const {
    const size_t n = program_.size();
    std::vector<uint8_t> seen(n, 0);
    std::vector<uint32_t> work;
    auto push = [&](int64_t pc) {
        if (pc >= 0 && size_t(pc) < n && !seen[size_t(pc)]) {
            seen[size_t(pc)] = 1;
            work.push_back(uint32_t(pc));
        }
    };
    for (uint32_t pc : relaxed_roots_) push(pc);
    while (!work.empty()) {
        const uint32_t pc = work.back();
        work.pop_back();
        const isa::Instruction& insn = program_.insns[pc];
        if (const auto* j = std::get_if<isa::Jump>(&insn)) {
            push(j->target);
            if (j->cond != isa::Cond::Always) push(int64_t(pc) + 1);
        } else if (const auto* c = std::get_if<isa::Call>(&insn)) {
            if (c->kind == isa::CallKind::Local) push(c->target);
            push(int64_t(pc) + 1);
        } else if (const auto* l = std::get_if<isa::LoadImm64>(&insn)) {
            if (l->kind == isa::LddwKind::CodeAddr) push(int64_t(pc) + 1 + l->imm); // a callback
            push(int64_t(pc) + 2);
        } else if (!std::holds_alternative<isa::Exit>(insn)) {
            push(int64_t(pc) + 1);
        }
    }
    return seen;
}

// A relaxed prune proves safety, but the pruned path may carry values the stored path
// never had in registers nothing checked (say, a different upper half): the
// value-dependent facts of everything it could reach are re-derived from the code alone.
void Analyzer::weaken_facts_after_relaxed_prunes() {
    if (relaxed_roots_.empty()) return;
    const std::vector<uint8_t> reached = reached_from_relaxed_prunes();
    for (size_t pc = 0; pc < reached.size(); ++pc) {
        if (!reached[pc]) continue;
        facts_.upper32_zero[pc] = 0;
        if (const auto* alu = std::get_if<isa::Alu>(&program_.insns[pc])) {
            const bool is_signed = alu->op == isa::AluOp::SDiv || alu->op == isa::AluOp::SMod;
            const auto* imm = std::get_if<isa::Imm>(&alu->src);
            facts_.divisor_safe[pc] = facts_.divisor_safe[pc] && imm && imm->v != 0 && !(is_signed && imm->v == -1);
        }
    }
}

} // namespace ebpfjit::verifier
