// The Full-level checker: depth-first symbolic execution of every path, one abstract
// state at a time, with forks pushed on a worklist and pruning at checkpoints.
// The transfer functions live in exec_*.cpp, one file per instruction family.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/abstract_state.hpp"
#include "verifier/branch_refine.hpp"
#include "verifier/global_calls.hpp"
#include "engine_abi/context_layout.hpp"
#include "verifier/liveness.hpp"
#include "verifier/pruning.hpp"
#include "verifier/ranking.hpp"
#include "verifier/state_join.hpp"
#include "verifier/structural_check.hpp"
#include "verifier/verifier.hpp"
#include "verifier/violation.hpp"

namespace ebpfjit::verifier {

class Analyzer {
public:
    // loop_pass: the second pass (docs/loop-verification.md): loop heads join and widen
    // their states, and states carry a zone of relations between values.
    // scope: where the walk starts (the program, or a global function on its own) and
    // which global functions' calls it summarises (global_calls.hpp).
    Analyzer(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape,
             bool loop_pass = false, const WalkScope& scope = WalkScope{});
    // Path walk only: give up (ComplexityLimit, walk_gave_up() true) once a loop head was
    // reached this many times, to leave the loop to the loop pass. 0: no limit.
    // Loop pass: the limit holds at the enumerated heads (enumerate_at) only, and a head
    // that reaches it is joined from then on instead (such a loop is never ranked: its
    // head states miss the arrivals before).
    void limit_loop_arrivals(uint64_t n) { loop_arrival_limit_ = n; }
    // Path walk: called where the walk would give up (gave_up_at() is set); true: it does
    // (the caller proved the program otherwise), false: it walks on from there with no
    // loop limit, keeping every state and count it has (the walk with its whole budget,
    // not started again).
    void on_give_up(std::function<bool()> decide) { on_give_up_ = std::move(decide); }
    bool walk_gave_up() const { return walk_gave_up_; }
    bool walked_on() const { return walked_on_; } // gave up, then went on (on_give_up false)
    uint64_t processed_before_giving_up() const { return processed_at_give_up_; }
    uint32_t gave_up_at() const { return gave_up_at_; } // the head whose limit was reached
    // Loop pass: loop heads where states are not joined (the loop is enumerated as the
    // walk would), and the heads where this run joined states.
    void enumerate_at(std::vector<uint32_t> heads) { enumerated_heads_ = std::move(heads); }
    // Loop pass: an enumerated head reaching the arrival limit `n` ends the pass instead
    // (ComplexityLimit, walk_gave_up() true) rather than having its states joined from then on.
    void give_up_enumerating_after(uint64_t n) {
        loop_arrival_limit_ = n;
        give_up_enumerating_ = true;
    }
    const std::vector<uint32_t>& joined_heads() const { return joined_heads_; }
    // Explores every path; fills the report's rejection or facts, stats and log.
    void run(Report& report);

private:
    // HelperRead: a helper reads the bytes as data (a spilled pointer among them leaks).
    enum class Access : uint8_t { Read, Write, HelperRead };

    // What one instruction did to the path.
    struct Step {
        bool path_ended = false;             // exit from the entry frame
        std::optional<AbstractState> forked; // the other edge of a branch, to explore later
    };

    // The pending first half of a zero-extending shift pair (note_shift_out): valid only
    // on the path that executed it, for the next slot; the driver clears it when the path
    // changes.
    struct ShiftOut {
        uint32_t pc = UINT32_MAX;
        uint8_t reg = 0;
        uint32_t sym = 0;
        Scalar value;
    };

    AbstractState initial_state() const;
    // loop_heads.cpp (loop pass): a state reaching a loop head goes on (Continue: the
    // first of its shape, or an enumerated loop), is covered by the head's state (Prune),
    // or is joined (and widened) into it: the path goes on from the join (Continue), or,
    // when the pass enumerates a loop, ends there (Joined: the head's state is explored
    // once the worklist is empty, after every other arrival of the round).
    enum class HeadVerdict { Continue, Prune, Joined };
    // round_the_loop: the arrival came round a cycle through the head (goes_round); only
    // those are widened, and count towards kWidenAfter. An arrival from outside (the
    // first, or one of the several paths into a loop: a checksum loop after each way a
    // parser sets a header offset) is joined exactly: widening there moved a constant that
    // differs per entry (the offset 40, 42 .. 50) to a threshold (252), which no cycle
    // needed, and the access after the loop failed.
    Result<HeadVerdict> arrive_at_loop_head(AbstractState& s, bool round_the_loop);
    // The edge prev_pc -> head lies on a cycle: the head reaches prev_pc within its
    // subprogram (every cycle through a join head is widened there: its edge into the head
    // is such an edge). An edge from another subprogram (a callee's exit, a callback's)
    // counts as one too; no known predecessor (a path's start) does not.
    bool goes_round(uint32_t head, uint32_t prev_pc);
    std::vector<std::vector<bool>> reached_from_head_; // per join head, built at first use
    // An arrival at a loop head the walk (or the loop pass) enumerates, from `prev_pc`: true
    // once the trips round the loop exceed the arrival limit plus kTripsPerEntry per entry
    // into it, so that a short loop many paths enter (`for (i = 0; i < 3; i++)` after every
    // branch of a parser, a 128-byte copy after each way a name loop can end) is walked to
    // the end and a long or branching one is given up on (the walk) or joined (the pass).
    static constexpr uint64_t kTripsPerEntry = 64;
    bool loop_too_long(uint32_t head, uint32_t prev_pc, std::vector<uint64_t>& trips, std::vector<uint64_t>& entries,
                       LoopBodyCache& bodies) const;
    Status execute(AbstractState& s, Step& step);
    // The walk reached its loop limit at `head`: true when it goes on (on_give_up).
    bool walk_on_after_giving_up(uint32_t head, uint64_t processed);

    // exec_alu.cpp
    Status exec_alu(AbstractState& s, const isa::Alu& insn);
    Status exec_pointer_alu(AbstractState& s, const isa::Alu& insn, RegState& dst, const RegState& src);
    Status exec_endian(AbstractState& s, const isa::Endian& insn);
    Status exec_lddw(AbstractState& s, const isa::LoadImm64& insn);
    // exec_memory.cpp
    Status exec_load(AbstractState& s, const isa::Load& insn);
    void link_fill(AbstractState& s, uint8_t base, uint32_t size, RegState& loaded);
    void record_linked_copies(const AbstractState& s, uint32_t id_a, uint32_t id_b);
    Status exec_store(AbstractState& s, const isa::Store& insn);
    Status exec_atomic(AbstractState& s, const isa::Atomic& insn);
    Status exec_packet_load(AbstractState& s, const isa::PacketLoad& insn);
    // Checks base + off .. + size against the region `base` points into. For reads,
    // `loaded` receives the value; for writes, `value` is what is stored.
    Status check_access(AbstractState& s, uint8_t base, int32_t off, uint32_t size, Access access,
                        const RegState* value, RegState* loaded);
    Status check_stack_access(AbstractState& s, const RegState& ptr, uint8_t base, int32_t off, uint32_t size,
                              Access access, const RegState* value, RegState* loaded);
    Status check_cgroup_ctx_access(const engine_abi::CtxField& field, int64_t off, uint32_t size, Access access,
                                   const RegState* value, RegState* loaded);
    Status check_ctx_access(const RegState& ptr, uint8_t base, int32_t off, uint32_t size, Access access,
                            const RegState* value, RegState* loaded);
    Status check_region_bounds(const RegState& ptr, uint8_t base, int32_t off, uint32_t size, int64_t limit,
                               Reason reason, std::string_view what);
    // BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG of the map a MapValue pointer points into.
    Status check_atomic_alignment(const AbstractState& s, uint8_t base, int32_t off, uint32_t size);
    Status check_map_access_type(const RegState& ptr, int32_t off, uint32_t size, Access access);
    std::optional<Scalar> read_frozen_value(AbstractState& s, const RegState& ptr, uint8_t base, int32_t off,
                                            uint32_t size);
    // A helper's memory argument in r`regno` covers the spilled pointer at fp`off`.
    Status helper_reads_spilled_pointer(const AbstractState& s, uint8_t regno, int32_t off) const;
    // uninit_stack.cpp (allow_uninit_stack only): byte fp`off` of frame `frame`, never
    // proven written, is read; it joins its subprogram's zeroed range (Facts::stack_zero).
    void note_uninit_read(const AbstractState& s, uint8_t frame, int32_t off);
    void maybe_write_stack(StackState& stack, int32_t lo, int32_t hi); // may miss any byte
    // A helper writes at most `size` bytes through the stack pointer in r`regno`.
    Status helper_may_write_stack(AbstractState& s, uint8_t regno, uint64_t size);
    void record_stack_zero();                                          // uninit_reads_ -> facts_
    void record_loop_termination(); // loop pass: Facts::budget_loops and ranked_loops (loop_heads.cpp)
    // exec_jump.cpp
    Status exec_jump(AbstractState& s, const isa::Jump& insn, Step& step);

    // What a helper call's arguments give the rest of the call (helper_args.cpp).
    struct HelperArgs {
        const maps::MapDefinition* map = nullptr; // the ConstMapPtr argument's map (or the timer's)
        uint64_t alloc_size = 0;                  // the ConstAllocSizeOrZero argument
        std::vector<uint32_t> released_ids;       // references the call releases
        std::optional<AbstractState::Lock> lock;  // the PtrToSpinLock argument
        bool value_not_null = false;              // an array lookup at a known key below max_entries
        int32_t callback = -1;                    // the PtrToFunc argument's first slot
        const maps::MapDefinition* timer_map = nullptr; // the PtrToTimer argument's map
        uint8_t timer_regno = 0;                  // and its register, for a mismatch with the map's
    };

    // exec_call.cpp
    Status exec_call(AbstractState& s, const isa::Call& insn, Step& step);
    // A helper call: the steps below, in the order it takes them.
    Status exec_helper_call(AbstractState& s, const isa::Call& insn, Step& step);
    // The helper may be called here: program and attach type, privileges, no lock held.
    Status check_helper_allowed(const AbstractState& s, const helpers::Helper& h) const;
    const maps::MapDefinition* socket_map_argument(const AbstractState& s, const helpers::Helper& h) const;
    // bpf_spin_lock takes the lock its argument names, bpf_spin_unlock gives it back.
    Status apply_lock_role(AbstractState& s, const helpers::Helper& h, const std::optional<AbstractState::Lock>& lock);
    // Every copy of each released reference dies (the kernel's release_reference).
    void release_references(AbstractState& s, const std::vector<uint32_t>& released_ids);
    // After a packet-changing helper no packet pointer is valid (clear_all_pkt_pointers).
    void invalidate_packet_pointers(AbstractState& s);
    // The helper's r0, as its prototype's return type and its arguments say.
    std::expected<RegState, Violation> helper_result(const helpers::Helper& h, const HelperArgs& args);
    // The path holds the reference the helper acquires, under r0's id.
    void acquire_reference(AbstractState& s, const helpers::Helper& h, RegState& r0);
    // The kernel's check_reference_leak message, plus what the reference is.
    static std::string unreleased(const AbstractState::Ref& ref);
    Status exec_local_call(AbstractState& s, const isa::Call& insn);
    // exec_global_call.cpp: a call of a global function proven on its own: its arguments
    // against the prototype, then r0 unknown, r1-r5 gone, the passed memory rewritten.
    Status exec_global_call(AbstractState& s, const GlobalCallee& g);
    Status check_global_arg(AbstractState& s, const GlobalCallee& g, size_t i);
    Status check_sized_memory(AbstractState& s, uint8_t regno, uint32_t size);
    // The state a global function's own walk starts from: r1-r5 typed by its prototype.
    AbstractState global_entry_state() const;
    // Its exit: r0 a scalar (unless it returns void), nothing held.
    Status exit_global_function(AbstractState& s, Step& step);
    Status exec_exit(AbstractState& s, Step& step);
    // The program type's return range (cgroup socket programs) holds r0 at exit.
    Status check_return_range(AbstractState& s);
    // r0 is a known scalar within [min, max] (made precise); `where` names the exit.
    Status check_r0_within(AbstractState& s, int64_t min, int64_t max, std::string_view where);
    // exec_callback.cpp
    // The path on which the callback runs (step.forked), or why it cannot be entered.
    Status fork_callback(const AbstractState& s, const helpers::Helper& h, int32_t target,
                         const maps::MapDefinition* map, Step& step);
    // The path on which a callback-taking helper calls its callback (once more).
    Result<AbstractState> callback_entry(const AbstractState& s, const helpers::Helper& h, int32_t target,
                                         const maps::MapDefinition* map);
    // A callback's exit: back to its helper call, r0 in [0, 1].
    Status exit_callback(AbstractState& s);
    // An async callback's exit: the end of its path, r0 exactly 0.
    Status exit_async_callback(AbstractState& s, Step& step);
    // helper_args.cpp
    // Every argument against the helper's prototype, in order.
    std::expected<HelperArgs, Violation> check_helper_args(AbstractState& s, const helpers::Helper& h);
    // Argument `i`'s register is initialised and not a released reference.
    Status check_arg_register(const AbstractState& s, const helpers::Helper& h, size_t i) const;
    // Argument `i` against its ArgType; what it gives goes into `out`.
    Status check_helper_arg(AbstractState& s, const helpers::Helper& h, size_t i, HelperArgs& out);
    // "argument N of <helper> must be <wanted>: <register>".
    Status wrong_arg(const AbstractState& s, const helpers::Helper& h, uint8_t regno, std::string_view wanted) const;
    // ConstMapPtr: a map the helper takes, with the flags it needs (and the timer's map).
    Status check_map_arg(AbstractState& s, const helpers::Helper& h, uint8_t regno, HelperArgs& out);
    // PtrToMapKey / PtrToMapValue / PtrToUninitMapValue: key_size or value_size bytes.
    Status check_map_buffer_arg(AbstractState& s, const helpers::Helper& h, size_t i, HelperArgs& out);
    // PtrToMem / PtrToMemOrNull / PtrToUninitMem with the size argument after it.
    Status check_mem_arg(AbstractState& s, const helpers::Helper& h, size_t i);
    // PtrToSpinLock: the bpf_spin_lock field of a map value.
    Status check_spin_lock_arg(AbstractState& s, const helpers::Helper& h, uint8_t regno, HelperArgs& out);
    // PtrToTimer: the bpf_timer field of a map value.
    Status check_timer_arg(AbstractState& s, const helpers::Helper& h, uint8_t regno, HelperArgs& out);
    // bpf_trace_printk / trace_vprintk: no pointer printed, no format that reads an address.
    Status check_printk_args(const AbstractState& s, const helpers::Helper& h);
    // bpf_tail_call: a prog array, a scalar index, no reference held.
    Status check_tail_call(const AbstractState& s, const maps::MapDefinition* map) const;
    // Helper memory arguments: [ptr, ptr + size) readable-and-initialised or writable.
    Status check_helper_memory(AbstractState& s, uint8_t regno, uint64_t size, Access access);
    // PtrToConstStr: a NUL-terminated constant of a frozen read-only map.
    Status check_const_str(AbstractState& s, uint8_t regno, std::string_view helper);
    // The constant format (a frozen map's bytes) in r`regno` of bpf_snprintf, trace_printk or
    // trace_vprintk has no conversion that reads an address.
    Status check_format_reads_no_address(const AbstractState& s, uint8_t regno, const helpers::Helper& h);
    // The released argument in r`regno` carries a reference the path holds.
    Status check_release(const AbstractState& s, const helpers::Helper& h, uint8_t regno);

    // Shared small rules.
    Status read_reg(const AbstractState& s, uint8_t n) const;
    bool leaks_allowed() const { return input_.allow_ptr_leaks; } // VerifierInput::allow_ptr_leaks
    std::string describe(const AbstractState& s, uint8_t n) const; // "r2 = pkt(off=0, r=14)"
    uint32_t fresh_id() { return ++last_id_; }
    // Safety at this instruction depends on these registers' exact bounds (precision.hpp).
    void mark_precise(const AbstractState& s, std::initializer_list<uint8_t> regs);
    // Facts of slots reachable from a relaxed prune are re-derived conservatively.
    void weaken_facts_after_relaxed_prunes();
    std::vector<uint8_t> reached_from_relaxed_prunes() const;
    void note_stack_depth(const AbstractState& s, uint8_t frame, int64_t lowest_offset);
    void record_facts(const AbstractState& s);
    // After a load/store/atomic through `base` passed its checks: which ctx field it
    // touched (facts_.ctx_access), and a rejection if another path reached this slot
    // with another pointer or field (the kernel's "same insn cannot be used with
    // different pointers"; the rewrite can convert a slot only one way).
    Status record_ctx_access(const AbstractState& s, uint8_t base, int32_t off, uint32_t size);
    std::string format_state(const AbstractState& s) const; // log_format.cpp

    // relations.cpp (loop pass): the zone's view of registers.
    uint32_t ensure_sym(AbstractState& s, RegState& r);
    void relate_alu(AbstractState& s, const isa::Alu& insn, const RegState& dst_before, const RegState& src_before);
    [[nodiscard]] bool relate_branch(AbstractState& edge, uint8_t d, const isa::Reg* src, Relation rel, bool is32,
                                     const RegState& a, const RegState& b);
    [[nodiscard]] bool relate_operands(AbstractState& edge, uint8_t d, const isa::Reg* src, Relation rel, bool is32,
                                       const RegState& a, const RegState& b);
    [[nodiscard]] bool tighten_from_zone(AbstractState& s);
    // Loop pass: `rX <<= 32; rX >>= 32` (clang's zero extension of a u32 counter) gives
    // back the value itself when it was below 2^32 (s>>= when below 2^31): the second
    // shift's result keeps the first one's symbol and bounds, so a check on the extended
    // copy (`if r6 > 3`) bounds the counter too (relations.cpp).
    void note_shift_out(AbstractState& s, const isa::Alu& insn);
    void shift_back(AbstractState& s, const isa::Alu& insn, const ShiftOut& pending);
    // After a join at a loop head: packet pointers' variable offsets within the bounds the
    // zone has on them (widening moved them past every threshold; `p + 1 <= end` keeps
    // them below len, which is bounded).
    void tighten_packet_offsets(AbstractState& s);
    bool zone_proves_packet_access(const AbstractState& s, const RegState& ptr, int32_t off, uint32_t size) const;
    void collect_zone_garbage(AbstractState& s);
    // Loop pass, at a pruning point or loop head: the bounds of registers and stack slots
    // no continuation reads go into the zone, whose closure then states what they imply
    // about live values (the packet's length above all), which the comparison with a later
    // state checks. Kept only in the register, a dead value's bounds could still decide a
    // branch in a checkpoint's continuation (tighten_from_zone, through the value's
    // relation) while that comparison skipped it as dead, and a later state was pruned
    // against a continuation that assumed more than it had (a pipeline fuzz finding: a
    // loop's exit pointer, `p > end` with p's offset at most 31, bounded the length after
    // the loop). Its symbol stays: sums through it keep their precision.
    void bound_dead_symbols(AbstractState& s);
    // Largest packet offset a range may prove: the kernel's 0xffff for packets, the
    // largest pointer offset for a mem program's buffer (any size the embedder hands in).
    int64_t max_packet_offset() const;
    // The longest packet (data_end - data) of an XDP / tc / socket program: XdpFrame,
    // SkbPacket and the C API's buffers hold u32 lengths. The loop pass bounds the zone's
    // len by it, so a pointer whose offset only the zone bounds (`p + 1 <= end` each trip)
    // has a finite offset; the path walk keeps the kernel's MAX_PACKET_OFF.
    static constexpr int64_t kMaxPacketLength = 0xffffffffLL;
    // The zone's bound on len (Zone::kLen): a mem program's buffer (max_packet_offset),
    // else kMaxPacketLength.
    int64_t max_region_length() const;
    std::string headline(uint32_t pc, const Violation& v) const;

    const isa::Program& program_;
    const VerifierInput& input_;
    const bool loop_pass_;
    const WalkScope scope_;
    std::vector<bool> loop_head_; // targets of backward jumps
    // Loop pass: the loop heads where states meet (loop_heads.cpp), ranking.hpp's
    // cycle_heads; other backward jumps' targets are walked.
    std::vector<bool> join_head_;
    ShiftOut shift_out_;
    std::optional<Thresholds> thresholds_; // loop pass only: the walk never widens
    struct HeadState {
        AbstractState state;
        uint64_t key;
        uint32_t joins = 0;   // widening starts after kWidenAfter
        uint32_t rounds = 0;  // explorations of a joined state (kMaxJoins bounds them)
        bool queued = false;  // in deferred_heads_: joined since its last exploration
    };
    std::vector<std::vector<HeadState>> heads_; // per slot (loop pass)
    // Heads (slot, shape index) whose joined state is still to be explored (only when
    // loops are enumerated, loop_heads.cpp): exploring it once no other path is pending
    // joins every arrival of the round first, instead of exploring the body once per
    // arrival (docs/loop-verification.md).
    std::vector<std::pair<uint32_t, uint32_t>> deferred_heads_;
    std::vector<uint32_t> joined_heads_;        // heads where states were joined, ascending
    uint64_t loop_arrival_limit_ = 0;
    std::vector<uint32_t> enumerated_heads_;
    bool walk_gave_up_ = false;
    bool walked_on_ = false;
    uint64_t processed_at_give_up_ = 0;
    bool give_up_enumerating_ = false;
    std::function<bool()> on_give_up_;
    uint32_t gave_up_at_ = 0;
    std::vector<bool> enumerated_; // per slot: enumerated_heads_ (set by run)
    std::vector<uint32_t> switched_heads_; // enumerated heads joined after the arrival limit
    const ProgramShape& shape_;
    const engine_abi::ContextLayout* ctx_layout_;
    Liveness liveness_;
    Checkpoints checkpoints_;
    HistoryEntry entry_;                     // the instruction being executed (stack slots it used)
    std::vector<uint32_t> relaxed_roots_;    // slots where a prune relied on liveness / imprecision
    uint32_t last_id_ = 0;
    Facts facts_;
    std::vector<uint8_t> visited_; // per slot: facts initialised
    std::vector<uint8_t> access_base_; // per slot: 0 no access seen, 1 via the ctx, 2 via another pointer
    std::vector<uint32_t> stack_depth_; // per subprogram: deepest stack byte used
    std::vector<std::pair<int32_t, int32_t>> uninit_reads_; // per subprogram: [lo, hi) read uninitialised
    std::vector<uint32_t> global_calls_reached_; // summarised calls' callees, as reached
    std::string trace_;
};

} // namespace ebpfjit::verifier
