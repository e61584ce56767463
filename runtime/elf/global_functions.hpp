// The global functions of a linked program, from its func_info records and the object's
// BTF: name, linkage and prototype read as the kernel's btf_prepare_func_args does, for the
// verifier to prove each once on its own (verifier/global_function.hpp).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "verifier/global_function.hpp"

struct btf;

namespace ebpfjit::runtime::elf {

// `funcs`: (slot, BTF FUNC type id) per function of the linked program. Only functions
// whose linkage is global and that do not start at slot 0 (the program itself) are
// returned, by slot; a prototype the kernel would not take says why in `unsupported`.
std::vector<verifier::GlobalFunction> global_functions(const struct btf* btf,
                                                       const std::vector<std::pair<uint32_t, uint32_t>>& funcs,
                                                       ProgramType type);

} // namespace ebpfjit::runtime::elf
