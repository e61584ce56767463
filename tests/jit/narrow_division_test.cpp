// u64 div/mod of values the verifier proves below 2^32 (LoweredSlot::div32): the 32-bit
// instruction gives the loop's result, including by 0 (div: 0, mod: the dividend), with
// the operands in the registers the x86-64 sequence uses implicitly (rax = r0, rdx = r3).
// The interpreter is the oracle; the JIT with and without the narrowing must agree with it.
#include <catch2/catch.hpp>

#include "isa/assembler.hpp"
#include "tests/jit/idiom_oracle.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

size_t narrowed(const Program& p, const verifier::Facts& facts) {
    const helpers::ProgramBindings bindings = test_bindings();
    jit::LoweringOptions options;
    options.bindings = &bindings;
    auto lowered = jit::lower(p, facts, options);
    REQUIRE(lowered.has_value());
    return static_cast<size_t>(
        std::count_if(lowered->slots.begin(), lowered->slots.end(), [](const auto& s) { return s.div32; }));
}

// dst = the u32 at mem[0], src = the u32 at mem[4] (both zero-extended: upper halves
// proven zero); r0 and r3 hold sentinels unless used; returns dst ^ (r0 << 40) ^ (r3 << 48)
// after `dst op= src` (the sentinels show a clobbered rax/rdx).
Program division(const char* op, uint8_t dst, uint8_t src) {
    std::string text = fmt::format(R"(
  mov %r0, 0
  mov %r3, 8
  jgt %r3, %r2, out
  mov %r6, %r1
  mov %r0, 0x55
  mov %r3, 0x66
  ldxw %r{dst}, [%r6+0]
  ldxw %r{src}, [%r6+4]
  {op} %r{dst}, %r{src}
  mov %r7, %r{dst}
  lsh %r0, 40
  xor %r7, %r0
  lsh %r3, 48
  xor %r7, %r3
  mov %r0, %r7
out:
  exit
)",
                                   fmt::arg("dst", dst), fmt::arg("src", src), fmt::arg("op", op));
    auto p = isa::assemble(text);
    INFO(text);
    REQUIRE(p.has_value());
    return *p;
}

std::vector<uint8_t> operands(uint32_t x, uint32_t d) {
    std::vector<uint8_t> mem(8);
    std::memcpy(mem.data(), &x, 4);
    std::memcpy(mem.data() + 4, &d, 4);
    return mem;
}

} // namespace

TEST_CASE("u64 div/mod of values proven below 2^32 use the 32-bit instruction with the same result",
          "[jit][division]") {
    const std::pair<uint32_t, uint32_t> cases[] = {
        {0, 0}, {7, 0}, {0xffffffff, 0}, {0, 1}, {1, 1}, {10, 3}, {0xffffffff, 1}, {0xffffffff, 0xffffffff},
        {0xfffffffe, 0xffffffff}, {0x80000000, 2}, {1234567891, 97}, {3, 0x80000000}};
    for (const char* op : {"div", "mod"}) {
        for (auto [dst, src] : {std::pair<uint8_t, uint8_t>{2, 4}, {0, 4}, {3, 4}, {2, 0}, {2, 3}, {0, 3}, {3, 0}}) {
            DYNAMIC_SECTION(op << " r" << int{dst} << ", r" << int{src}) {
                const Program p = division(op, dst, src);
                const verifier::Facts facts = verify_full(p);
                CHECK(narrowed(p, facts) == 1);
                for (auto [x, d] : cases) {
                    INFO("x " << x << " d " << d);
                    require_idiom_agreement(p, facts, operands(x, d), &jit::Optimisations::narrow_division);
                }
            }
        }
    }
}

TEST_CASE("a u64 division whose dividend may exceed 2^32 keeps the 64-bit instruction", "[jit][division]") {
    auto p = isa::assemble(R"(
  mov %r0, 0
  mov %r3, 16
  jgt %r3, %r2, out
  ldxdw %r0, [%r1+0]
  ldxw %r4, [%r1+8]
  div %r0, %r4
out:
  exit
)");
    REQUIRE(p.has_value());
    const verifier::Facts facts = verify_full(*p);
    CHECK(narrowed(*p, facts) == 0);
    std::vector<uint8_t> mem(16, 0xff);
    mem[8] = 3;
    mem[9] = mem[10] = mem[11] = 0;
    require_idiom_agreement(*p, facts, mem, &jit::Optimisations::narrow_division);
}
