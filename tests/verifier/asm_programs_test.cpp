// Programs written in the assembler's text syntax (isa::assemble), with their verdicts.
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "isa/assembler.hpp"

namespace ebpfjit::verifier::test {

namespace {

struct AsmCase {
    const char* name;
    ProgramType type;
    const char* text;
    bool accept;
    Reason reason = Reason::EmptyProgram;
    uint32_t insn = 0;
};

constexpr auto Xdp = ProgramType::Xdp;
constexpr auto Mem = ProgramType::Mem;

const AsmCase kCases[] = {
    // LD_ABS reads r6 (the ctx): r6 is live up to it, so the join cannot prune the path
    // whose r6 is a scalar against the ctx one explored first (the fall-through; eight
    // instructions make the join store a checkpoint). The jit's former liveness did not
    // count that read: with it, this program was accepted.
    {"ld_abs_r6_scalar_on_the_pruned_path", ProgramType::SocketFilter, R"(
        mov %r6, %r1
        call 7
        mov %r7, %r0
        jeq %r7, 0, other
        mov %r8, 1
        mov %r8, 2
        mov %r8, 3
        mov %r8, 4
        mov %r8, 5
        mov %r8, 6
        mov %r8, 7
        mov %r8, 8
        ja join
    other:
        mov %r6, 0
    join:
        mov %r0, 0
        ldabsb 12
        exit)", false, Reason::ContextAccess, 15},
    // The kernel's check_ld_abs: LD_ABS/LD_IND never mix with bpf-to-bpf calls (the fuzz
    // generator's finding: the jit refused such a program the verifier had accepted). The
    // structural check names the first LD_ABS/LD_IND, in the caller or in the callee.
    {"ld_abs_with_a_local_call", ProgramType::SocketFilter, R"(
        mov %r6, %r1
        ldabsb 12
        call local f
        exit
    f:
        mov %r0, 0
        exit)", false, Reason::Unsupported, 1},
    {"ld_ind_in_a_callee", ProgramType::SocketFilter, R"(
        mov %r6, %r1
        call local f
        mov %r0, 0
        exit
    f:
        mov %r7, 2
        ldindh %r7, 12
        exit)", false, Reason::Unsupported, 5},
    {"mem_first_byte", Mem, R"(
        jeq %r2, 0, empty
        ldxb %r0, [%r1]
        exit
    empty:
        mov %r0, 0
        exit)", true},
    {"mem_first_byte_unchecked", Mem, R"(
        ldxb %r0, [%r1]
        exit)", false, Reason::PacketOutOfBounds, 0},
    {"mem_word_after_length_check", Mem, R"(
        jlt %r2, 8, short
        ldxdw %r0, [%r1+0]
        exit
    short:
        mov %r0, 0
        exit)", true},
    {"mem_word_off_by_one", Mem, R"(
        jlt %r2, 8, short
        ldxdw %r0, [%r1+1]
        exit
    short:
        mov %r0, 0
        exit)", false, Reason::PacketOutOfBounds, 1},
    {"mem_end_pointer", Mem, R"(
        mov %r3, %r1
        add %r3, %r2
        mov %r4, %r1
        add %r4, 2
        jgt %r4, %r3, out
        ldxh %r0, [%r1]
        exit
    out:
        mov %r0, 0
        exit)", true},
    {"mem_store", Mem, R"(
        jlt %r2, 4, out
        stw [%r1], 0x11223344
    out:
        mov %r0, 0
        exit)", true},
    {"fibonacci_bounded", Mem, R"(
        mov %r0, 0
        mov %r1, 1
        mov %r3, 0
    loop:
        mov %r4, %r0
        add %r4, %r1
        mov %r0, %r1
        mov %r1, %r4
        add %r3, 1
        jlt %r3, 40, loop
        exit)", true},
    {"stack_buffer", Mem, R"(
        stdw [%r10-16], 0
        stdw [%r10-8], 0
        stb [%r10-3], 7
        ldxdw %r0, [%r10-8]
        exit)", true},
    {"stack_uninit", Mem, R"(
        stdw [%r10-16], 0
        ldxdw %r0, [%r10-8]
        exit)", false, Reason::UninitializedStackRead, 1},
    {"local_call", Mem, R"(
        mov %r1, 20
        call local twice
        exit
    twice:
        mov %r0, %r1
        add %r0, %r1
        exit)", true},
    {"local_call_clobbers_args", Mem, R"(
        mov %r1, 20
        call local id
        mov %r0, %r1
        exit
    id:
        mov %r0, %r1
        exit)", false, Reason::UninitializedRegister, 2},
    // A void subprogram leaves r0 unset at its exit: the kernel hands it back as it is
    // (prepare_func_exit) and rejects only a caller that reads it.
    {"void_subprogram", Mem, R"(
        mov %r1, 20
        call local nothing
        mov %r0, 0
        exit
    nothing:
        mov %r2, %r1
        exit)", true},
    {"void_subprogram_result_read", Mem, R"(
        mov %r1, 20
        call local nothing
        add %r0, 1
        exit
    nothing:
        mov %r2, %r1
        exit)", false, Reason::UninitializedRegister, 2},
    {"void_subprogram_result_returned", Mem, R"(
        call local nothing
        exit
    nothing:
        mov %r2, 1
        exit)", false, Reason::UninitializedRegister, 1},
    {"division_by_register", Mem, R"(
        mov %r0, 100
        mov %r1, %r2
        div %r0, %r1
        mod %r0, %r1
        exit)", true},
    {"atomics", Mem, R"(
        stdw [%r10-8], 1
        mov %r1, 2
        lock add [%r10-8], %r1
        lock fetch add [%r10-8], %r1
        mov %r0, 5
        lock cmpxchg [%r10-8], %r1
        exit)", true},
    // Atomics need an address that is a multiple of their size (kernel: check_atomic's
    // strict_alignment_once), on the stack as on every region.
    {"atomic_stack_misaligned", Mem, R"(
        stdw [%r10-16], 0
        stdw [%r10-8], 0
        mov %r1, 1
        lock add [%r10-12], %r1
        mov %r0, 0
        exit)", false, Reason::MisalignedAccess, 3},
    {"atomic32_stack_misaligned", Mem, R"(
        stdw [%r10-8], 0
        mov %r1, 1
        lock fetch add32 [%r10-6], %r1
        mov %r0, 0
        exit)", false, Reason::MisalignedAccess, 2},
    {"atomic32_stack_word_aligned", Mem, R"(
        stdw [%r10-8], 0
        mov %r1, 1
        lock fetch add32 [%r10-4], %r1
        mov %r0, 0
        exit)", true},
    {"byte_swaps", Mem, R"(
        mov %r0, 0x1234
        be16 %r0
        le32 %r0
        bswap64 %r0
        exit)", true},
    {"jmp32_loop", Mem, R"(
        mov32 %r0, 0
    l:
        add32 %r0, 3
        jlt32 %r0, 300, l
        exit)", true},
    {"infinite_loop", Mem, R"(
        mov %r0, 0
    l:
        ja l)", false, Reason::InfiniteLoop, 1},
    {"unreachable", Mem, R"(
        mov %r0, 0
        exit
        mov %r0, 1
        exit)", false, Reason::UnreachableInstruction, 2},
    {"uninit_return", Mem, R"(
        exit)", false, Reason::UninitializedRegister, 0},
    {"xdp_eth_type", Xdp, R"(
        ldxw %r2, [%r1+0]
        ldxw %r3, [%r1+4]
        mov %r4, %r2
        add %r4, 14
        jgt %r4, %r3, drop
        ldxh %r0, [%r2+12]
        jne %r0, 0x0008, pass
        mov %r0, 1
        exit
    pass:
        mov %r0, 2
        exit
    drop:
        mov %r0, 1
        exit)", true},
    {"xdp_eth_type_short_check", Xdp, R"(
        ldxw %r2, [%r1+0]
        ldxw %r3, [%r1+4]
        mov %r4, %r2
        add %r4, 13
        jgt %r4, %r3, drop
        ldxh %r0, [%r2+12]
        exit
    drop:
        mov %r0, 1
        exit)", false, Reason::PacketOutOfBounds, 5},
    {"xdp_ctx_write", Xdp, R"(
        stw [%r1+16], 0
        mov %r0, 2
        exit)", false, Reason::ContextAccess, 0},
    {"xdp_pointer_leak_to_packet", Xdp, R"(
        ldxw %r2, [%r1+0]
        ldxw %r3, [%r1+4]
        mov %r4, %r2
        add %r4, 8
        jgt %r4, %r3, drop
        stxdw [%r2], %r10
    drop:
        mov %r0, 1
        exit)", false, Reason::PointerStore, 5},
    {"xdp_map_helper_without_map", Xdp, R"(
        mov %r1, 0
        mov %r2, %r10
        add %r2, -8
        stdw [%r10-8], 0
        call 1
        mov %r0, 2
        exit)", false, Reason::HelperArgument, 4},
    {"xdp_ktime", Xdp, R"(
        call 5
        and %r0, 3
        exit)", true},
};

} // namespace

TEST_CASE("assembler-text programs get their verdicts", "[verifier][asm]") {
    for (const AsmCase& c : kCases) {
        INFO(c.name);
        auto program = isa::assemble(c.text);
        REQUIRE(program.has_value());
        Report r = check(*program, corpus_input(c.type));
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
        if (c.accept) {
            CHECK(r.ok());
            continue;
        }
        REQUIRE_FALSE(r.ok());
        CHECK(to_string(r.rejection->reason) == to_string(c.reason));
        CHECK(r.rejection->insn == c.insn);
    }
}

} // namespace ebpfjit::verifier::test
