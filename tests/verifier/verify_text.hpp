// Tests that write programs as assembler text: assemble, verify with the builtin helpers,
// and say what happened in one line for the test's INFO.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "ebpfjit/program_type.hpp"
#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

// `text` (which must assemble) verified as a program of `type` at the default level.
inline Report verify_text(const std::string& text, ProgramType type) {
    auto program = isa::assemble(text);
    INFO((program ? std::string() : program.error().message));
    REQUIRE(program);
    VerifierInput in;
    in.type = type;
    in.helpers = &helpers::HelperTable::builtin();
    return check(*program, in);
}

inline std::string headline(const Report& r) { return r.rejection ? r.rejection->headline : std::string("accepted"); }

} // namespace ebpfjit::verifier::test
