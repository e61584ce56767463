// Pointer-leak cases (issue 14): each program turns a pointer into data one way; the
// default rules reject it at `insn`, the allow_ptr_leaks opt-in gives the kernel's
// privileged verdict (pointer_leaks_test.cpp checks both, soundness_test.cpp runs the ones
// the opt-in accepts).
#include "corpus.hpp"

#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

using isa::AtomicOp;
constexpr auto B = Size::B;
constexpr auto W = Size::W;
constexpr auto DW = Size::DW;
constexpr auto Xdp = ProgramType::Xdp;
constexpr auto Tc = ProgramType::SchedCls;
constexpr auto Mem = ProgramType::Mem;

struct Cases {
    void leak(std::string name, ProgramType t, const Builder& b, Reason r, size_t insn, std::string says,
              std::optional<Reason> privileged = std::nullopt) {
        all.push_back({std::move(name), t, b.build(), r, uint32_t(insn), std::move(says), privileged});
    }
    std::vector<LeakCase> all;
};

// r2 = data, r3 = data_end; `n` bytes proven, else goto out (r0 = 0, exit).
Builder xdp_with_bytes(int32_t n) {
    Builder b;
    b.ldx(W, r2, r1, 0).ldx(W, r3, r1, 4).mov(r4, r2).add(r4, n).j(Cond::Gt, r4, r3, "out");
    return b;
}
Builder& out(Builder& b) { return b.label("out").mov(r0, 0).exit(); }
// r0 = lookup(map, key 0 at fp-4); NULL: goto out.
Builder& lookup(Builder& b, int32_t map) {
    return b.st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, map).call(1).j(Cond::Eq, r0, 0, "out");
}
// r0 = a random number in [0, mask].
Builder& random_below(Builder& b, int32_t mask) { return b.call(7).and_(r0, mask); }

} // namespace

std::vector<LeakCase> pointer_leak_cases() {
    Cases c;
    // ---- atomics on a spilled pointer: the known hole (r10 laundered into a scalar) ----
    { Builder b; b.stx(DW, r10, -8, r10).mov(r1, 0); size_t at = b.size();
      b.atomic(AtomicOp::Xchg, true, true, r10, -8, r1).mov(r0, r1).exit();
      c.leak("xchg_launders_frame_pointer", Xdp, b, Reason::InvalidSpillAccess, at, "leaking pointer from stack"); }
    { Builder b; b.stx(DW, r10, -8, r10).mov(r0, 0).mov(r1, 0); size_t at = b.size();
      b.atomic(AtomicOp::CmpXchg, true, true, r10, -8, r1).exit();
      c.leak("cmpxchg_launders_frame_pointer", Xdp, b, Reason::InvalidSpillAccess, at, "leaking pointer from stack"); }
    { Builder b; b.mov(r6, r1).stx(DW, r10, -16, r6).mov(r1, 0); size_t at = b.size();
      b.atomic(AtomicOp::Add, true, true, r10, -16, r1).mov(r0, r1).exit();
      c.leak("fetch_add_launders_ctx", Tc, b, Reason::InvalidSpillAccess, at, "leaking pointer from stack"); }
    { Builder b; b.stx(DW, r10, -8, r10).mov(r1, 1); size_t at = b.size();
      b.atomic(AtomicOp::Add, false, true, r10, -8, r1).ldx(DW, r0, r10, -8).exit();
      c.leak("atomic_add_on_spilled_pointer", Mem, b, Reason::InvalidSpillAccess, at, "leaking pointer from stack"); }
    { Builder b; lookup(b, kArrayMap).mov(r1, r10); size_t at = b.size();
      b.atomic(AtomicOp::Xchg, true, true, r0, 0, r1); out(b);
      c.leak("xchg_pointer_into_map_value", Xdp, b, Reason::PointerStore, at, "r1 leaks addr into mem"); }
    { Builder b; lookup(b, kArrayMap); size_t at = b.size();
      b.atomic(AtomicOp::Xchg, true, true, r0, 0, r10); out(b);
      c.leak("xchg_into_frame_pointer", Xdp, b, Reason::WriteToFramePointer, at, "r10 is read-only",
             Reason::WriteToFramePointer); }
    { Builder b; lookup(b, kArrayMap).mov(r6, r0).mov(r0, r10).mov(r1, 0); size_t at = b.size();
      b.atomic(AtomicOp::CmpXchg, true, true, r6, 0, r1); out(b);
      c.leak("cmpxchg_pointer_comparand", Xdp, b, Reason::PointerStore, at, "r0 leaks addr into mem"); }

    // ---- pointers stored outside the stack ----
    { Builder b; lookup(b, kHashMap); size_t at = b.size(); b.stx(DW, r0, 0, r10); out(b);
      c.leak("pointer_into_map_value", Xdp, b, Reason::PointerStore, at, "r10 leaks addr into map value"); }
    { Builder b; b.ld_map_value(r1, kGlobalData, 8); size_t at = b.size(); b.stx(DW, r1, 0, r1).mov(r0, 0).exit();
      c.leak("pointer_into_global_data", Mem, b, Reason::PointerStore, at, "r1 leaks addr into map value"); }
    { Builder b = xdp_with_bytes(8); size_t at = b.size(); b.stx(DW, r2, 0, r3); out(b);
      c.leak("data_end_into_packet", Xdp, b, Reason::PointerStore, at, "r3 leaks addr into packet"); }
    { Builder b; b.j(Cond::Lt, r2, 8, "out"); size_t at = b.size(); b.stx(DW, r1, 0, r10); out(b);
      c.leak("pointer_into_mem_buffer", Mem, b, Reason::PointerStore, at, "r10 leaks addr into packet"); }
    { Builder b; size_t at = b.size(); b.stx(W, r1, 48, r1).mov(r0, 0).exit();
      // Stricter than the kernel's privileged rules: a ctx field never takes a pointer.
      c.leak("ctx_into_ctx_field", Tc, b, Reason::PointerStore, at, "r1 leaks addr into ctx", Reason::PointerStore); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out");
      size_t at = b.size(); b.stx(DW, r0, 8, r10).mov(r1, r0).mov(r2, 0).call(132); out(b);
      c.leak("pointer_into_ringbuf_record", Xdp, b, Reason::PointerStore, at, "r10 leaks addr into mem"); }

    // ---- pointers returned ----
    { Builder b; b.mov(r0, r10); size_t at = b.size(); b.exit();
      c.leak("return_frame_pointer", Xdp, b, Reason::ReturnValue, at, "r0 leaks addr as return value"); }
    { Builder b = xdp_with_bytes(0); b.mov(r0, r2); size_t at = b.size(); b.exit(); out(b);
      c.leak("return_packet_pointer", Xdp, b, Reason::ReturnValue, at, "r0 leaks addr as return value"); }

    // ---- pointers handed to helpers as data ----
    { Builder b; b.st(W, r10, -4, 0).st(DW, r10, -16, 0).ld_map(r1, kHashMap).mov(r2, r10).add(r2, -4)
          .mov(r3, r10).add(r3, -16).mov(r4, r10); size_t at = b.size(); b.call(2).mov(r0, 0).exit();
      c.leak("pointer_as_update_flags", Xdp, b, Reason::HelperArgument, at, "r4 leaks addr into helper function"); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, r10); size_t at = b.size();
      b.call(131).j(Cond::Eq, r0, 0, "out").mov(r1, r0).mov(r2, 0).call(133); out(b);
      c.leak("pointer_as_reserve_flags", Xdp, b, Reason::HelperArgument, at, "r3 leaks addr into helper function"); }
    { Builder b; b.st(W, r10, -4, 0).stx(DW, r10, -16, r10).ld_map(r1, kHashMap).mov(r2, r10).add(r2, -4)
          .mov(r3, r10).add(r3, -16).mov(r4, 0); size_t at = b.size(); b.call(2).mov(r0, 0).exit();
      c.leak("map_value_holds_spilled_pointer", Xdp, b, Reason::HelperArgument, at,
             "r3 leaks addr into helper function"); }
    { Builder b; b.stx(DW, r10, -8, r10).ld_map(r1, kHashMap).mov(r2, r10).add(r2, -8); size_t at = b.size();
      b.call(1).mov(r0, 0).exit();
      c.leak("map_key_holds_part_of_spilled_pointer", Xdp, b, Reason::HelperArgument, at,
             "r2 leaks addr into helper function"); }
    { Builder b; b.mov(r6, r1).st(DW, r10, -8, 0).stx(DW, r10, -16, r6).ld_map(r1, kRingbufMap).mov(r2, r10)
          .add(r2, -16).mov(r3, 16).mov(r4, 0); size_t at = b.size(); b.call(130).mov(r0, 0).exit();
      c.leak("ringbuf_output_buffer_holds_ctx", Tc, b, Reason::HelperArgument, at,
             "r2 leaks addr into helper function"); }
    { Builder b; random_below(b, 8).stx(DW, r10, -8, r10).st(DW, r10, -16, 0).mov(r2, r10).add(r2, -16)
          .add(r2, r0).ld_map(r1, kRingbufMap).mov(r3, 8).mov(r4, 0); size_t at = b.size();
      b.call(130).mov(r0, 0).exit();
      c.leak("variable_offset_buffer_reaches_spill", Xdp, b, Reason::HelperArgument, at,
             "r2 leaks addr into helper function"); }
    { Builder b; b.st(DW, r10, -8, 0x0a7825).mov(r1, r10).add(r1, -8).mov(r2, 4).mov(r3, r10); size_t at = b.size();
      b.call(6).mov(r0, 0).exit();
      c.leak("trace_printk_prints_pointer", Xdp, b, Reason::HelperArgument, at, "r3 leaks addr into helper function"); }

    // ---- pointer comparisons with data ----
    { Builder b; b.mov(r1, r10); size_t at = b.size(); b.j(Cond::Gt, r1, 0x1000, "out").mov(r0, 1).exit(); out(b);
      c.leak("pointer_compared_with_constant", Xdp, b, Reason::PointerComparison, at, "comparison involving a pointer"); }
    { Builder b; b.call(7).mov(r1, r10); size_t at = b.size(); b.j(Cond::Lt, r0, r1, "out").mov(r0, 1).exit(); out(b);
      c.leak("scalar_compared_with_pointer", Xdp, b, Reason::PointerComparison, at, "comparison involving a pointer"); }
    { Builder b; b.mov(r2, r10).add(r2, -8); size_t at = b.size(); b.j(Cond::Gt, r10, r2, "out").mov(r0, 1).exit(); out(b);
      c.leak("stack_pointers_compared", Xdp, b, Reason::PointerComparison, at, "comparison involving a pointer"); }
    { Builder b = xdp_with_bytes(0); size_t at = b.size(); b.j(Cond::Gt, r2, r3, "out", true).mov(r0, 1).exit(); out(b);
      c.leak("packet_pointers_compared_32bit", Xdp, b, Reason::PointerComparison, at, "32-bit comparison"); }

    // ---- pointer arithmetic that yields an address as a number ----
    { Builder b; b.mov(r0, r10); size_t at = b.size(); b.sub(r0, r1).exit();
      c.leak("stack_minus_ctx", Xdp, b, Reason::PointerArithmetic, at, "pointer -= pointer prohibited"); }
    { Builder b = xdp_with_bytes(0); b.mov(r0, r2); size_t at = b.size(); b.sub(r0, r10).exit(); out(b);
      c.leak("packet_minus_stack", Xdp, b, Reason::PointerArithmetic, at, "pointer -= pointer prohibited"); }
    { Builder b; lookup(b, kHashMap).mov(r6, r0); lookup(b, kHashMap).mov(r1, r0); size_t at = b.size();
      b.sub(r1, r6).mov(r0, 0).exit(); out(b);
      c.leak("two_hash_values_subtracted", Xdp, b, Reason::PointerArithmetic, at, "pointer -= pointer prohibited"); }
    { Builder b; b.mov(r1, r10).add(r1, -8).call_local("f").exit().label("f").mov(r0, r10); size_t at = b.size();
      b.sub(r0, r1).exit();
      c.leak("callee_minus_caller_stack", Xdp, b, Reason::PointerArithmetic, at, "pointer -= pointer prohibited"); }
    { Builder b; size_t at = b.size(); b.mov32(r0, r10).exit();
      c.leak("partial_copy_of_pointer", Xdp, b, Reason::PointerArithmetic, at, "partial copy of pointer"); }

    // ---- stack bytes of a spilled pointer turned into data ----
    { Builder b; b.stx(DW, r10, -8, r10); size_t at = b.size(); b.st(B, r10, -8, 0).ldx(DW, r0, r10, -8).exit();
      c.leak("corrupt_spilled_pointer", Xdp, b, Reason::InvalidSpillAccess, at, "attempt to corrupt the spilled pointer"); }
    { Builder b; b.stx(DW, r10, -8, r10).ld_map(r1, kHashMap).mov(r2, r10).add(r2, -4); size_t at = b.size();
      b.call(1).mov(r0, 0).exit();
      c.leak("helper_key_half_of_spill", Xdp, b, Reason::HelperArgument, at, "leaks addr into helper function"); }
    { Builder b; b.mov(r6, r1).stx(DW, r10, -16, r10).mov(r1, r6).mov(r2, 0).mov(r3, r10).add(r3, -12).mov(r4, 8);
      size_t at = b.size(); b.call(26).ldx(DW, r0, r10, -16).exit();
      c.leak("helper_write_over_half_a_spill", Tc, b, Reason::InvalidSpillAccess, at,
             "attempt to corrupt the spilled pointer"); }
    // ---- pointers invalidated by a helper: uninitialised, never numbers ----
    { Builder b; b.mov(r6, r1).ldx(W, r7, r1, 0).mov(r2, 0).call(44); lookup(b, kArrayMap); size_t at = b.size();
      b.stx(DW, r0, 0, r7); out(b);
      c.leak("packet_pointer_stored_after_adjust_head", Xdp, b, Reason::UninitializedRegister, at,
             "it held a packet pointer, invalidated by the packet-changing helper call at insn 3"); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out").mov(r7, r0)
          .mov(r1, r0).mov(r2, 0).call(132); lookup(b, kArrayMap); size_t at = b.size();
      b.stx(DW, r0, 0, r7); out(b);
      c.leak("ringbuf_record_stored_after_submit", Xdp, b, Reason::ReferenceRelease, at, "released at insn 9"); }
    { Builder b; b.mov(r6, r1).ldx(W, r2, r1, 0).stx(DW, r10, -8, r2).mov(r1, r6).mov(r2, 0).call(44).mov(r1, 0);
      size_t at = b.size(); b.atomic(AtomicOp::Xchg, true, true, r10, -8, r1).mov(r0, r1).exit();
      c.leak("xchg_on_invalidated_packet_pointer", Xdp, b, Reason::InvalidSpillAccess, at, "leaking pointer from stack"); }
    // A helper's write over whole slots of a spilled pointer: a helper may write fewer bytes
    // than its size says (bpf_snprintf stops after the NUL and writes nothing on a bad
    // format, probe_read on a variable size), leaving the pointer where the verifier saw
    // data. The kernel checks the write byte by byte and rejects it unprivileged.
    { Builder b; b.mov(r6, r1).stx(DW, r10, -16, r10).mov(r1, r6).mov(r2, 0).mov(r3, r10).add(r3, -16).mov(r4, 16);
      size_t at = b.size(); b.call(26).ldx(DW, r0, r10, -16).exit();
      c.leak("helper_write_over_whole_spill", Tc, b, Reason::InvalidSpillAccess, at,
             "attempt to corrupt the spilled pointer at fp-16"); }
    { Builder b; b.mov(r6, r1); random_below(b, 8).add(r0, 8).stx(DW, r10, -8, r10).mov(r4, r0).mov(r1, r6).mov(r2, 0)
          .mov(r3, r10).add(r3, -16);
      size_t at = b.size(); b.call(26).ldx(DW, r0, r10, -8).exit();
      c.leak("variable_size_helper_write_over_spill", Tc, b, Reason::InvalidSpillAccess, at,
             "attempt to corrupt the spilled pointer at fp-8"); }
    { Builder b; random_below(b, 15).stx(DW, r10, -8, r10).st(DW, r10, -16, 0).mov(r1, r10).add(r1, -16).add(r1, r0);
      size_t at = b.size(); b.st(B, r1, 0, 1).ldx(DW, r0, r10, -8).exit();
      c.leak("variable_offset_write_over_spill", Xdp, b, Reason::InvalidSpillAccess, at,
             "in range of a variable-offset stack write"); }
    { Builder b; random_below(b, 15).st(DW, r10, -16, 0).mov(r1, r10).add(r1, -16).add(r1, r0);
      size_t at = b.size(); b.st(B, r1, 0, 1).ldx(DW, r0, r10, -8).exit();
      c.leak("variable_offset_write_over_uninit", Xdp, b, Reason::UninitializedStackRead, at,
             "in range of a variable-offset write"); }
    return c.all;
}

// Programs the default rules must keep accepting: offsets, NULL checks and spills.
std::vector<CorpusCase> pointer_leak_lookalikes() {
    std::vector<CorpusCase> all;
    auto ok = [&](std::string name, ProgramType t, const Builder& b) { all.push_back({std::move(name), t, b.build(), true}); };
    { Builder b = xdp_with_bytes(0); b.mov(r0, r3).sub(r0, r2).and_(r0, 1).exit(); out(b);
      ok("data_end_minus_data", Xdp, b); }
    { Builder b; b.ldx(W, r2, r1, 0).ldx(W, r3, r1, 8).mov(r0, r2).sub(r0, r3).and_(r0, 1).exit();
      ok("data_minus_data_meta", Xdp, b); }
    { Builder b; b.mov(r3, r1).add(r3, r2).mov(r0, r3).sub(r0, r1).and_(r0, 1).exit();
      ok("mem_end_minus_buffer", Mem, b); }
    { Builder b; b.mov(r1, r10).add(r1, -16).mov(r0, r10).sub(r0, r1).exit(); ok("stack_minus_stack", Xdp, b); }
    { Builder b; b.ld_map_value(r1, kGlobalData, 8).ld_map_value(r2, kGlobalData, 0).mov(r0, r1).sub(r0, r2).exit();
      ok("global_data_minus_global_data", Xdp, b); }
    { Builder b = xdp_with_bytes(4); b.j(Cond::Eq, r2, r3, "out").j(Cond::Ne, r4, r2, "out").mov(r0, 2).exit(); out(b);
      ok("packet_pointers_compared", Xdp, b); }
    { Builder b; lookup(b, kHashMap).mov(r0, 2).exit(); out(b); ok("null_check", Xdp, b); }
    { Builder b; b.stx(DW, r10, -8, r1).ldx(DW, r1, r10, -8).ldx(W, r0, r1, 12).exit(); ok("spill_and_fill_ctx", Xdp, b); }
    { Builder b; b.stx(DW, r10, -8, r10).st(DW, r10, -16, 0).ld_map(r1, kRingbufMap).mov(r2, r10).add(r2, -16)
          .mov(r3, 8).mov(r4, 0).call(130).mov(r0, 0).exit();
      ok("helper_buffer_next_to_spill", Xdp, b); }
    { Builder b; b.st(DW, r10, -8, 0).mov(r1, r10).add(r1, -8).call_local("f").ldx(DW, r0, r0, 0).exit()
          .label("f").mov(r0, r1).exit();
      ok("subprogram_returns_caller_stack_pointer", Xdp, b); }
    { Builder b; b.stx(DW, r10, -8, r10).stx(DW, r10, -8, r1).mov(r0, 0).exit(); ok("spill_over_spill", Xdp, b); }
    { Builder b; b.stx(DW, r10, -8, r10).mov(r1, 0).stx(DW, r10, -8, r1).mov(r2, 1)
          .atomic(AtomicOp::Add, false, true, r10, -8, r2).ldx(DW, r0, r10, -8).exit();
      ok("atomic_after_pointer_overwritten", Xdp, b); }
    return all;
}

} // namespace ebpfjit::verifier::test
