// The reference interpreter. One Machine per run holds the registers, the call frames
// and the guest memory map; std::visit dispatches each instruction to one small handler
// that returns where execution goes next.
#include "runtime/interpreter.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "engine_abi/kernel_ids.hpp"
#include "isa/disassembler.hpp"
#include "engine_abi/execution_state.hpp"
#include "isa/alu_semantics.hpp"
#include "runtime/interpreter/callbacks.hpp"
#include "jit/unreachable_runs.hpp"
#include "engine_abi/guest_memory.hpp"
#include "helpers/helper_checks.hpp"
#include "runtime/interpreter/tail_call.hpp"
#include "runtime/run/run_scope.hpp"

namespace ebpfjit::runtime {

struct Interpreter::Impl {
    isa::Program program;
    helpers::ProgramBindings bindings;
    InterpreterOptions options;
};

namespace {

using namespace isa;

// Where execution continues after one instruction.
struct Next {
    uint32_t pc = 0;
    bool halt = false; // the program ended; r0 holds its result
};
using Step = Result<Next>;

// Frame::return_pc of a callback's frame: its exit returns to the helper, not to a slot.
constexpr uint32_t kReturnToHelper = UINT32_MAX;

// A caller's state saved by a local call (r6-r9 are callee-saved, r10 is per frame).
struct Frame {
    uint32_t return_pc; // kReturnToHelper: a callback's frame
    std::array<uint64_t, 4> callee_saved;
    uint64_t frame_pointer;
};

constexpr uint32_t kStackBlockSize = kMaxCallDepth * kStackSize;

std::string_view size_name(Size s) {
    switch (s) {
    case Size::B: return "u8";
    case Size::H: return "u16";
    case Size::W: return "u32";
    case Size::DW: return "u64";
    }
    return "?";
}

class Machine {
public:
    Machine(const Program& program, const helpers::ProgramBindings& bindings,
            const InterpreterOptions& options, std::span<const MemoryRegion> regions,
            std::optional<MemoryRegion> packet)
        : program_(&program), bindings_(&bindings), reachable_(&options.reachable), options_(options),
          packet_(packet), memory_(stack_high(), with_direct_values(regions)) {
        stack_.fill(0); // deterministic: the oracle must not depend on stale bytes
        regs_[kFramePointer] = stack_high();
        memory_.set_active_stack_low(stack_high() - kStackSize);
    }

    Result<uint64_t> run(uint64_t r1, uint64_t r2) {
        regs_[1] = r1;
        regs_[2] = r2;
        return execute(0);
    }

    // A callback as the entry of its own run (Interpreter::run_callback).
    Result<uint64_t> run_callback(uint64_t fn, const std::array<uint64_t, 5>& args) {
        const std::optional<uint32_t> slot = callback_slot(*program_, fn);
        if (!slot) return fail(Error::plain(fmt::format("callback {:#x} is not a subprogram of this program", fn)));
        for (size_t i = 0; i < args.size(); ++i) regs_[1 + i] = args[i];
        return execute(*slot);
    }

    // ExecutionState's callback hook for this machine (callbacks.hpp).
    static bool invoke_hook(void* machine, uint64_t fn, const std::array<uint64_t, 5>& args,
                            std::span<const engine_abi::CallbackMemory> memory, uint64_t& r0) {
        return static_cast<Machine*>(machine)->invoke_callback(fn, args, memory, r0);
    }

    // Runs from `pc` until the exit of the entry frame, or of the callback frame that
    // invoke_callback pushed.
    Result<uint64_t> execute(uint32_t pc) {
        for (;;) {
            if (pc >= program_->size())
                return fail(Error::at_insn(pc, "execution ran past the end of the program"));
            if (pc < reachable_->size() && !(*reachable_)[pc]) [[unlikely]]
                return fail(unreachable_error(pc));
            if (options_.instruction_budget != 0 && ++executed_ > options_.instruction_budget)
                return fail(Error::at_insn(pc, fmt::format("instruction budget of {} exceeded",
                                                           options_.instruction_budget)));
            pc_ = pc;
            Step next = std::visit(*this, program_->insns[pc]);
            if (!next) return fail(std::move(next.error()));
            if (next->halt) return regs_[0];
            pc = next->pc;
        }
    }

    // ---- one handler per instruction kind -------------------------------------------

    Step operator()(const Alu& insn) {
        uint64_t& dst = reg(insn.dst);
        dst = insn.is64 ? isa::semantics::alu64(insn.op, dst, operand64(insn.src))
                        : isa::semantics::alu32(insn.op, static_cast<uint32_t>(dst),
                                                static_cast<uint32_t>(operand64(insn.src)));
        return advance();
    }

    Step operator()(const Endian& insn) {
        reg(insn.dst) = isa::semantics::endian(insn.op, insn.bits, reg(insn.dst));
        return advance();
    }

    Step operator()(const Load& insn) {
        const uint64_t addr = reg(insn.base) + static_cast<int64_t>(insn.off);
        const auto width = static_cast<uint64_t>(insn.size);
        if (!memory_.allows(addr, width, false))
            return fail(access_error("load", insn.size, addr));
        uint64_t value = read(addr, insn.size);
        if (insn.sign_extend) value = sign_extend(value, insn.size);
        reg(insn.dst) = value;
        return advance();
    }

    Step operator()(const Store& insn) {
        const uint64_t addr = reg(insn.base) + static_cast<int64_t>(insn.off);
        if (!memory_.allows(addr, static_cast<uint64_t>(insn.size), true))
            return fail(access_error("store", insn.size, addr));
        write(addr, insn.size, operand64(insn.src));
        return advance();
    }

    Step operator()(const Atomic& insn) {
        const uint64_t addr = reg(insn.base) + static_cast<int64_t>(insn.off);
        const Size size = insn.is64 ? Size::DW : Size::W;
        const auto width = static_cast<uint64_t>(size);
        if (!memory_.allows(addr, width, true))
            return fail(access_error("atomic access", size, addr));
        if (addr % width != 0)
            return fail(Error::at_insn(pc_, fmt::format("misaligned atomic {} access at {:#x}",
                                                        size_name(size), addr)));
        if (insn.is64) atomic_rmw(reinterpret_cast<uint64_t*>(addr), insn);
        else atomic_rmw(reinterpret_cast<uint32_t*>(addr), insn);
        return advance();
    }

    Step operator()(const LoadImm64& insn) {
        auto value = lddw_value(insn);
        if (!value) return fail(std::move(value.error()));
        reg(insn.dst) = *value;
        return Next{pc_ + 2};
    }

    Step operator()(const Jump& insn) {
        const bool taken = isa::semantics::condition(insn.cond, insn.is32, reg(insn.dst),
                                                operand64(insn.src));
        return Next{taken ? static_cast<uint32_t>(insn.target) : pc_ + 1};
    }

    Step operator()(const Call& insn) {
        switch (insn.kind) {
        case CallKind::Helper:
            if (insn.imm == engine_abi::helper_id::kTailCall) return tail_call();
            return call_helper(insn.imm);
        case CallKind::Local: return call_local(insn.target);
        case CallKind::Kfunc:
            return fail(Error::at_insn(pc_, fmt::format("kfunc calls are unsupported (call kfunc BTF id {})",
                                                        insn.imm)));
        }
        return fail(Error::at_insn(pc_, "unknown call kind"));
    }

    // callx: the register holds a helper id (the conformance suite's and uBPF's meaning).
    Step operator()(const CallX& insn) {
        const uint64_t id = reg(insn.reg);
        if (id > static_cast<uint64_t>(INT32_MAX))
            return fail(Error::at_insn(pc_, fmt::format("callx r{}: {:#x} is not a helper id", insn.reg.n, id)));
        return call_helper(static_cast<int32_t>(id));
    }

    Step operator()(const Exit&) {
        if (frames_.empty()) return Next{pc_, true};
        const Frame frame = frames_.back();
        frames_.pop_back();
        for (size_t i = 0; i < frame.callee_saved.size(); ++i) regs_[6 + i] = frame.callee_saved[i];
        regs_[kFramePointer] = frame.frame_pointer;
        memory_.set_active_stack_low(frame.frame_pointer - kStackSize);
        if (frame.return_pc == kReturnToHelper) return Next{pc_, true}; // back to the helper
        return Next{frame.return_pc};
    }

    // LD_ABS / LD_IND: r0 = big-endian load from the packet; out of range ends the
    // program with r0 = 0 (the kernel's behaviour, not an error).
    Step operator()(const PacketLoad& insn) {
        if (!packet_)
            return fail(Error::at_insn(pc_, "LD_ABS/LD_IND needs a packet, and this run has none"));
        if (callback_depth_ != 0) // the kernel forbids LD_ABS in programs with subprograms
            return fail(Error::at_insn(pc_, "LD_ABS/LD_IND inside a callback"));
        // 32-bit offset arithmetic, as the kernel's (int) offset; negative is out of range.
        const uint32_t base = insn.indirect ? static_cast<uint32_t>(reg(insn.src)) : 0;
        const auto off = static_cast<int32_t>(base + static_cast<uint32_t>(insn.imm));
        const auto width = static_cast<uint64_t>(insn.size);
        if (off < 0 || static_cast<uint64_t>(off) + width > packet_->size) {
            regs_[0] = 0;
            return Next{pc_, true};
        }
        uint64_t value = 0;
        const auto* bytes = reinterpret_cast<const uint8_t*>(packet_->start + static_cast<uint64_t>(off));
        for (uint64_t i = 0; i < width; ++i) value = (value << 8) | bytes[i];
        regs_[0] = value;
        return advance();
    }

    Step operator()(const LddwSecondSlot&) {
        return fail(Error::at_insn(pc_, "execution reached the second slot of an LDDW"));
    }

private:
    uint64_t stack_high() const { return reinterpret_cast<uint64_t>(stack_.data()) + stack_.size(); }

    // The caller's regions plus every bound map's direct value (LDDW src 2 / 6 targets).
    std::vector<MemoryRegion> with_direct_values(std::span<const MemoryRegion> regions) const {
        std::vector<MemoryRegion> all(regions.begin(), regions.end());
        for (const auto& b : bindings_->maps)
            if (b.direct_value != nullptr && b.value_size != 0)
                all.push_back({reinterpret_cast<uint64_t>(b.direct_value), b.value_size, true});
        return all;
    }

    Step advance() const { return Next{pc_ + 1}; }
    uint64_t& reg(Reg r) { return regs_[r.n]; }

    // An operand as a 64-bit value: immediates are sign-extended (ALU32/JMP32 use the
    // low 32 bits of it, which are the immediate itself).
    uint64_t operand64(const Operand& op) const {
        if (const auto* r = std::get_if<Reg>(&op)) return regs_[r->n];
        return static_cast<uint64_t>(int64_t{std::get<Imm>(op).v});
    }

    static uint64_t read(uint64_t addr, Size size) {
        const void* p = reinterpret_cast<const void*>(addr);
        switch (size) {
        case Size::B: { uint8_t v; std::memcpy(&v, p, 1); return v; }
        case Size::H: { uint16_t v; std::memcpy(&v, p, 2); return v; }
        case Size::W: { uint32_t v; std::memcpy(&v, p, 4); return v; }
        case Size::DW: { uint64_t v; std::memcpy(&v, p, 8); return v; }
        }
        return 0;
    }

    static void write(uint64_t addr, Size size, uint64_t value) {
        void* p = reinterpret_cast<void*>(addr);
        switch (size) {
        case Size::B: { auto v = static_cast<uint8_t>(value); std::memcpy(p, &v, 1); break; }
        case Size::H: { auto v = static_cast<uint16_t>(value); std::memcpy(p, &v, 2); break; }
        case Size::W: { auto v = static_cast<uint32_t>(value); std::memcpy(p, &v, 4); break; }
        case Size::DW: std::memcpy(p, &value, 8); break;
        }
    }

    static uint64_t sign_extend(uint64_t value, Size size) {
        switch (size) {
        case Size::B: return static_cast<uint64_t>(int64_t{static_cast<int8_t>(value)});
        case Size::H: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(value)});
        case Size::W: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(value)});
        case Size::DW: return value;
        }
        return value;
    }

    // Really atomic (the program's memory may be shared with other threads): the GCC
    // __atomic builtins on the naturally aligned host location.
    template <class T>
    void atomic_rmw(T* p, const Atomic& insn) {
        const auto operand = static_cast<T>(reg(insn.src));
        T old = 0;
        switch (insn.op) {
        case AtomicOp::Add: old = __atomic_fetch_add(p, operand, __ATOMIC_SEQ_CST); break;
        case AtomicOp::Or: old = __atomic_fetch_or(p, operand, __ATOMIC_SEQ_CST); break;
        case AtomicOp::And: old = __atomic_fetch_and(p, operand, __ATOMIC_SEQ_CST); break;
        case AtomicOp::Xor: old = __atomic_fetch_xor(p, operand, __ATOMIC_SEQ_CST); break;
        case AtomicOp::Xchg: old = __atomic_exchange_n(p, operand, __ATOMIC_SEQ_CST); break;
        case AtomicOp::CmpXchg: {
            // Compares with r0 (its low 32 bits for the 32-bit form); r0 gets the old value.
            old = static_cast<T>(regs_[0]);
            __atomic_compare_exchange_n(p, &old, operand, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            regs_[0] = old;
            return;
        }
        }
        if (insn.fetch || insn.op == AtomicOp::Xchg) reg(insn.src) = old; // zero-extended
    }

    Result<uint64_t> lddw_value(const LoadImm64& insn) const {
        auto binding = [&]() -> Result<const helpers::MapBinding*> {
            const auto index = static_cast<uint32_t>(insn.imm);
            if (index >= bindings_->maps.size())
                return fail(Error::at_insn(pc_, fmt::format("LDDW refers to map {}, but the program has {} maps",
                                                            index, bindings_->maps.size())));
            return &bindings_->maps[index];
        };
        switch (insn.kind) {
        case LddwKind::Imm64: return insn.value();
        case LddwKind::MapFd:
        case LddwKind::MapIdx: {
            auto b = binding();
            if (!b) return fail(std::move(b.error()));
            if ((*b)->map == nullptr)
                return fail(Error::at_insn(pc_, fmt::format("LDDW map {} is not bound to a map", insn.imm)));
            return reinterpret_cast<uint64_t>((*b)->map);
        }
        case LddwKind::MapValue:
        case LddwKind::MapIdxValue: {
            auto b = binding();
            if (!b) return fail(std::move(b.error()));
            const auto offset = static_cast<uint32_t>(insn.next_imm);
            if ((*b)->direct_value == nullptr || offset >= (*b)->value_size)
                return fail(Error::at_insn(pc_, fmt::format("LDDW map value {} + {} is outside the map's {}-byte value",
                                                            insn.imm, offset, (*b)->value_size)));
            return reinterpret_cast<uint64_t>((*b)->direct_value + offset);
        }
        case LddwKind::VariableAddr:
            return fail(Error::at_insn(pc_, "LDDW of a BTF variable address (src 3) is unsupported"));
        case LddwKind::CodeAddr: {
            // imm is relative to the next slot, like a local call's.
            const int64_t target = int64_t{pc_} + 1 + insn.imm;
            const auto& starts = program_->subprogram_starts;
            if (target <= 0 || !std::binary_search(starts.begin(), starts.end(), target))
                return fail(Error::at_insn(pc_, fmt::format("LDDW code address {} is not a subprogram start", target)));
            return callback_value(*program_, static_cast<uint32_t>(target));
        }
        }
        return fail(Error::at_insn(pc_, "unknown LDDW kind"));
    }

    Step call_helper(int32_t id) {
        const helpers::Helper* helper = bindings_->helpers ? bindings_->helpers->find(id) : nullptr;
        if (helper == nullptr || helper->fn == nullptr) {
            const std::string_view kernel_name = helpers::helper_name(id);
            return fail(Error::at_insn(pc_, kernel_name.empty()
                ? fmt::format("call to unknown helper id {}", id)
                : fmt::format("call to unknown helper id {} (bpf_{} is not implemented)", id, kernel_name)));
        }
        const helpers::HelperArgs args{regs_[1], regs_[2], regs_[3], regs_[4], regs_[5]};
        if (auto ok = helpers::check_helper_arguments(*helper, args, memory_, *bindings_, pc_); !ok)
            return fail(std::move(ok.error()));
        regs_[0] = helper->fn(args[0], args[1], args[2], args[3], args[4]);
        if (callback_error_) { // a callback the helper ran failed: the run ends with its error
            Error error = std::move(*callback_error_);
            callback_error_.reset();
            return fail(std::move(error));
        }
        helpers::record_helper_result(*helper, args, regs_[0], memory_, *bindings_);
        return advance();
    }

    // A helper calls back into the program (callbacks.hpp): a fresh frame above the
    // helper's caller, r1..r5 from the helper, every caller register restored after.
    bool invoke_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                         std::span<const engine_abi::CallbackMemory> memory, uint64_t& r0) {
        if (callback_error_) return false;
        const std::optional<uint32_t> slot = callback_slot(*program_, fn);
        if (!slot) {
            callback_error_ = Error::at_insn(pc_, fmt::format("callback {:#x} is not a subprogram of this program", fn));
            return false;
        }
        if (frames_.size() + 1 >= kMaxCallDepth) {
            callback_error_ = Error::at_insn(pc_, fmt::format(
                "callback at slot {} exceeds the limit of {} frames", *slot, kMaxCallDepth));
            return false;
        }
        std::vector<std::pair<uint64_t, std::optional<MemoryRegion>>> granted;
        for (const engine_abi::CallbackMemory& m : memory) {
            const auto start = reinterpret_cast<uint64_t>(m.start);
            if (memory_.allows(start, m.size, m.writable)) continue;
            if (!m.for_the_run) granted.emplace_back(start, memory_.dynamic_at(start));
            memory_.add_dynamic(start, m.size, m.writable);
        }
        const std::array<uint64_t, kNumRegisters> saved = regs_;
        const uint32_t saved_pc = pc_;
        frames_.push_back(Frame{kReturnToHelper, {regs_[6], regs_[7], regs_[8], regs_[9]}, regs_[kFramePointer]});
        for (size_t i = 0; i < args.size(); ++i) regs_[1 + i] = args[i];
        regs_[kFramePointer] -= kStackSize;
        memory_.set_active_stack_low(regs_[kFramePointer] - kStackSize);
        zero_frame();
        ++callback_depth_;
        Result<uint64_t> result = execute(*slot);
        --callback_depth_;
        for (auto it = granted.rbegin(); it != granted.rend(); ++it) memory_.restore_dynamic(it->first, it->second);
        if (!result) {
            callback_error_ = std::move(result.error());
            return false;
        }
        r0 = *result;
        regs_ = saved;
        pc_ = saved_pc;
        return true;
    }

    // bpf_tail_call(ctx, prog_array, index): continue at slot 0 of the target with this
    // frame (stack, r1) as it is; the checks and the count live in resolve_tail_call.
    Step tail_call() {
        if (!frames_.empty())
            return fail(Error::at_insn(pc_, "tail calls are supported only in the entry subprogram"));
        auto target = resolve_tail_call(*bindings_, regs_[2], regs_[3], *engine_abi::ExecutionState::current(), pc_);
        if (!target) return fail(std::move(target.error()));
        if (!*target) return advance();
        program_ = (*target)->program;
        bindings_ = (*target)->bindings;
        reachable_ = (*target)->reachable != nullptr ? (*target)->reachable : &kNoProof;
        for (const auto& b : bindings_->maps) // the target's global data becomes accessible
            if (b.direct_value != nullptr && b.value_size != 0)
                memory_.add_dynamic(reinterpret_cast<uint64_t>(b.direct_value), b.value_size, true);
        // The frame is kept as it is, as the JITs keep it for an unverified target (tests
        // pass a counter through it); the bytes a verified target may read before writing
        // them (Facts::stack_zero) are zeroed, as the JITs' entry code does: it must not
        // see what its caller left there.
        const int32_t lo = (*target)->stack_zero_lo, hi = (*target)->stack_zero_hi;
        if (lo < hi && lo >= -static_cast<int32_t>(kStackSize) && hi <= 0)
            std::memset(reinterpret_cast<uint8_t*>(regs_[kFramePointer] + static_cast<uint64_t>(int64_t(lo))), 0,
                        static_cast<size_t>(hi - lo));
        return Next{0};
    }

    Step call_local(int32_t target) {
        if (frames_.size() + 1 >= kMaxCallDepth)
            return fail(Error::at_insn(pc_, fmt::format("local call exceeds the limit of {} frames", kMaxCallDepth)));
        frames_.push_back(Frame{pc_ + 1, {regs_[6], regs_[7], regs_[8], regs_[9]}, regs_[kFramePointer]});
        regs_[kFramePointer] -= kStackSize;
        memory_.set_active_stack_low(regs_[kFramePointer] - kStackSize);
        zero_frame();
        return Next{static_cast<uint32_t>(target)};
    }

    // Every frame starts zeroed: the program entry (the constructor), a local call and a
    // callback (a tail call zeroes what its target may read unwritten: tail_call()). A verified program may read stack bytes it never wrote
    // (verifier::VerifierInput::allow_uninit_stack) and must see 0 there, as the JITs give
    // it by zeroing the bytes Facts::stack_zero names; the oracle zeroes the whole frame,
    // which reads the same for verified programs and keeps unverified runs deterministic.
    void zero_frame() {
        std::memset(reinterpret_cast<uint8_t*>(regs_[kFramePointer] - kStackSize), 0, kStackSize);
    }

    // The verifier's proof was wrong (or the Facts were not this program's): the slot
    // named is the unreachable run's first, the slot the JITs' trap for it names.
    Error unreachable_error(uint32_t pc) const {
        return Error::at_insn(jit::unreachable_run_start(*reachable_, program_->subprogram_starts, pc),
                              jit::kUnreachableCodeText);
    }

    // "out-of-bounds load of 4 bytes at 0x7ffc12345678 in `r0 = *(u32 *)(r1 + 4)`"
    Error access_error(std::string_view kind, Size size, uint64_t addr) const {
        const std::string text = disassemble(program_->insns[pc_], pc_, helpers::helper_name);
        return Error::at_insn(pc_, fmt::format("out-of-bounds {} of {} bytes at {:#x} in `{}`", kind,
                                               static_cast<int>(size), addr, text));
    }

    static inline const std::vector<bool> kNoProof{};
    const Program* program_;                  // change at a tail call
    const helpers::ProgramBindings* bindings_;
    const std::vector<bool>* reachable_;      // Facts::reachable of program_ (empty: none)
    const InterpreterOptions& options_;
    std::optional<MemoryRegion> packet_;
    alignas(16) std::array<uint8_t, kStackBlockSize> stack_{};
    engine_abi::GuestMemory memory_;
    std::array<uint64_t, kNumRegisters> regs_{};
    std::vector<Frame> frames_;
    uint32_t pc_ = 0;
    uint64_t executed_ = 0;        // toward the instruction budget, callbacks included
    uint32_t callback_depth_ = 0;  // callbacks running (nested through helpers)
    std::optional<Error> callback_error_; // a callback failed: the helper's run ends with it
};

} // namespace

Interpreter::Interpreter(const isa::Program& program, helpers::ProgramBindings bindings,
                         InterpreterOptions options)
    : impl_(std::make_unique<Impl>(Impl{program, std::move(bindings), options})) {}

Interpreter::~Interpreter() = default;

Result<uint64_t> Interpreter::run(uint64_t r1, uint64_t r2, std::span<const MemoryRegion> regions,
                                  std::optional<MemoryRegion> packet) {
    engine_abi::ExecutionState state;
    return run(r1, r2, regions, packet, state);
}

Result<uint64_t> Interpreter::run(uint64_t r1, uint64_t r2, std::span<const MemoryRegion> regions,
                                  std::optional<MemoryRegion> packet, engine_abi::ExecutionState& state) {
    // The run's state published for helpers, as on the JIT (runtime/run/run_scope.hpp).
    RunScope scope(state, impl_->options.program_type);
    scope.begin(r1);
    auto machine = std::make_unique<Machine>(impl_->program, impl_->bindings, impl_->options,
                                             regions, packet); // 4 KiB of stack: heap
    scope.set_callbacks(engine_abi::CallbackInvoker{&Machine::invoke_hook, machine.get()});
    return machine->run(r1, r2);
}

bool Interpreter::owns_callback(uint64_t fn) const { return callback_slot(impl_->program, fn).has_value(); }

Result<uint64_t> Interpreter::run_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                                           std::span<const MemoryRegion> regions, engine_abi::ExecutionState& state) {
    RunScope scope(state, impl_->options.program_type);
    scope.begin(0);
    auto machine = std::make_unique<Machine>(impl_->program, impl_->bindings, impl_->options, regions, std::nullopt);
    scope.set_callbacks(engine_abi::CallbackInvoker{&Machine::invoke_hook, machine.get()});
    return machine->run_callback(fn, args);
}

Result<uint64_t> Interpreter::run_mem(std::span<uint8_t> mem) {
    const MemoryRegion input{reinterpret_cast<uint64_t>(mem.data()), mem.size(), true};
    return run(input.start, input.size, std::span<const MemoryRegion>(&input, 1), input);
}

} // namespace ebpfjit::runtime
