// The loop pass against programs written to break it (issue 14, "verified means safe"):
// each unsafe program was accepted before its fix and then read outside its buffer in the
// bounds-checked interpreter; now it is rejected at the access, and its safe twin is
// accepted and runs without a fault. The XDP twin of the folded-offset join is
// c/reject_packet_join_folded_offset.c.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"
#include "runtime/interpreter.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

VerifierInput mem_input() {
    VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    return in;
}

isa::Program assembled(const std::string& text) {
    auto program = isa::assemble(text);
    REQUIRE(program);
    return *program;
}

// r7 = len as a 32-bit copy of r2 (the zone's len symbol, without the mem-length mark);
// every trip reads mem[i] for a random i < r7. Past the walk's 2048 trips (r8 = 3000), the
// second branch makes r7 `b_r7` and starts again.
std::string len_copy_loop(const std::string& b_r7) {
    return R"(
        mov %r6, %r1
        mov32 %r7, %r2
        mov32 %r9, %r2
        mov %r8, 0
    loop:
        call 7
        and %r0, 0xffff
        jge %r0, %r7, skip
        mov %r1, %r6
        add %r1, %r0
        ldxb %r2, [%r1+0]
    skip:
        add %r8, 1
        jlt %r8, 3000, loop
        call 7
        and %r0, 0xffff
        )" + b_r7 + R"(
        mov %r8, 0
        ja loop)";
}

} // namespace

TEST_CASE("loop pass: a register equal to the length covers only the length", "[verifier][loops][soundness]") {
    // The head's state had r7 == len; an arrival with r7 a random number below 65536 was
    // taken as covered (the zone comparison skipped registers whose value is the length),
    // so mem[i] for i < r7 was "proven" for it too: an 8-byte buffer was read at up to
    // 65535 in the interpreter.
    Report bad = check(assembled(len_copy_loop("mov %r7, %r0")), mem_input());
    INFO((bad.ok() ? std::string("accepted") : bad.rejection->headline));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.rejection->reason == Reason::PacketOutOfBounds);
    CHECK(bad.rejection->insn == 9);

    // The twin makes r7 the length again (another 32-bit copy): covered, accepted, and it
    // reads only inside the buffer until the instruction budget ends the endless loop.
    const isa::Program twin = assembled(len_copy_loop("mov32 %r7, %r9"));
    Report ok = check(twin, mem_input());
    INFO((ok.ok() ? std::string("accepted") : ok.rejection->headline));
    REQUIRE(ok.ok());
    std::vector<uint8_t> mem(8, 1);
    runtime::InterpreterOptions options;
    options.instruction_budget = 200'000;
    runtime::Interpreter interp(twin, helpers::ProgramBindings{}, options);
    auto ran = interp.run_mem(mem);
    REQUIRE_FALSE(ran);
    INFO(ran.error().to_string());
    CHECK(ran.error().to_string().find("budget") != std::string::npos);
}

} // namespace ebpfjit::verifier::test
