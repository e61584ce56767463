// The eBPF stack of JIT runs is a mapping of its own (engine_abi/ebpf_stack_layout.hpp, runtime/run/ebpf_stack.hpp), bounded by
// PROT_NONE guards, never the host's call stack: programs compiled without the verifier's
// proof and without run-time checks (trusted) show what a frame-relative access reaches.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

#include "jit/compiler.hpp"
#include "runtime/run/ebpf_stack.hpp"
#include "tests/jit/program_builder.hpp"
#include "tests/jit/stack_placement.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

jit::CompiledProgram compile_trusted(const Program& p) {
    jit::CompileOptions options;
    options.trusted = true; // no run-time checks: the raw access is what runs
    auto compiled = jit::compile(p, verifier::Facts{}, test_bindings(), options);
    if (!compiled) FAIL(compiled.error().message);
    return std::move(*compiled);
}

uint64_t run(const jit::CompiledProgram& c) {
    auto r = runtime::run_native(c, 0, 0);
    if (!r) FAIL(r.error().message);
    return *r;
}

// r0 = r10 of the innermost of `frames` frames (the entry's, then local calls).
Program innermost_r10(uint32_t frames) {
    std::vector<Instruction> v;
    for (uint32_t f = 0; f + 1 < frames; ++f) {
        v.push_back(call_local(static_cast<int32_t>(v.size() + 2)));
        v.push_back(exit_insn());
    }
    v.push_back(mov64r(0, 10));
    v.push_back(exit_insn());
    return make_program(v);
}

uint64_t page_rounded(uint64_t n) {
    const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    return (n + page - 1) / page * page;
}
uint64_t guard_bytes() { return page_rounded(engine_abi::kGuardBytes); }
uint64_t usable_bytes() { return page_rounded(engine_abi::kRunStackBytes); }

// Runs `p` in a child process; the child exits 42 when the program faulted on the eBPF
// stack's guard (the fault address in [lo, hi)), 43 on a fault elsewhere, 0 when it ran.
uint64_t g_lo = 0, g_hi = 0;
void on_segv(int, siginfo_t* info, void*) {
    const auto addr = reinterpret_cast<uint64_t>(info->si_addr);
    _exit(addr >= g_lo && addr < g_hi ? 42 : 43);
}
int run_in_child(const jit::CompiledProgram& c, uint64_t lo, uint64_t hi) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        g_lo = lo;
        g_hi = hi;
        struct sigaction sa {};
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, nullptr);
        sigaction(SIGBUS, &sa, nullptr);
        (void)runtime::run_native(c, 0, 0);
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

} // namespace

TEST_CASE("r10 points into the eBPF stack, guarded, far from the host stack", "[jit][stack]") {
    const auto r10 = run(compile_trusted(innermost_r10(1)));
    uint8_t* const top = runtime::EbpfStacks::level_top(0);
    REQUIRE(top != nullptr);
    CHECK(r10 == reinterpret_cast<uint64_t>(top));
    // No host return address or saved register within reach: the host stack is elsewhere.
    const AddressRange host = host_thread_stack();
    REQUIRE(host.end > host.start);
    CHECK_FALSE(host.overlaps(r10 - 4096, r10 + 4096));
    CHECK_FALSE(host.overlaps(r10 - usable_bytes() - guard_bytes(), r10 + guard_bytes()));
    // The frames are usable, what is above the entry frame and below the last chain is not.
    CHECK(protection_at(r10 - 1) == "rw-p");
    CHECK(protection_at(r10 - usable_bytes()) == "rw-p");
    CHECK(protection_at(r10) == "---p");
    CHECK(protection_at(r10 + guard_bytes() - 1) == "---p");
    CHECK(protection_at(r10 - usable_bytes() - 1) == "---p");
    CHECK(protection_at(r10 - usable_bytes() - guard_bytes()) == "---p");
}

TEST_CASE("local calls take frames kFrameStride below the caller's", "[jit][stack]") {
    for (uint32_t frames = 1; frames <= isa::kMaxCallDepth; ++frames) {
        const auto r10 = run(compile_trusted(innermost_r10(frames)));
        const auto expected_top = reinterpret_cast<uint64_t>(runtime::EbpfStacks::level_top(0));
        INFO("frames " << frames);
        CHECK(r10 == expected_top - (frames - 1) * engine_abi::kFrameStride);
        const AddressRange host = host_thread_stack();
        CHECK_FALSE(host.overlaps(r10 - 4096, r10 + 4096));
    }
}

TEST_CASE("deep local calls keep every frame's stack slots", "[jit][stack]") {
    // Each of 8 frames stores its depth at r10-8 and r10-512, calls the next, then adds
    // both back: r0 = 2 * (0 + 1 + ... + 7) when no frame overwrote another.
    std::vector<Instruction> v;
    for (uint32_t depth = 0; depth < isa::kMaxCallDepth; ++depth) {
        const auto d = static_cast<int32_t>(depth);
        v.push_back(mov64(6, d));
        v.push_back(stx(Size::DW, 10, -8, 6));
        v.push_back(stx(Size::DW, 10, -512, 6));
        v.push_back(mov64(0, 0));
        if (depth + 1 < isa::kMaxCallDepth) v.push_back(call_local(static_cast<int32_t>(v.size() + 6)));
        else v.push_back(mov64(0, 0));
        v.push_back(ldx(Size::DW, 6, 10, -8));
        v.push_back(alu64r(AluOp::Add, 0, 6));
        v.push_back(ldx(Size::DW, 6, 10, -512));
        v.push_back(alu64r(AluOp::Add, 0, 6));
        v.push_back(exit_insn());
    }
    const Program p = make_program(v);
    CHECK(run(compile_trusted(p)) == 2 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
    auto checked = jit_run(p); // with run-time checks: the same frames are allowed
    REQUIRE(checked.has_value());
    CHECK(*checked == 2 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
}

TEST_CASE("a store above the entry frame faults on the guard, not on host data", "[jit][stack]") {
    const Program p = make_program({mov64(0, 7), stx(Size::DW, 10, 8, 0), exit_insn()});
    const auto c = compile_trusted(p);
    run(compile_trusted(innermost_r10(1))); // maps this thread's level 0
    const auto top = reinterpret_cast<uint64_t>(runtime::EbpfStacks::level_top(0));
    CHECK(run_in_child(c, top, top + guard_bytes()) == 42);
}

TEST_CASE("a load far above r10 faults on the guard", "[jit][stack]") {
    const Program p = make_program({ldx(Size::DW, 0, 10, 32760), exit_insn()});
    const auto c = compile_trusted(p);
    run(compile_trusted(innermost_r10(1)));
    const auto top = reinterpret_cast<uint64_t>(runtime::EbpfStacks::level_top(0));
    CHECK(run_in_child(c, top, top + guard_bytes()) == 42);
}

TEST_CASE("a store below the run's stack faults on the lower guard", "[jit][stack]") {
    // r10 - (the whole run's stack + 64): what a callback chain deeper than the limit
    // would touch.
    const auto below = static_cast<int32_t>(usable_bytes() + 64);
    const auto c = compile_trusted(make_program(
        {mov64r(1, 10), alu64(AluOp::Sub, 1, below), mov64(0, 1), stx(Size::DW, 1, 0, 0), exit_insn()}));
    run(compile_trusted(innermost_r10(1)));
    const auto top = reinterpret_cast<uint64_t>(runtime::EbpfStacks::level_top(0));
    const uint64_t bottom = top - usable_bytes();
    CHECK(run_in_child(c, bottom - guard_bytes(), bottom) == 42);
}

TEST_CASE("runs nested on one thread take one stack level each, up to the limit", "[jit][stack]") {
    const auto c = compile_trusted(innermost_r10(1));
    const auto outer = run(c);
    CHECK(reinterpret_cast<uint64_t>(runtime::EbpfStacks::enter(false)) == outer); // level 0, taken freely
    std::vector<uint8_t*> taken{reinterpret_cast<uint8_t*>(outer)};
    for (uint32_t level = 1; level < engine_abi::kMaxNestedRuns; ++level) {
        uint8_t* top = runtime::EbpfStacks::enter(true);
        REQUIRE(top != nullptr);
        for (uint8_t* t : taken) CHECK(t != top);
        taken.push_back(top);
    }
    CHECK(runtime::EbpfStacks::enter(true) == nullptr);
    {
        // A run inside a run (as a helper starting one): no level is left.
        engine_abi::ExecutionState outer_state;
        engine_abi::ExecutionState* const saved = engine_abi::ExecutionState::current();
        engine_abi::ExecutionState::current() = &outer_state;
        auto refused = runtime::run_native(c, 0, 0);
        engine_abi::ExecutionState::current() = saved;
        REQUIRE_FALSE(refused.has_value());
        CHECK_THAT(refused.error().message, Catch::Contains("no eBPF stack for this run"));
    }
    for (size_t i = 1; i < taken.size(); ++i) runtime::EbpfStacks::leave(true);
    CHECK(run(c) == outer);
    // With the levels free again, a nested run takes level 1.
    engine_abi::ExecutionState outer_state;
    engine_abi::ExecutionState* const saved = engine_abi::ExecutionState::current();
    engine_abi::ExecutionState::current() = &outer_state;
    auto nested = runtime::run_native(c, 0, 0);
    engine_abi::ExecutionState::current() = saved;
    REQUIRE(nested.has_value());
    CHECK(*nested == reinterpret_cast<uint64_t>(taken[1]));
}
