// bpf_loop (181) on the interpreter and the JIT.
#include "tests/callbacks/callback_support.hpp"

#include <cerrno>

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// r0 = sum * 1000 + bpf_loop's return; the callback adds its index to the u64 at ctx and
// stops (returns 1) at index STOP.
std::string sum_program(int64_t nr_loops, int64_t stop, int64_t flags = 0) {
    return "mov %r6, 0\n"
           "stxdw [%r10-8], %r6\n"
           "lddw %r1, " + std::to_string(nr_loops) + "\n"
           "ldfunc %r2, cb\n"
           "mov %r3, %r10\n"
           "add %r3, -8\n"
           "mov %r4, " + std::to_string(flags) + "\n"
           "call 181\n"
           "ldxdw %r6, [%r10-8]\n"
           "mul %r6, 1000\n"
           "add %r0, %r6\n"
           "exit\n"
           "cb:\n"
           "ldxdw %r3, [%r2]\n"
           "add %r3, %r1\n"
           "stxdw [%r2], %r3\n"
           "mov %r0, 0\n"
           "jne %r1, " + std::to_string(stop) + ", out\n"
           "mov %r0, 1\n"
           "out:\n"
           "exit\n";
}

// outer: 4 iterations, each running inner 3 times, adding 1 to the counter at ctx.
constexpr const char* kNestedLoops = R"(
stdw [%r10-8], 0
mov %r1, 4
ldfunc %r2, outer
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 181
ldxdw %r0, [%r10-8]
exit
outer:
mov %r3, %r2
mov %r1, 3
ldfunc %r2, inner
mov %r4, 0
call 181
mov %r0, 0
exit
inner:
ldxdw %r1, [%r2]
add %r1, 1
stxdw [%r2], %r1
mov %r0, 0
exit
)";

} // namespace

TEST_CASE("bpf_loop sums the indices and returns the number of iterations") {
    CHECK(run_both(program(sum_program(10, -1)), bindings()) == 45 * 1000 + 10);
    CHECK(run_both(program(sum_program(1000, -1)), bindings()) == 499500ull * 1000 + 1000);
    CHECK(run_both(program(sum_program(0, -1)), bindings()) == 0);
}

TEST_CASE("bpf_loop stops when the callback returns 1, counting that iteration") {
    CHECK(run_both(program(sum_program(10, 4)), bindings()) == (0 + 1 + 2 + 3 + 4) * 1000 + 5);
    CHECK(run_both(program(sum_program(10, 0)), bindings()) == 0 * 1000 + 1);
}

TEST_CASE("bpf_loop rejects flags and more than 1 << 23 loops without calling back") {
    CHECK(int64_t(run_both(program(sum_program(10, -1, 1)), bindings())) == -EINVAL);
    CHECK(int64_t(run_both(program(sum_program((1 << 23) + 1, -1)), bindings())) == -E2BIG);
    // nr_loops is a u32: the upper half of r1 is ignored (2^32 + 3 -> 3 loops).
    CHECK(run_both(program(sum_program((int64_t{1} << 32) + 3, -1)), bindings()) == 3 * 1000 + 3);
}

TEST_CASE("the callback gets r1 = index, r2 = ctx, r3-r5 = 0 and the caller keeps r6-r9 and its stack") {
    const char* text = R"(
mov %r6, 6
mov %r7, 7
mov %r8, 8
mov %r9, 9
stdw [%r10-16], 77
mov %r1, 3
ldfunc %r2, cb
mov %r3, 0
mov %r4, 0
call 181
jne %r0, 3, bad
jne %r6, 6, bad
jne %r7, 7, bad
jne %r8, 8, bad
jne %r9, 9, bad
ldxdw %r1, [%r10-16]
jne %r1, 77, bad
mov %r0, 1
exit
bad:
mov %r0, -1
exit
cb:
jne %r2, 0, fail
jne %r3, 0, fail
jne %r4, 0, fail
jne %r5, 0, fail
mov %r6, 60
mov %r7, 70
stdw [%r10-16], 99
mov %r0, 0
exit
fail:
mov %r0, 1
exit
)";
    CHECK(run_both(program(text), bindings()) == 1);
}

TEST_CASE("callbacks nest: a callback may run bpf_loop with another callback") {
    CHECK(run_both(program(kNestedLoops), bindings()) == 12);
}

TEST_CASE("the bpf_loop programs verify at Full, and a callback returning 2 does not") {
    CHECK(verify_full(program(sum_program(10, -1))) == "");
    CHECK(verify_full(program(sum_program(10, 4))) == "");
    CHECK(verify_full(program(kNestedLoops)) == "");
    std::string bad = sum_program(10, -1);
    bad.replace(bad.find("mov %r0, 1\n"), 11, "mov %r0, 2\n");
    CHECK(verify_full(program(bad)).find("a callback must return 0 or 1") != std::string::npos);
}
