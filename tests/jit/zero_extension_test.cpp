// Zero-extension idioms (`w = w`, `r <<= 32; r >>= 32`) vanish where the verifier proved
// the upper half clean, and stay where it did not.
#include <catch2/catch.hpp>

#include "tests/jit/program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

Result<jit::Lowered> lower_with(const Program& p, const verifier::Facts& facts) {
    static const helpers::ProgramBindings bindings = test_bindings();
    jit::LoweringOptions options;
    options.bindings = &bindings;
    return jit::lower(p, facts, options);
}

verifier::Facts upper_zero_everywhere(size_t n, uint16_t regs) {
    verifier::Facts f;
    f.upper32_zero.assign(n, regs);
    return f;
}

} // namespace

TEST_CASE("mov32 w, w is dropped only when the upper half is proven zero", "[jit][lowering]") {
    const Program p = make_program({alu32r(AluOp::Mov, 1, 1), mov64r(0, 1), exit_insn()});
    auto proven = lower_with(p, upper_zero_everywhere(p.size(), 1u << 1));
    REQUIRE(proven.has_value());
    CHECK_FALSE(proven->slots[0].emit);
    auto unknown = lower_with(p, verifier::Facts{});
    REQUIRE(unknown.has_value());
    CHECK(unknown->slots[0].emit);
    auto other_reg = lower_with(p, upper_zero_everywhere(p.size(), 1u << 2));
    REQUIRE(other_reg.has_value());
    CHECK(other_reg->slots[0].emit);
}

TEST_CASE("lsh 32 / rsh 32 is dropped only when proven, and not across a label", "[jit][lowering]") {
    const Program p = make_program({alu64(AluOp::Lsh, 1, 32), alu64(AluOp::Rsh, 1, 32), mov64r(0, 1), exit_insn()});
    auto proven = lower_with(p, upper_zero_everywhere(p.size(), 1u << 1));
    REQUIRE(proven.has_value());
    CHECK_FALSE(proven->slots[0].emit);
    CHECK_FALSE(proven->slots[1].emit);
    auto unknown = lower_with(p, verifier::Facts{});
    REQUIRE(unknown.has_value());
    CHECK(unknown->slots[0].emit);
    CHECK(unknown->slots[1].emit);
    // A jump into the rsh: the pair is not a pair on that path.
    const Program jumped = make_program({jcc(Cond::Eq, 2, 0, 2), alu64(AluOp::Lsh, 1, 32), alu64(AluOp::Rsh, 1, 32),
                                         mov64r(0, 1), exit_insn()});
    auto with_label = lower_with(jumped, upper_zero_everywhere(jumped.size(), 1u << 1));
    REQUIRE(with_label.has_value());
    CHECK(with_label->slots[1].emit);
    CHECK(with_label->slots[2].emit);
}
