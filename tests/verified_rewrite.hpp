// For tests that run ctx programs without the object loader: verify the program (the
// ctx-access facts come from the verifier, at either level), then rewrite its ctx
// accesses from those facts, as runtime::PreparedProgram does.
#pragma once

#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "runtime/context/rewrite_ctx_access.hpp"
#include "runtime/maps/map.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::test {

inline Result<isa::Program> verified_rewrite(const isa::Program& program, ProgramType type,
                                             verifier::Level level = verifier::Level::Full,
                                             std::vector<maps::MapDefinition> maps = {}) {
    verifier::VerifierInput input;
    input.type = type;
    input.level = level;
    input.maps = std::move(maps);
    input.helpers = &helpers::HelperTable::builtin();
    auto facts = verifier::verify(program, input);
    if (!facts) return fail(facts.error());
    return runtime::rewrite_ctx_access(program, type, *facts);
}

} // namespace ebpfjit::test
