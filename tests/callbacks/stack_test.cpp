// Callbacks on the JIT run in the eBPF stack (engine_abi/ebpf_stack_layout.hpp, runtime/run/ebpf_stack.hpp), kChainBytes below the
// chain that called the helper per nesting level, never on the host stack; the caller's
// frame they reach through a pointer is the one it wrote.
#include "tests/callbacks/callback_support.hpp"

#include "runtime/run/ebpf_stack.hpp"
#include "tests/jit/stack_placement.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// r0 = the callback's r10 (stored through ctx into the caller's frame) when `diff` is
// false, else the caller's r10 minus the callback's.
std::string callback_r10(bool diff) {
    return std::string("stdw [%r10-8], 0\n"
                       "mov %r1, 1\n"
                       "ldfunc %r2, cb\n"
                       "mov %r3, %r10\n"
                       "add %r3, -8\n"
                       "mov %r4, 0\n"
                       "call 181\n"
                       "ldxdw %r1, [%r10-8]\n") +
           (diff ? "mov %r0, %r10\nsub %r0, %r1\n" : "mov %r0, %r1\n") +
           "exit\n"
           "cb:\n"
           "stxdw [%r2], %r10\n"
           "mov %r0, 0\n"
           "exit\n";
}

// Two levels: outer's callback runs inner's; inner stores its r10 at ctx.
constexpr const char* kNestedR10 = R"(
stdw [%r10-8], 0
mov %r1, 1
ldfunc %r2, outer
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 181
ldxdw %r1, [%r10-8]
mov %r0, %r10
sub %r0, %r1
exit
outer:
mov %r3, %r2
mov %r1, 1
ldfunc %r2, inner
mov %r4, 0
call 181
mov %r0, 0
exit
inner:
stxdw [%r2], %r10
mov %r0, 0
exit
)";

} // namespace

TEST_CASE("a bpf_loop callback's frame lies a chain below its caller's, in the eBPF stack",
          "[callbacks][stack]") {
    const helpers::ProgramBindings b = bindings();
    auto diff = run_jit(program(callback_r10(true)), b);
    REQUIRE(diff.has_value());
    CHECK(*diff == engine_abi::kChainBytes);

    auto r10 = run_jit(program(callback_r10(false)), b);
    REQUIRE(r10.has_value());
    CHECK(*r10 == reinterpret_cast<uint64_t>(runtime::EbpfStacks::level_top(0)) - engine_abi::kChainBytes);
    const AddressRange host = host_thread_stack();
    REQUIRE(host.end > host.start);
    CHECK_FALSE(host.overlaps(*r10 - 4096, *r10 + 4096));
    CHECK(protection_at(*r10 - 1) == "rw-p");
}

TEST_CASE("nested callbacks go one chain lower per level", "[callbacks][stack]") {
    auto diff = run_jit(program(kNestedR10), bindings());
    REQUIRE(diff.has_value());
    CHECK(*diff == 2 * engine_abi::kChainBytes);
}
