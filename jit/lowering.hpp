// jit::lower: every architecture-independent decision about a program, made once, so that
// the x86-64 and ARM64 backends only choose encodings. A backend never re-decides what is
// recorded here (which slots need labels, which divisions need fixups, what an LDDW or a
// call resolves to, which slots are dead, which registers are used or live across calls).
#pragma once

#include <cstdint>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "engine_abi/kernel_ids.hpp"
#include "helpers/map_lookup_plan.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/constant_division.hpp"
#include "jit/hoist_checks.hpp"
#include "jit/idioms.hpp"
#include "jit/run_needs.hpp"
#include "jit/unreachable_runs.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

// The optimisations the lowering may apply; all on by default. Switching one off is for
// measuring it (`ebpfjit bench --jit-without NAME`) and for tests.
struct Optimisations {
    bool magic_division = true;  // div/mod by a constant -> multiply-high and shifts
    bool map_lookups = true;     // known-map lookups: inline ARRAY, direct hash call
    bool zero_extension = true;  // drop zero-extension idioms the verifier proved redundant
    bool block_idioms = true;    // proven byte-copy/fill loops -> one block operation (idioms.hpp)
    bool compare_idioms = true;  // proven byte-compare/scan loops -> a fast scan, then the loop's last trip
    bool narrow_division = true; // u64 div/mod of values proven < 2^32 -> the 32-bit instruction
    bool hoisted_checks = true;  // loops with checked accesses: one range check each, then an unchecked version
    bool budget_register = true; // the instruction budget's counter in a spare register (budget.cpp)
};

struct LoweringOptions {
    // LDDW map forms and helper ids resolve through these; nullptr means "no maps, no
    // helpers" (any map reference or helper call is then a compile error).
    const helpers::ProgramBindings* bindings = nullptr;
    ProgramType program_type = ProgramType::Mem;
    uint32_t max_call_depth = isa::kMaxCallDepth; // frames, the entry frame included
    Optimisations optimise = {};
    // The embedder vouches for a program the verifier did not prove (Facts empty): no
    // run-time checks (checked_access / checked_call), as before checked code existed.
    // A test hook only (tests/jit, tests/jit_arm64: the same code with and without its
    // checks); no user path sets it, and `ebpfjit bench` measures checked code as is.
    bool trusted = false;
    // Non-zero: the run stops with Fault::BudgetExceeded once the charges (budget.cpp) of
    // the back-edges and local calls it took exceed this many instructions.
    uint64_t instruction_budget = 0;
    // x86-64: callx and run-time helper calls through a retpoline (Spectre v2).
    bool retpoline = false;
};

// What a division or modulo by a register needs around the machine instruction.
enum class DivFixup : uint8_t {
    None,            // divisor proven safe (Facts) or a non-zero, non -1 constant
    ZeroCheck,       // unsigned: by 0 -> div gives 0, mod leaves dst
    ZeroAndMinusOne, // signed: also x / -1 -> -x and x % -1 -> 0 (no INT_MIN/-1 trap)
};

// The cheapest way to materialise a 64-bit constant (ARM64: movz/movk count, x86: form).
enum class ConstWidth : uint8_t {
    Zero, // 0
    U32,  // fits in 32 bits zero-extended
    S32,  // fits in 32 bits sign-extended (negative)
    Full, // needs all 64 bits
};
ConstWidth const_width(uint64_t value);

enum class CallRole : uint8_t {
    None,
    Helper,   // direct call to LoweredSlot::helper
    TailCall, // bpf_tail_call: jump into another program's body, reusing the frame
    Local,    // bpf-to-bpf call to the subprogram starting at Call::target
};

struct LoweredSlot {
    // The instruction in canonical form. Rewrites made here (so no backend repeats them):
    //  - div/sdiv by constant 0 -> mov dst, 0; mod by 0 -> nothing (64) / mov32 dst, dst;
    //    sdiv by -1 -> neg; smod by -1 -> mov dst, 0; div by 1 -> nothing / mov32 dst, dst,
    //    mod by 1 -> mov dst, 0; unsigned div / mod by 2^k -> rsh k / and 2^k - 1; any other
    //    constant divisor keeps its Alu and gets a `division` plan (multiply-high and shifts);
    //  - shift by a constant: the count masked to 63 / 31;
    //  - le16/32/64 -> and32 0xffff / mov32 / nothing (both targets are little-endian),
    //    be -> bswap;
    //  - mov64 rX, rX and `ja +0` -> nothing;
    //  - `if cond goto +1; goto T` (second slot not a label) -> `if !cond goto T`, the goto
    //    gets emit = false (jset has no inverse and is left alone).
    isa::Instruction insn;
    bool emit = true;   // false: dead (Facts), an LDDW second slot, or rewritten to nothing
    bool label = false; // a jump, call or code-address target: needs a label
    uint32_t subprogram = 0;
    DivFixup div = DivFixup::None;
    // Imm operands of Alu/Jump/Store: the value the operation sees (sign-extended to 64
    // bits for 64-bit ops, the 32-bit pattern for 32-bit ops). LDDW: the resolved value.
    uint64_t constant = 0;
    ConstWidth constant_width = ConstWidth::Zero;
    int32_t code_target = -1; // LDDW src 4: the slot whose native address is loaded
    CallRole call = CallRole::None;
    helpers::HelperFn helper = nullptr; // CallRole::Helper
    // Set on `mov64 d, s` (s != d) when the next slot is `add64 d, imm|reg` reached only
    // from here: a backend that adopts the fusion computes d = s + operand in this slot
    // (x86: lea; ARM64: add d, s, operand) and skips the next slot, which is marked
    // `fused_add`. In the reg form, an operand naming d means s. A backend that ignores
    // both flags emits the two instructions as before (both keep emit = true).
    bool add_fused = false;
    bool fused_add = false; // the add consumed by the previous slot's add_fused
    // Div/mod by a constant: index into Lowered::divisions, the multiply-shift sequence both
    // backends emit instead of a divide instruction (constant_division.hpp defines it).
    // (Side tables keep the slot small: compile time is dominated by walks over slots.)
    int32_t division = -1;
    // A 64-bit unsigned div/mod by a register whose operands' upper halves Facts prove zero
    // (clang's u32 `n % d` after its zero-extensions): both < 2^32, so the 32-bit
    // instruction gives the same zero-extended result, and x86's 32-bit div is the faster.
    bool div32 = false;
    // bpf_map_lookup_elem whose r1 is an LDDW map reference on every path (map_lookups.cpp):
    // `helper` is already the map class's direct function; with array_lookup >= 0 (index
    // into Lowered::array_lookups) a backend may instead emit the lookup inline (r0 = index
    // < max ? base + index * stride : 0, r1-r5 untouched); one that ignores it calls `helper`.
    int32_t array_lookup = -1;
    // Instruction budget (LoweringOptions::instruction_budget): what executing this slot
    // charges before it runs (a back-edge: the length of the loop it closes; a local call:
    // 1); 0 for every other slot.
    uint32_t budget_charge = 0;
    // A Load/Store/Atomic the verifier did not prove in bounds: the backend checks the
    // address at run time first (engine_abi/checked_calls.hpp) and a bad one ends the run with
    // Fault::MemoryAccess. Never set when Facts prove the access: such code is unchanged.
    bool checked_access = false;
    // A checked access's region-cache entry (jit/access_cache.hpp): loads 0-3, stores and
    // atomics 4-7, by its place among the checked accesses of its kind in program order,
    // so that the few accesses of a loop use different entries.
    uint8_t access_cache_entry = 0;
    // A helper call or callx in a program that needs guest memory: r1..r5 are checked
    // against the prototype before the call and its result recorded after it.
    bool checked_call = false;
    // The head of a byte-copy/fill loop (idioms.hpp): index into Lowered::block_ops. The
    // backend emits the block operation before the head's label, so that it runs when the
    // loop is entered by falling through and the loop's own back edge skips it.
    int32_t block_op = -1;
    // The head of a loop with hoisted range checks (hoist_checks.hpp): index into
    // Lowered::loop_versions. The backend emits the checks and the unchecked version
    // before the head's label, as for block_op.
    int32_t loop_version = -1;
    // The last slot of a run of unreachable slots (Facts::reachable) that emitted code may
    // jump or fall into: index into Lowered::unreachable_runs. After the run's labels the
    // backend emits a trap that ends the run with Fault::UnreachableCode (defence in depth:
    // were the proof wrong, control would otherwise run into whatever code follows).
    int32_t unreachable_run = -1;
};

struct Subprogram {
    int32_t start = 0;
    int32_t end = 0;         // one past the last slot
    uint32_t frames = 1;     // deepest chain of frames starting here (itself included)
    uint16_t regs_written = 0; // bit n: rn is written in this subprogram's own body
    bool calls = false;      // has helper, local or tail calls
    // Facts::stack_zero: [r10 + zero_lo, r10 + zero_hi) is zeroed whenever a frame of this
    // subprogram is entered (program and tail-call entry, local call, callback), before its
    // first instruction; empty (zero_lo == zero_hi) when no path reads unwritten stack.
    int32_t zero_lo = 0;
    int32_t zero_hi = 0;
};

struct Lowered {
    std::vector<LoweredSlot> slots; // index == slot index
    std::vector<Subprogram> subprograms; // [0] is the entry program
    uint16_t regs_used = 0;          // bit n: rn is read or written somewhere
    uint16_t live_across_calls = 0;  // bit n: rn's value is read after some call
    uint32_t max_frames = 1;         // deepest local-call chain, in frames
    bool has_tail_calls = false;
    bool has_packet_loads = false;
    bool has_callx = false;
    // Some reachable call may reach the run's ExecutionState: a helper whose
    // Helper::uses_run_state is set, a tail call (its target may), callx (any helper) or a
    // callback (bpf_loop and the like run it through the state's invoker).
    bool uses_run_state = false;
    uint64_t instruction_budget = 0; // LoweringOptions' (0: no budget, no charges)
    bool retpoline = false;          // LoweringOptions'
    ProgramType program_type = ProgramType::Mem;
    // Some slot is checked_access / checked_call: the program needs the full entry frame,
    // the run-time checker stubs, and `bindings` (kept for its maps' addresses).
    bool needs_guest_memory = false;
    // Per region-cache entry: the widest checked access using it (jit/access_cache.hpp).
    uint8_t access_cache_width[8] = {};
    // Per region-cache entry: the eBPF registers (6-9, ones the program never uses) whose
    // host registers hold its start and span besides FrameInfo, or 0 (access_cache.cpp).
    struct AccessCacheRegs {
        uint8_t start = 0, span = 0;
        explicit operator bool() const { return start != 0; }
    };
    AccessCacheRegs access_cache_regs[8] = {};
    // The eBPF register (6-9, one the program never uses) whose host register holds what
    // is left of the instruction budget while the code runs, RunStatus::budget_left only
    // at the flush points (budget.cpp); 0: the charges read and write RunStatus.
    uint8_t budget_reg = 0;
    helpers::ProgramBindings bindings; // filled only when needs_guest_memory
    // Registers read before any write on some path from slot 0 (r1, r2, r10 excepted),
    // zeroed at entry when the verifier proved nothing (the interpreter starts them at 0;
    // native code would otherwise hand out whatever the host left there).
    uint16_t zero_at_entry = 0;
    // Dense table for callx, indexed by helper id (nullptr: unknown id). Never includes
    // the tail-call id: callx never tail-calls.
    std::vector<helpers::HelperFn> callx_table;
    std::vector<MagicDivision> divisions;                   // LoweredSlot::division
    std::vector<helpers::InlineArrayLookup> array_lookups;  // LoweredSlot::array_lookup
    std::vector<BlockOp> block_ops;                         // LoweredSlot::block_op
    std::vector<LoopVersion> loop_versions;                 // LoweredSlot::loop_version
    std::vector<UnreachableRun> unreachable_runs;           // LoweredSlot::unreachable_run
};

// What the entry frame must hold, decided once for both backends (their plan_entry_frame
// turns it into registers and sizes). FrameInfo (`full`) is needed by packet loads, callx
// faults and run-time checks (the abort path, the checks' frame walk), tail calls and the
// instruction budget (RunStatus); a tail-calling program also needs the full frame because
// its targets land in it, and so does a program with callbacks, whose thunks rebuild the
// entry frame. Every other program gets a lean frame built from the other fields.
//
// Unreachable-code traps (unreachable_runs.hpp) need only the RunStatus pointer and a way
// back to the entry frame, not FrameInfo: a lean frame with `trap_status` keeps the
// pointer the entry got in a slot of its own at the frame's bottom, and, when local calls
// move the stack pointer (`local_calls`), an anchor register holding that bottom (the
// FrameInfo register, free in lean frames), so that the trap stub finds the status and
// unwinds to the entry epilogue from any call depth (frame_layout.hpp of each backend).
struct EntryFrameNeeds {
    bool full = false;
    bool calls = false;        // some subprogram calls (a helper, a local function, a tail call)
    bool local_calls = false;  // more than one subprogram: callees move r10's host register
    bool stack = false;        // r10 is used: the 512-byte stack
    bool trap_status = false;  // lean only: some unreachable run has a trap (it writes RunStatus)
    uint16_t regs_written = 0; // bit n: rn is written in some subprogram
};
EntryFrameNeeds entry_frame_needs(const Lowered& lowered);

// What a run of the compiled code must set up besides the entry call (RunNeeds).
RunNeeds run_needs(const Lowered& lowered);

// Whether the backends also emit a C entry (CompiledProgram::c_entry, jit/drive.hpp's
// emit_c_entry): for lean stackless code (no per-run state, no checks, no FrameInfo, no
// r10, no budget, no unreachable-code trap, one subprogram: a run is the native call alone,
// which cannot fault) of at most
// kCEntryMaxSlots slots. The entry is a second copy of the code: emission time and code
// size double (bench_compile_time --stackless: 4,096 slots compile in 1.07 ms with it,
// 0.47 ms without, 57 KB of code against 28), for a saving of ~0.5-0.8 ns per call that
// only short programs notice (a straight-line program of 256 slots already runs for tens of
// ns). docs/performance.md, issue 18 item 2.
inline constexpr size_t kCEntryMaxSlots = 256;
bool wants_c_entry(const Lowered& lowered);

// Errors name the instruction: a kfunc call or a BTF-variable LDDW (unsupported), an
// unknown helper id, an unbound map, recursion, a call chain deeper than the limit, a
// jump leaving its subprogram, a subprogram that falls off its end, a tail call outside
// the entry subprogram.
Result<Lowered> lower(const isa::Program& program, const verifier::Facts& facts,
                      const LoweringOptions& options);

} // namespace ebpfjit::jit
