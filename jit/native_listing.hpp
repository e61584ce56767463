// `ebpfjit disasm --native`: the emitted machine code as asmjit's Logger prints it, each
// eBPF instruction's text as a comment before the code it became.
#pragma once

#include <string>

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/disassembler.hpp"
#include "isa/instruction.hpp"
#include "jit/compiler.hpp"
#include "jit/target.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

// `arch`: any backend on any host (asmjit encodes for an architecture without running
// its code): `disasm --native --arch arm64` works on x86-64 and the other way round.
// `options`: the hardening choices of jit::compile (program_type is not used). With
// blinding, each original instruction heads its rewrite, whose added instructions follow
// as `~` comments.
Result<std::string> native_listing(const isa::Program& program, const verifier::Facts& facts,
                                   const helpers::ProgramBindings& bindings,
                                   const isa::HelperNamer& namer = {}, Arch arch = host_arch(),
                                   const CompileOptions& options = {});

} // namespace ebpfjit::jit
