// jit::lower: canonical forms and resolved references, slot by slot; the control-flow and
// register analyses live in control_flow.cpp and liveness.cpp.
#include "jit/lowering.hpp"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "jit/lowering_passes.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::jit {

ConstWidth const_width(uint64_t value) {
    if (value == 0) return ConstWidth::Zero;
    if (value <= UINT32_MAX) return ConstWidth::U32;
    if (static_cast<int64_t>(value) >= INT32_MIN && static_cast<int64_t>(value) < 0) return ConstWidth::S32;
    return ConstWidth::Full;
}

namespace {

using namespace isa;

// The value an Imm operand has for the operation: sign-extended for 64-bit operations,
// the 32-bit pattern (zero-extended) for 32-bit ones.
uint64_t imm_value(Imm imm, bool is64) {
    return is64 ? static_cast<uint64_t>(int64_t{imm.v}) : uint64_t{static_cast<uint32_t>(imm.v)};
}

class SlotLowering {
public:
    SlotLowering(const Program& program, const verifier::Facts& facts, const LoweringOptions& options,
                 Lowered& out)
        : program_(program), facts_(facts), options_(options), out_(out) {}

    Result<void> lower(uint32_t pc) {
        pc_ = pc;
        slot_ = &out_.slots[pc];
        return std::visit(*this, program_.insns[pc]);
    }

    Result<void> operator()(const Alu& a) {
        Alu alu = a;
        if (const auto* imm = std::get_if<Imm>(&alu.src)) {
            switch (alu.op) {
            case AluOp::Lsh:
            case AluOp::Rsh:
            case AluOp::Arsh:
                alu.src = Imm{imm->v & (alu.is64 ? 63 : 31)};
                if (zero_extension_pair_is_redundant(alu)) return {};
                break;
            case AluOp::Div:
            case AluOp::Mod:
            case AluOp::SDiv:
            case AluOp::SMod: return constant_division(alu, imm->v);
            case AluOp::MovSx8:
            case AluOp::MovSx16:
            case AluOp::MovSx32: return constant_movsx(alu, imm->v);
            default: break;
            }
            slot_->constant = imm_value(std::get<Imm>(alu.src), alu.is64);
            slot_->constant_width = const_width(slot_->constant);
        } else if (is_division(alu.op) && !facts_.divisor_is_safe(pc_)) {
            const bool is_signed = alu.op == AluOp::SDiv || alu.op == AluOp::SMod;
            slot_->div = is_signed ? DivFixup::ZeroAndMinusOne : DivFixup::ZeroCheck;
        }
        if (const auto* r = std::get_if<Reg>(&alu.src); r != nullptr && alu.is64 &&
            (alu.op == AluOp::Div || alu.op == AluOp::Mod) && options_.optimise.narrow_division &&
            facts_.upper_zero(pc_, alu.dst.n) && facts_.upper_zero(pc_, r->n))
            slot_->div32 = true;
        if (alu.op == AluOp::Mov && alu.is64 && alu.src == Operand{alu.dst}) slot_->emit = false;
        // `w = w` is clang's zero-extension idiom: nothing to do when the verifier proved
        // the upper half clean already.
        if (alu.op == AluOp::Mov && !alu.is64 && alu.src == Operand{alu.dst} && options_.optimise.zero_extension &&
            facts_.upper_zero(pc_, alu.dst.n))
            slot_->emit = false;
        slot_->insn = alu;
        return {};
    }

    Result<void> operator()(const Endian& e) {
        if (e.op == EndianOp::ToLe) {
            // Both backends are little-endian hosts: le is a truncation.
            if (e.bits == 64) slot_->emit = false;
            else if (e.bits == 32) slot_->insn = Alu{AluOp::Mov, false, e.dst, e.dst};
            else set_imm(Alu{AluOp::And, false, e.dst, Imm{0xffff}});
            return {};
        }
        slot_->insn = Endian{EndianOp::Swap, e.bits, e.dst};
        return {};
    }

    Result<void> operator()(const Load& l) {
        return checked_if_unproven(l.base, l.off, static_cast<uint32_t>(l.size), false);
    }
    Result<void> operator()(const Atomic& a) { return checked_if_unproven(a.base, a.off, a.is64 ? 8u : 4u, true); }

    Result<void> operator()(const Store& s) {
        checked_if_unproven(s.base, s.off, static_cast<uint32_t>(s.size), true);
        if (const auto* imm = std::get_if<Imm>(&s.src)) {
            slot_->constant = imm_value(*imm, true);
            slot_->constant_width = const_width(slot_->constant);
        }
        return {};
    }

    Result<void> operator()(const LoadImm64& l) {
        auto value = lddw_value(l);
        if (!value) return fail(value.error());
        slot_->constant = *value;
        slot_->constant_width = const_width(*value);
        if (l.kind == LddwKind::CodeAddr) {
            // imm is relative to the next instruction, like a local call.
            const int64_t target = int64_t{pc_} + 1 + l.imm;
            if (target < 0 || static_cast<size_t>(target) >= program_.size())
                return fail(Error::at_insn(pc_, fmt::format("LDDW code address {} is outside the program", target)));
            slot_->code_target = static_cast<int32_t>(target);
            out_.uses_run_state = true; // a callback runs through the state's invoker
            out_.slots[static_cast<size_t>(target)].label = true;
        }
        return {};
    }

    Result<void> operator()(const Jump& j) {
        if (j.cond == Cond::Always && static_cast<uint32_t>(j.target) == pc_ + 1) slot_->emit = false;
        if (const auto* imm = std::get_if<Imm>(&j.src)) {
            slot_->constant = imm_value(*imm, !j.is32);
            slot_->constant_width = const_width(slot_->constant);
        }
        return {};
    }

    Result<void> operator()(const Call& c) {
        switch (c.kind) {
        case CallKind::Local: slot_->call = CallRole::Local; return {};
        case CallKind::Kfunc:
            return fail(Error::at_insn(pc_, fmt::format("kfunc calls are unsupported (call kfunc BTF id {})", c.imm)));
        case CallKind::Helper: break;
        }
        if (c.imm == engine_abi::helper_id::kTailCall) {
            if (slot_->subprogram != 0)
                return fail(Error::at_insn(pc_, "tail calls are supported only in the entry subprogram"));
            slot_->call = CallRole::TailCall;
            out_.has_tail_calls = true;
            out_.uses_run_state = true; // the target may call any helper
            return {};
        }
        const helpers::Helper* h = helper_table() ? helper_table()->find(c.imm) : nullptr;
        if (h == nullptr || h->fn == nullptr)
            return fail(Error::at_insn(pc_, fmt::format("call to unknown helper id {}", c.imm)));
        if ((h->allowed & mask_of(options_.program_type)) == 0)
            return fail(Error::at_insn(pc_, fmt::format("helper {}#{} is not allowed in {} programs",
                                                        h->name, h->id, to_string(options_.program_type))));
        slot_->call = CallRole::Helper;
        slot_->helper = h->fn;
        out_.uses_run_state |= h->uses_run_state || binds_socket_map(*h);
        return {};
    }

    Result<void> operator()(const CallX&) {
        out_.has_callx = true;
        out_.uses_run_state = true; // any helper, known only at run time
        return {};
    }
    Result<void> operator()(const Exit&) { return {}; }
    Result<void> operator()(const PacketLoad&) {
        out_.has_packet_loads = true;
        return {};
    }
    Result<void> operator()(const LddwSecondSlot&) {
        slot_->emit = false;
        return {};
    }

private:
    // A helper that behaves otherwise on socket maps (Helper::on_socket_maps) reads the run
    // state there (its sockets), so a program binding such a map needs one.
    bool binds_socket_map(const helpers::Helper& h) const {
        if (h.on_socket_maps.map_types == 0 || options_.bindings == nullptr) return false;
        for (const auto& b : options_.bindings->maps)
            if (b.map && (h.on_socket_maps.map_types & helpers::map_type_bit(b.map->definition().type))) return true;
        return false;
    }

    // r10 never changes (the decoder rejects every write to it), so r10 + a constant
    // offset inside the 512-byte frame is in bounds on every path, with or without Facts.
    static bool inside_own_frame(Reg base, int16_t off, uint32_t size) {
        return base.n == isa::kFramePointer && off >= -static_cast<int32_t>(isa::kStackSize) &&
               off + static_cast<int32_t>(size) <= 0;
    }

    Result<void> checked_if_unproven(Reg base, int16_t off, uint32_t size, bool write) {
        slot_->checked_access =
            !options_.trusted && !facts_.in_bounds(pc_) && !inside_own_frame(base, off, size);
        out_.needs_guest_memory |= slot_->checked_access;
        if (slot_->checked_access) {
            const uint32_t site = (write ? checked_writes_ : checked_loads_)++;
            const auto entry = static_cast<uint8_t>((write ? 4 : 0) + site % 4);
            slot_->access_cache_entry = entry;
            out_.access_cache_width[entry] = std::max(out_.access_cache_width[entry], static_cast<uint8_t>(size));
        }
        return {};
    }
    uint32_t checked_loads_ = 0, checked_writes_ = 0; // checked_if_unproven's counts so far

    static bool is_division(AluOp op) {
        return op == AluOp::Div || op == AluOp::Mod || op == AluOp::SDiv || op == AluOp::SMod;
    }

    // `r <<= 32; r >>= 32` (the older zero-extension idiom) on a value whose upper half
    // the verifier proved zero: both slots become nothing.
    bool zero_extension_pair_is_redundant(const Alu& alu) {
        if (!options_.optimise.zero_extension) return false;
        if (alu.op != AluOp::Lsh || !alu.is64 || std::get<Imm>(alu.src).v != 32) return false;
        if (pc_ + 1 >= program_.size() || out_.slots[pc_ + 1].label || !facts_.upper_zero(pc_, alu.dst.n)) return false;
        const auto* next = std::get_if<Alu>(&program_.insns[pc_ + 1]);
        if (next == nullptr || next->op != AluOp::Rsh || !next->is64 || next->dst != alu.dst ||
            next->src != Operand{Imm{32}})
            return false;
        slot_->emit = false;
        out_.slots[pc_ + 1].emit = false;
        return true;
    }

    const helpers::HelperTable* helper_table() const {
        return options_.bindings ? options_.bindings->helpers : nullptr;
    }

    void set_imm(Alu alu) {
        slot_->insn = alu;
        slot_->constant = imm_value(std::get<Imm>(alu.src), alu.is64);
        slot_->constant_width = const_width(slot_->constant);
    }

    // Constant divisors: the cases needing a fixup become plain instructions.
    Result<void> constant_division(Alu alu, int32_t divisor) {
        const bool is_signed = alu.op == AluOp::SDiv || alu.op == AluOp::SMod;
        const bool is_mod = alu.op == AluOp::Mod || alu.op == AluOp::SMod;
        if (divisor == 0) {
            if (!is_mod) set_imm(Alu{AluOp::Mov, alu.is64, alu.dst, Imm{0}});
            else if (alu.is64) slot_->emit = false;                      // dst unchanged
            else slot_->insn = Alu{AluOp::Mov, false, alu.dst, alu.dst}; // zero-extended
            return {};
        }
        if (is_signed && divisor == -1) {
            if (is_mod) set_imm(Alu{AluOp::Mov, alu.is64, alu.dst, Imm{0}});
            else slot_->insn = Alu{AluOp::Neg, alu.is64, alu.dst, Imm{0}};
            return {};
        }
        const uint64_t d = imm_value(Imm{divisor}, alu.is64);
        if (!options_.optimise.magic_division) {
            set_imm(alu);
            return {};
        }
        if (d == 1) {
            if (is_mod) set_imm(Alu{AluOp::Mov, alu.is64, alu.dst, Imm{0}});
            else if (alu.is64) slot_->emit = false;
            else slot_->insn = Alu{AluOp::Mov, false, alu.dst, alu.dst};
            return {};
        }
        // 64-bit: a power of two from a sign-extended imm is at most 2^30, so d - 1 fits.
        if (!is_signed && std::has_single_bit(d)) {
            if (is_mod) set_imm(Alu{AluOp::And, alu.is64, alu.dst, Imm{static_cast<int32_t>(d - 1)}});
            else set_imm(Alu{AluOp::Rsh, alu.is64, alu.dst, Imm{std::countr_zero(d)}});
            return {};
        }
        set_imm(alu);
        if (auto plan = plan_magic_division(is_signed, is_mod, alu.is64, d)) {
            slot_->division = static_cast<int32_t>(out_.divisions.size());
            out_.divisions.push_back(*plan);
        }
        return {};
    }

    Result<void> constant_movsx(Alu alu, int32_t v) {
        int64_t value = v;
        if (alu.op == AluOp::MovSx8) value = static_cast<int8_t>(v);
        if (alu.op == AluOp::MovSx16) value = static_cast<int16_t>(v);
        set_imm(Alu{AluOp::Mov, alu.is64, alu.dst, Imm{static_cast<int32_t>(value)}});
        return {};
    }

    Result<uint64_t> lddw_value(const LoadImm64& l) const {
        auto binding = [&]() -> Result<const helpers::MapBinding*> {
            const auto index = static_cast<uint32_t>(l.imm);
            const size_t count = options_.bindings ? options_.bindings->maps.size() : 0;
            if (index >= count)
                return fail(Error::at_insn(pc_, fmt::format("LDDW refers to map {}, but the program has {} maps",
                                                            index, count)));
            return &options_.bindings->maps[index];
        };
        switch (l.kind) {
        case LddwKind::Imm64: return l.value();
        case LddwKind::MapFd:
        case LddwKind::MapIdx: {
            auto b = binding();
            if (!b) return fail(b.error());
            if ((*b)->map == nullptr)
                return fail(Error::at_insn(pc_, fmt::format("LDDW map {} is not bound to a map", l.imm)));
            return reinterpret_cast<uint64_t>((*b)->map);
        }
        case LddwKind::MapValue:
        case LddwKind::MapIdxValue: {
            auto b = binding();
            if (!b) return fail(b.error());
            const auto offset = static_cast<uint32_t>(l.next_imm);
            if ((*b)->direct_value == nullptr || offset >= (*b)->value_size)
                return fail(Error::at_insn(pc_, fmt::format("LDDW map value {} + {} is outside the map's {}-byte value",
                                                            l.imm, offset, (*b)->value_size)));
            return reinterpret_cast<uint64_t>((*b)->direct_value + offset);
        }
        case LddwKind::VariableAddr:
            return fail(Error::at_insn(pc_, "LDDW of a BTF variable address (src 3) is unsupported"));
        case LddwKind::CodeAddr: return 0; // the backend loads the label's address
        }
        return fail(Error::at_insn(pc_, "unknown LDDW kind"));
    }

    const Program& program_;
    const verifier::Facts& facts_;
    const LoweringOptions& options_;
    Lowered& out_;
    uint32_t pc_ = 0;
    LoweredSlot* slot_ = nullptr;
};

std::vector<helpers::HelperFn> callx_table(const LoweringOptions& options) {
    std::vector<helpers::HelperFn> table;
    if (options.bindings == nullptr || options.bindings->helpers == nullptr) return table;
    for (const auto& [id, h] : options.bindings->helpers->all()) {
        if (id < 0 || id == engine_abi::helper_id::kTailCall || h.fn == nullptr || id > 0xffff) continue;
        if ((h.allowed & mask_of(options.program_type)) == 0) continue;
        if (table.size() <= static_cast<size_t>(id)) table.resize(static_cast<size_t>(id) + 1, nullptr);
        table[static_cast<size_t>(id)] = h.fn;
    }
    return table;
}

// Helper calls are checked when the verifier proved nothing (empty Facts), and in every
// program that checks some access anyway: its run keeps a guest-memory view, and the
// callbacks' frame walk needs each helper call recorded (engine_abi/checked_calls.hpp).
void mark_checked_calls(const verifier::Facts& facts, const LoweringOptions& options, Lowered& out) {
    auto is_helper_call = [](const LoweredSlot& s) {
        return s.emit && (s.call == CallRole::Helper || std::holds_alternative<CallX>(s.insn));
    };
    if (options.trusted) return;
    const bool proven = !facts.access_in_bounds.empty();
    if (!proven && std::any_of(out.slots.begin(), out.slots.end(), is_helper_call)) out.needs_guest_memory = true;
    if (!out.needs_guest_memory) return;
    for (LoweredSlot& s : out.slots) s.checked_call = is_helper_call(s);
    if (options.bindings) out.bindings = *options.bindings;
}

} // namespace

EntryFrameNeeds entry_frame_needs(const Lowered& lowered) {
    EntryFrameNeeds needs;
    const bool has_callbacks = std::any_of(lowered.slots.begin(), lowered.slots.end(),
                                           [](const LoweredSlot& s) { return s.code_target >= 0; });
    needs.full = lowered.has_tail_calls || lowered.has_packet_loads || lowered.has_callx || has_callbacks ||
                 lowered.instruction_budget != 0 || lowered.needs_guest_memory;
    // A trap records its fault in RunStatus: a full frame reaches it through FrameInfo, a
    // lean one keeps the pointer (EntryFrameNeeds).
    needs.trap_status = !needs.full && !lowered.unreachable_runs.empty();
    for (const Subprogram& sub : lowered.subprograms) {
        needs.regs_written |= sub.regs_written;
        needs.calls |= sub.calls;
    }
    needs.local_calls = lowered.subprograms.size() > 1;
    needs.stack = ((lowered.regs_used >> 10) & 1) != 0;
    return needs;
}

RunNeeds run_needs(const Lowered& lowered) {
    const EntryFrameNeeds frame = entry_frame_needs(lowered);
    RunNeeds needs;
    needs.state = lowered.uses_run_state;
    // The entry reads RunStatus::stack_top for a full frame and whenever r10 is set up.
    needs.stack = frame.full || frame.stack || frame.local_calls;
    needs.status = needs.stack || frame.trap_status;
    return needs;
}

bool wants_c_entry(const Lowered& lowered) {
    if (lowered.slots.size() > kCEntryMaxSlots) return false;
    const EntryFrameNeeds frame = entry_frame_needs(lowered);
    const RunNeeds needs = run_needs(lowered);
    // Lean (CompiledProgram::lean) and stackless (runtime::LeanEntry::status false): the
    // entry's caller passes no RunStatus. The budget and the stack zeroing are implied by
    // the frame today; they are named so that the C entry never depends on that.
    // No trap either (RunNeeds::status): the C entry's callers test nothing after it (the C
    // API tail-jumps into it), so it must not be able to fault.
    return !needs.state && !needs.status && !lowered.needs_guest_memory && !frame.full && !frame.local_calls &&
           lowered.instruction_budget == 0 && lowered.subprograms.size() == 1 &&
           lowered.subprograms[0].zero_lo >= lowered.subprograms[0].zero_hi;
}

Result<Lowered> lower(const isa::Program& program, const verifier::Facts& facts,
                      const LoweringOptions& options) {
    if (program.size() == 0) return fail(Error::plain("the program is empty"));
    if (program.size() > UINT32_MAX / 2) return fail(Error::plain("the program is too large"));
    Lowered out;
    out.program_type = options.program_type;
    out.slots.resize(program.size());
    for (uint32_t pc = 0; pc < program.size(); ++pc) {
        out.slots[pc].insn = program.insns[pc];
        out.slots[pc].emit = facts.is_reachable(pc);
    }
    if (auto r = detail::analyse_control_flow(program, options, out); !r) return fail(r.error());
    for (Subprogram& sub : out.subprograms) {
        const verifier::StackZero* z = facts.stack_zero_at(static_cast<uint32_t>(sub.start));
        if (z == nullptr) continue;
        if (z->lo < -static_cast<int32_t>(isa::kStackSize) || z->lo >= z->hi || z->hi > 0)
            return fail(Error::at_insn(static_cast<uint32_t>(sub.start),
                                       fmt::format("stack range to zero [{}, {}) is outside the frame", z->lo, z->hi)));
        sub.zero_lo = z->lo;
        sub.zero_hi = z->hi;
    }

    SlotLowering lowering(program, facts, options, out);
    for (uint32_t pc = 0; pc < program.size(); ++pc) {
        if (!out.slots[pc].emit) continue;
        if (auto r = lowering.lower(pc); !r) return fail(r.error());
    }
    if (out.has_callx) out.callx_table = callx_table(options);
    mark_checked_calls(facts, options, out);
    // Checked calls keep the generic helper path: inline lookups would read the key unchecked.
    if (options.optimise.map_lookups && !out.needs_guest_memory) detail::specialise_map_lookups(program, out);
    detail::analyse_registers(program, out);
    detail::assign_access_cache_registers(out);
    // Without a proof (empty Facts), registers read before written start at 0.
    if (facts.access_in_bounds.empty()) out.zero_at_entry &= 0x3f9; // r0, r3..r9
    else out.zero_at_entry = 0;
    detail::fuse_pairs(out);
    detail::mark_unreachable_runs(facts, out);
    out.instruction_budget = options.instruction_budget;
    out.retpoline = options.retpoline;
    if (out.instruction_budget != 0) detail::mark_budget_charges(out);
    if (options.optimise.block_idioms) detail::recognise_block_idioms(facts, out);
    if (options.optimise.compare_idioms) detail::recognise_compare_idioms(facts, out);
    if (options.optimise.hoisted_checks && out.needs_guest_memory) detail::version_checked_loops(out, options.optimise.block_idioms);
    if (options.optimise.budget_register) detail::assign_budget_register(out);
    return out;
}

} // namespace ebpfjit::jit
