// `ebpfjit disasm --native`: the emitted machine code as asmjit's Logger prints it, each
// eBPF instruction's text as a comment before the code it became.
#pragma once

#include <string>

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/disassembler.hpp"
#include "isa/instruction.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

Result<std::string> native_listing(const isa::Program& program, const verifier::Facts& facts,
                                   const helpers::ProgramBindings& bindings,
                                   const isa::HelperNamer& namer = {});

} // namespace ebpfjit::jit
