// Byte-compare and byte-scan loops (jit/idioms.hpp, Compare): the lowering fast-forwards
// exactly the proven loops of that shape, and the JIT then computes what the interpreter
// computes (the oracle): the same r0 and the same registers after the loop (every exit
// packs r0, r2, r3 and r4 into r0), equal and unequal at every position, stop bytes at
// every position, lengths 1 to 1 MiB, overlapping and apart, budgets that run out.
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "isa/assembler.hpp"
#include "tests/jit/idiom_oracle.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

size_t compare_ops(const Program& p, const verifier::Facts& facts, uint64_t budget = 0) {
    const helpers::ProgramBindings bindings = test_bindings();
    jit::LoweringOptions options;
    options.bindings = &bindings;
    options.instruction_budget = budget;
    auto lowered = jit::lower(p, facts, options);
    REQUIRE(lowered.has_value());
    return static_cast<size_t>(std::count_if(lowered->block_ops.begin(), lowered->block_ops.end(), [](const auto& op) {
        return op.kind == jit::BlockOpKind::Compare;
    }));
}

void require_agreement(const Program& p, const verifier::Facts& facts, const std::vector<uint8_t>& input,
                       uint64_t budget = 0) {
    require_idiom_agreement(p, facts, input, &jit::Optimisations::compare_idioms, budget);
}

Program assemble(const std::string& text) {
    auto p = isa::assemble(text);
    INFO(text);
    INFO((p ? std::string() : p.error().message));
    REQUIRE(p.has_value());
    return *p;
}

// Every exit path: r0 ^= r2 << 8 ^ r3 << 32 ^ r4 << 48, so that a wrong register shows.
constexpr const char* kPack = R"(
done:
  lsh %r2, 8
  xor %r0, %r2
  lsh %r3, 32
  xor %r0, %r3
  lsh %r4, 48
  xor %r0, %r4
out:
  exit
)";

// clang -O2's strcmp loop (bench/programs/strcmp_common.h, as in strcmp_full.o): a at
// mem[0], b at mem[second]; n bytes at most; the loop is entered by a `goto head`, and
// the counter's test and the stop test sit in a block before the head. stop < 0: the
// memcmp form (no stop test); stop_on_b: the stop test reads b's byte.
Program strcmp_loop(uint32_t n, uint32_t second, int stop, bool stop_on_b) {
    const uint32_t need = second + n;
    std::string stop_test = stop < 0 ? "" : fmt::format("  jeq %r{}, {}, done\n", stop_on_b ? 4 : 3, stop);
    return assemble(fmt::format(R"(
  mov %r0, 0
  mov %r3, {need}
  jgt %r3, %r2, out
  mov %r3, 0
  mov %r0, 7
  ja head
next:
{stop_test}  mov %r3, %r2
  add %r3, 1
  jne %r2, {last}, head
  ja done
head:
  mov %r2, %r3
  mov %r4, %r1
  add %r4, %r2
  ldxb %r3, [%r4+0]
  add %r4, {second}
  ldxb %r4, [%r4+0]
  jeq %r3, %r4, next
  sub %r3, %r4
  mov %r0, %r3
  ja done
{pack})",
                                fmt::arg("need", need), fmt::arg("stop_test", stop_test), fmt::arg("last", n - 1),
                                fmt::arg("second", second), fmt::arg("pack", kPack)));
}

// strlen/memchr: one load, the head entered by falling through, tested at the bottom; the
// address in r5 (a pointer: not packed), r4 a copy of the byte.
Program scan_loop(uint32_t n, uint32_t at, int stop) {
    return assemble(fmt::format(R"(
  mov %r0, 0
  mov %r3, {need}
  jgt %r3, %r2, out
  mov %r2, 0
  mov %r0, 3
  mov %r4, 9
loop:
  mov %r5, %r1
  add %r5, %r2
  ldxb %r3, [%r5+{at}]
  mov %r4, %r3
  jeq %r3, {stop}, done
  add %r2, 1
  jne %r2, {n}, loop
{pack})",
                                fmt::arg("need", at + n), fmt::arg("at", at), fmt::arg("stop", stop), fmt::arg("n", n),
                                fmt::arg("pack", kPack)));
}

// a = pattern with no zero byte (so that only the chosen position stops), b = a copy at
// `second` (overlap: b is a itself shifted, so "equal" means periodic; the oracle decides).
std::vector<uint8_t> strings(uint32_t n, uint32_t second) {
    std::vector<uint8_t> mem = pattern(second + n + 32);
    for (auto& b : mem) b = static_cast<uint8_t>('a' + b % 26);
    for (uint32_t i = 0; i < n && second + i < mem.size(); ++i) mem[second + i] = mem[i];
    return mem;
}

} // namespace

TEST_CASE("strcmp loops: unequal and stopped at every position, the interpreter as oracle", "[jit][idiom]") {
    for (uint32_t n : {1u, 2u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 32u, 33u, 47u, 100u}) {
        const uint32_t second = 64 + n; // apart
        for (int stop : {0, int{'q'}, -1}) {
            for (bool stop_on_b : {false, true}) {
                if (stop < 0 && stop_on_b) continue;
                DYNAMIC_SECTION("n " << n << " stop " << stop << (stop_on_b ? " on b" : "")) {
                    const Program p = strcmp_loop(n, second, stop, stop_on_b);
                    const verifier::Facts facts = verify_full(p);
                    // n = 1: one trip (D = 0), unless the verifier dropped the back edge.
                    if (n > 1) CHECK(compare_ops(p, facts) == 1);
                    std::vector<uint8_t> equal = strings(n, second);
                    for (auto& b : equal)
                        if (b == 'q') b = 'r'; // the stop byte only where placed
                    require_agreement(p, facts, equal);
                    for (uint32_t at = 0; at < n; ++at) {
                        std::vector<uint8_t> differ = equal;
                        differ[second + at] = static_cast<uint8_t>(differ[at] ^ 0x20);
                        require_agreement(p, facts, differ);
                        if (stop >= 0) {
                            std::vector<uint8_t> stopped = equal;
                            stopped[at] = stopped[second + at] = static_cast<uint8_t>(stop);
                            require_agreement(p, facts, stopped);
                            // stopped and unequal at the same position, or unequal just after
                            stopped[second + at] ^= 1;
                            require_agreement(p, facts, stopped);
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("strcmp loops over overlapping ranges and the same range", "[jit][idiom]") {
    for (uint32_t n : {5u, 16u, 40u, 1000u}) {
        for (uint32_t second : {0u, 1u, 3u, 8u, 15u, 16u, 17u, 31u}) {
            DYNAMIC_SECTION("n " << n << " second " << second) {
                const Program p = strcmp_loop(n, second, 0, false);
                const verifier::Facts facts = verify_full(p);
                CHECK(compare_ops(p, facts) == 1);
                // Periodic with period `second`: equal up to n; then one byte broken.
                std::vector<uint8_t> mem(second + n + 8);
                for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>('a' + i % (second ? second : 26));
                require_agreement(p, facts, mem);
                for (uint32_t at : {0u, 1u, n / 2, n - 1}) {
                    std::vector<uint8_t> broken = mem;
                    broken[second + at] = 'Z';
                    require_agreement(p, facts, broken);
                    broken[at] = 0;
                    require_agreement(p, facts, broken);
                }
                require_agreement(p, facts, pattern(second + n)); // random bytes: stops early
            }
        }
    }
}

TEST_CASE("strcmp loops of 1 MiB: equal, unequal at 3/4, a NUL late, a buffer too short", "[jit][idiom]") {
    const uint32_t n = 1u << 20;
    for (uint32_t second : {n, n + 4093}) {
        DYNAMIC_SECTION("second " << second) {
            const Program p = strcmp_loop(n, second, 0, false);
            const verifier::Facts facts = verify_full(p);
            CHECK(compare_ops(p, facts) == 1);
            const std::vector<uint8_t> equal = strings(n, second);
            require_agreement(p, facts, equal);
            std::vector<uint8_t> differ = equal;
            differ[second + n / 4 * 3] = 'A';
            require_agreement(p, facts, differ);
            std::vector<uint8_t> late = equal;
            late[n - 3] = late[second + n - 3] = 0;
            require_agreement(p, facts, late);
            require_agreement(p, facts, std::vector<uint8_t>(second + n - 1, 'x'));
        }
    }
}

TEST_CASE("strlen-style scans: one load, the head entered by falling through", "[jit][idiom]") {
    for (uint32_t n : {2u, 3u, 16u, 17u, 64u, 4099u}) {
        for (uint32_t at : {0u, 5u}) {
            for (int stop : {0, 0xff}) {
                DYNAMIC_SECTION("n " << n << " at " << at << " stop " << stop) {
                    const Program p = scan_loop(n, at, stop);
                    const verifier::Facts facts = verify_full(p);
                    CHECK(compare_ops(p, facts) == 1);
                    std::vector<uint8_t> mem(at + n + 16, 0x41);
                    require_agreement(p, facts, mem);
                    for (uint32_t i : {0u, 1u, 7u, 8u, 15u, 16u, n / 2, n - 2, n - 1}) {
                        if (i >= n) continue;
                        std::vector<uint8_t> stopped = mem;
                        stopped[at + i] = static_cast<uint8_t>(stop);
                        require_agreement(p, facts, stopped);
                    }
                }
            }
        }
    }
}

TEST_CASE("a compare loop whose bytes end at an unreadable page: the scan never reads past it", "[jit][idiom]") {
    const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t readable = 3 * page; // more than the largest buffer below
    void* map = mmap(nullptr, readable + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(map != MAP_FAILED);
    auto* base = static_cast<uint8_t*>(map);
    REQUIRE(mprotect(base + readable, page, PROT_NONE) == 0);
    for (uint32_t n : {100u, 1000u, 4097u}) {
        for (uint32_t second : {n, n + 5}) {
            DYNAMIC_SECTION("n " << n << " second " << second) {
                const Program p = strcmp_loop(n, second, 0, false);
                const verifier::Facts facts = verify_full(p);
                CHECK(compare_ops(p, facts) == 1);
                // The buffer ends exactly at the PROT_NONE page; equal strings run to its end.
                std::span<uint8_t> mem(base + readable - (second + n), second + n);
                const std::vector<uint8_t> input = strings(n, second);
                std::copy_n(input.begin(), mem.size(), mem.begin());
                const helpers::ProgramBindings bindings = test_bindings();
                auto fast = jit::compile(p, facts, bindings, jit::CompileOptions{});
                REQUIRE(fast.has_value());
                auto fast_r0 = runtime::run_native_mem(*fast, mem);
                std::copy_n(input.begin(), mem.size(), mem.begin());
                auto interp = runtime::Interpreter(p, test_bindings(), runtime::InterpreterOptions{}).run_mem(mem);
                REQUIRE(fast_r0.has_value());
                REQUIRE(interp.has_value());
                CHECK(*fast_r0 == *interp);
            }
        }
    }
    munmap(map, readable + page);
}

TEST_CASE("with an instruction budget the compare op charges what the loop would, or runs the loop",
          "[jit][idiom]") {
    const uint32_t n = 1000;
    const Program p = scan_loop(n, 0, 0);
    const verifier::Facts facts = verify_full(p);
    CHECK(compare_ops(p, facts, 1) == 1);
    // The back edge charges the loop's length, 7 slots, each time it runs: n times.
    const uint64_t loop_cost = uint64_t{n} * 7;
    std::vector<uint8_t> mem(n + 16, 0x41);
    for (uint64_t budget : {loop_cost + 100, loop_cost, loop_cost - 7, loop_cost - 8, loop_cost / 2, uint64_t{1}}) {
        DYNAMIC_SECTION("budget " << budget) {
            require_agreement(p, facts, mem, budget);
            std::vector<uint8_t> stopped = mem;
            stopped[n / 3] = 0;
            require_agreement(p, facts, stopped, budget);
        }
    }
}

TEST_CASE("loops that look alike but are not the compare idiom are left alone and stay exact", "[jit][idiom]") {
    const uint32_t n = 64;
    SECTION("a store in the loop") {
        const Program p = assemble(fmt::format(R"(
  mov %r0, 0
  mov %r3, {need}
  jgt %r3, %r2, out
  mov %r2, 0
loop:
  mov %r4, 0
  mov %r5, %r1
  add %r5, %r2
  ldxb %r3, [%r5+0]
  stxb [%r5+{n}], %r3
  jeq %r3, 0, done
  add %r2, 1
  jne %r2, {n}, loop
{pack})",
                                               fmt::arg("need", 2 * n), fmt::arg("n", n), fmt::arg("pack", kPack)));
        const verifier::Facts facts = verify_full(p);
        CHECK(compare_ops(p, facts) == 0);
        require_agreement(p, facts, std::vector<uint8_t>(2 * n, 1));
    }
    SECTION("a temporary's previous value read after the loop") {
        // r0 holds the previous byte: written after the exit test, so it leaves with the
        // byte of the trip before: a temporary whose head value the exit path sees.
        const Program p = assemble(fmt::format(R"(
  mov %r0, 0
  mov %r3, {need}
  jgt %r3, %r2, out
  mov %r2, 0
  mov %r0, 0
loop:
  mov %r4, 0
  mov %r5, %r1
  add %r5, %r2
  ldxb %r3, [%r5+0]
  jeq %r3, 0, end
  mov %r0, %r3
  add %r2, 1
  jne %r2, {n}, loop
end:
{pack})",
                                               fmt::arg("need", n), fmt::arg("n", n), fmt::arg("pack", kPack)));
        const verifier::Facts facts = verify_full(p);
        CHECK(compare_ops(p, facts) == 0);
        std::vector<uint8_t> mem = pattern(n);
        mem[n / 2] = 0;
        require_agreement(p, facts, mem);
    }
    SECTION("stride 2") {
        const Program p = assemble(fmt::format(R"(
  mov %r0, 0
  mov %r3, {need}
  jgt %r3, %r2, out
  mov %r2, 0
loop:
  mov %r4, 0
  mov %r5, %r1
  add %r5, %r2
  ldxb %r3, [%r5+0]
  jeq %r3, 0, done
  add %r2, 2
  jne %r2, {n}, loop
{pack})",
                                               fmt::arg("need", n), fmt::arg("n", n), fmt::arg("pack", kPack)));
        const verifier::Facts facts = verify_full(p);
        CHECK(compare_ops(p, facts) == 0);
        require_agreement(p, facts, std::vector<uint8_t>(n, 1));
    }
    SECTION("no proof (empty facts): no rewrite") {
        const Program p = strcmp_loop(n, n, 0, false);
        CHECK(compare_ops(p, verifier::Facts{}) == 0);
    }
}
