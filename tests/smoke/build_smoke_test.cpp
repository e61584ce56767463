#include <catch2/catch.hpp>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"

using namespace ebpfjit;

TEST_CASE("Error::to_string names every location part") {
    Error e{"bad opcode 0xff", 12, "prog.bin", 0x60, std::nullopt};
    CHECK(e.to_string() == "prog.bin: offset 0x60: insn 12: bad opcode 0xff");
    CHECK(Error::at_line(3, "unknown mnemonic").to_string() == "line 3: unknown mnemonic");
}

TEST_CASE("program type names round-trip") {
    for (auto t : {ProgramType::Mem, ProgramType::Xdp, ProgramType::SchedCls, ProgramType::SocketFilter})
        CHECK(program_type_from_name(to_string(t)) == t);
    CHECK_FALSE(program_type_from_name("kprobe").has_value());
}
