// A call to a helper the table lacks is refused at its instruction; when the id is one of
// the kernel's, the refusal names the helper, so a user sees what the program needs
// (Calico's tc programs call bpf_timer_init, #169).
#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <string>

#include "corpus.hpp"
#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"

namespace ebpfjit::verifier::test {

namespace {

Report verify_asm(const std::string& text) {
    auto p = isa::assemble(text);
    REQUIRE(p);
    return check(*p, corpus_input(ProgramType::SchedCls));
}

} // namespace

TEST_CASE("unknown helpers are named when the kernel has them", "[verifier][helpers]") {
    REQUIRE_FALSE(helpers::HelperTable::builtin().find(BPF_FUNC_get_func_ip)); // a tracing helper
    Report known = verify_asm("mov %r0, 0\ncall " + std::to_string(BPF_FUNC_get_func_ip) + "\nexit");
    REQUIRE(known.rejection);
    CHECK(known.rejection->reason == Reason::UnknownHelper);
    CHECK(known.rejection->insn == 1);
    CHECK(known.rejection->headline.find("unknown helper #" + std::to_string(BPF_FUNC_get_func_ip) +
                                         " (bpf_get_func_ip: not implemented in ebpfjit)") != std::string::npos);

    Report beyond = verify_asm("mov %r0, 0\ncall 100000\nexit");
    REQUIRE(beyond.rejection);
    CHECK(beyond.rejection->reason == Reason::UnknownHelper);
    CHECK(beyond.rejection->headline.find("unknown helper #100000") != std::string::npos);
    CHECK(beyond.rejection->headline.find("(bpf_") == std::string::npos);
}

} // namespace ebpfjit::verifier::test
