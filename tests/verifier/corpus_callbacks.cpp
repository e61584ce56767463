// Corpus cases for callbacks (LDDW src 4 + bpf_loop / bpf_for_each_map_elem), with the
// kernel's verdicts. The callback is verified in its own frame with the kernel's argument
// types, must return 0 or 1, and may run any number of times: what it does to the
// caller's stack is seen by the code after the helper call.
#include "corpus.hpp"
#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto W = Size::W;
constexpr auto DW = Size::DW;
constexpr auto Xdp = ProgramType::Xdp;
constexpr int32_t kLoop = 181, kForEach = 164, kSpinLock = 93;

struct Cases {
    std::vector<CorpusCase> out;
    void accept(std::string name, const Builder& b) { out.push_back({std::move(name), Xdp, b.build(), true}); }
    void reject(std::string name, const Builder& b, Reason r, size_t insn) {
        out.push_back({std::move(name), Xdp, b.build(), false, r, uint32_t(insn)});
    }
};

// bpf_loop(8, cb, fp - 8, 0) with *(u64 *)(fp - 8) = 0 first.
Builder& loop_call(Builder& b, int32_t nr = 8) {
    return b.st(DW, r10, -8, 0).mov(r1, nr).ld_func(r2, "cb").mov(r3, r10).add(r3, -8).mov(r4, 0).call(kLoop);
}
// bpf_for_each_map_elem(array, cb, fp - 8, 0)
Builder& for_each_call(Builder& b) {
    return b.st(DW, r10, -8, 0).ld_map(r1, kArrayMap).ld_func(r2, "cb").mov(r3, r10).add(r3, -8).mov(r4, 0)
        .call(kForEach);
}

void accepts(Cases& c) {
    { // the callback sums indexes into the caller's stack
      Builder b; loop_call(b).ldx(DW, r0, r10, -8).exit();
      b.label("cb").ldx(DW, r0, r2, 0).add(r0, r1).stx(DW, r2, 0, r0).mov(r0, 0).exit();
      c.accept("loop_sum_into_ctx", b); }
    { // a NULL ctx, and a callback that stops at once
      Builder b; b.mov(r1, 100).ld_func(r2, "cb").mov(r3, 0).mov(r4, 0).call(kLoop).mov(r0, 0).exit();
      b.label("cb").mov(r0, 1).exit();
      c.accept("loop_null_ctx", b); }
    { // a counter the callback bumps: the iterations meet a state seen before
      Builder b; loop_call(b, 1000).mov(r0, 2).exit();
      b.label("cb").ldx(DW, r3, r2, 0).add(r3, 1).stx(DW, r2, 0, r3).mov(r0, 0).exit();
      c.accept("loop_counter", b); }
    { // the callback's own stack and a bounded branch on the index
      Builder b; loop_call(b).mov(r0, 2).exit();
      b.label("cb").st(DW, r10, -16, 7).j(Cond::Gt, r1, 3, "stop").ldx(DW, r0, r10, -16).and_(r0, 0).exit()
          .label("stop").mov(r0, 1).exit();
      c.accept("loop_callback_stack", b); }
    { // for_each over an array: read the key, update the value
      Builder b; for_each_call(b).mov(r0, 2).exit();
      b.label("cb").ldx(W, r5, r2, 0).ldx(DW, r0, r3, 8).add(r0, r5).stx(DW, r3, 0, r0).mov(r0, 0).exit();
      c.accept("for_each_array", b); }
}

void rejects(Cases& c) {
    { Builder b; loop_call(b).mov(r0, 0).exit(); b.label("cb").mov(r0, 2); size_t at = b.size(); b.exit();
      c.reject("callback_returns_2", b, Reason::ReturnValue, at); }
    { Builder b; loop_call(b).mov(r0, 0).exit(); b.label("cb").mov(r0, r2); size_t at = b.size(); b.exit();
      c.reject("callback_returns_pointer", b, Reason::ReturnValue, at); }
    { Builder b; loop_call(b).mov(r0, 0).exit(); b.label("cb"); size_t at = b.size(); b.st(DW, r2, 8, 0).mov(r0, 0).exit();
      c.reject("callback_ctx_out_of_bounds", b, Reason::StackOutOfBounds, at); }
    { Builder b; loop_call(b).mov(r0, 0).exit(); b.label("cb"); size_t at = b.size(); b.mov(r0, r3).exit();
      c.reject("loop_callback_has_no_r3", b, Reason::UninitializedRegister, at); }
    { // the callback leaves 16 in the caller's index (widened, as the kernel does, since
      // nothing needed it exact): zero runs alone would have kept it 0 and passed
      Builder b; b.st(DW, r10, -16, 0); loop_call(b).ldx(DW, r1, r10, -8).mov(r2, r10).add(r2, -16);
      size_t at = b.size(); b.add(r2, r1).ldx(DW, r0, r2, 0).exit();
      b.label("cb").st(DW, r2, 0, 16).mov(r0, 0).exit();
      c.reject("callback_effect_seen_after_loop", b, Reason::PointerArithmetic, at); }
    { // the same with the index bounded after the loop, but not enough: 16 is out of the stack
      Builder b; b.st(DW, r10, -16, 0); loop_call(b).ldx(DW, r1, r10, -8).j(Cond::Gt, r1, 16, "out")
          .mov(r2, r10).add(r2, -16).add(r2, r1); size_t at = b.size(); b.ldx(DW, r0, r2, 0).exit()
          .label("out").mov(r0, 0).exit();
      b.label("cb").st(DW, r2, 0, 16).mov(r0, 0).exit();
      c.reject("callback_effect_bounded_too_loosely", b, Reason::StackOutOfBounds, at); }
    { Builder b; b.mov(r1, 8).mov(r2, 0).mov(r3, 0).mov(r4, 0); size_t at = b.size(); b.call(kLoop).mov(r0, 0).exit();
      c.reject("loop_callback_not_a_function", b, Reason::HelperArgument, at); }
    { Builder b; for_each_call(b).mov(r0, 0).exit(); b.label("cb"); size_t at = b.size(); b.st(W, r2, 0, 1).mov(r0, 0).exit();
      c.reject("for_each_key_is_read_only", b, Reason::ReadOnlyMemory, at); }
    { Builder b; for_each_call(b).mov(r0, 0).exit(); b.label("cb"); size_t at = b.size(); b.ldx(DW, r0, r3, 16).exit();
      c.reject("for_each_value_out_of_bounds", b, Reason::MapValueOutOfBounds, at); }
    { Builder b; for_each_call(b).mov(r0, 0).exit(); b.label("cb"); size_t at = b.size(); b.ldx(DW, r0, r2, 0).exit();
      c.reject("for_each_key_out_of_bounds", b, Reason::MapValueOutOfBounds, at); }
    { // for_each's key is the helper's buffer for one invocation: its pointer stored into the
      // caller's slot (through the callback ctx) and read after the helper returned would
      // read freed memory. From fuzz finding callback_value_outlives_callback (the value
      // pointer may stay: map values live as long as the map, as in the kernel).
      Builder b; b.st(DW, r10, -8, 0).ld_map(r1, kArrayMap).ld_func(r2, "cb").mov(r3, r10).add(r3, -8).mov(r4, 0)
          .call(kForEach).ldx(DW, r1, r10, -8).mov(r0, 0).exit();
      b.label("cb"); size_t at = b.size(); b.stx(DW, r4, 0, r2).mov(r0, 0).exit();
      c.reject("for_each_key_pointer_outlives_callback", b, Reason::PointerStore, at); }
    { // the key may be spilled in the callback's own frame and used from there
      Builder b; for_each_call(b).mov(r0, 0).exit();
      b.label("cb").stx(DW, r10, -8, r2).ldx(DW, r5, r10, -8).ldx(W, r0, r5, 0).and_(r0, 1).exit();
      c.accept("for_each_key_spilled_in_the_callback", b); }
    { // fuzz finding atomic_misaligned/xdp_6906: a 64-bit atomic at the callback's value + 4
      Builder b; for_each_call(b).mov(r0, 0).exit();
      b.label("cb").mov(r7, r3).add(r7, 4).mov(r2, 1); size_t at = b.size();
      b.atomic(isa::AtomicOp::Or, false, true, r7, 0, r2).mov(r0, 0).exit();
      c.reject("for_each_value_atomic_misaligned", b, Reason::MisalignedAccess, at); }
    { Builder b; b.ld_map(r1, kDevMap).ld_func(r2, "cb").mov(r3, 0).mov(r4, 0); size_t at = b.size();
      b.call(kForEach).mov(r0, 0).exit(); b.label("cb").mov(r0, 0).exit();
      c.reject("for_each_on_a_devmap", b, Reason::HelperArgument, at); }
    { // a lock held across bpf_loop
      Builder b; b.st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, kLockMap).call(1).j(Cond::Eq, r0, 0, "out")
          .mov(r1, r0).add(r1, 8).call(kSpinLock).mov(r1, 1).ld_func(r2, "cb").mov(r3, 0).mov(r4, 0);
      size_t at = b.size(); b.call(kLoop).label("out").mov(r0, 0).exit(); b.label("cb").mov(r0, 0).exit();
      c.reject("loop_while_holding_lock", b, Reason::SpinLock, at); }
}

} // namespace

std::vector<CorpusCase> callback_cases() {
    Cases c;
    accepts(c);
    rejects(c);
    return std::move(c.out);
}

} // namespace ebpfjit::verifier::test
