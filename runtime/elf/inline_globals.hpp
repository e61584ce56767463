// Cilium's compile-once configuration (bpf/lib/static_data.h: DECLARE_CONFIG, CONFIG()):
// each CONFIG(x) is one `r = __config_x ll` LDDW against a variable of `.rodata.config`,
// and Cilium's loader (pkg/bpf, inlineGlobalData) rewrites every such LDDW into an
// immediate LDDW holding the variable's value. Loaded as a plain map-value LDDW instead,
// the register holds a pointer that the program uses as a number, and both the kernel and
// ebpfjit refuse it. This collects the values to inline, for the sections the user names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"
#include "runtime/elf/elf_file.hpp"

struct btf;

namespace ebpfjit::runtime::elf {

struct InlinedVariable {
    std::string name;
    uint64_t value = 0; // zero-extended little-endian bytes of a 1, 2, 4 or 8-byte variable
};
// Section index -> variable offset -> variable.
using InlinedGlobals = std::map<size_t, std::map<uint64_t, InlinedVariable>>;

// Every variable of each named data section, from its BTF DATASEC. A name the object has
// no section for is skipped (Cilium's rule: not every object declares configuration); a
// section without a DATASEC, or a variable of another size, is an error naming it.
Result<InlinedGlobals> collect_inlined_globals(const ElfFile& file, const struct btf* btf,
                                               const std::vector<std::string>& sections);

} // namespace ebpfjit::runtime::elf
