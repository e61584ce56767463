// A host address range a program may access (besides its own stack frames).
#pragma once

#include <cstdint>

namespace ebpfjit {

struct MemoryRegion {
    uint64_t start = 0;
    uint64_t size = 0;
    bool writable = false;
};

} // namespace ebpfjit

// The engines' name for it until the namespaces follow the folders (issue 15).
namespace ebpfjit::runtime {
using ebpfjit::MemoryRegion;
} // namespace ebpfjit::runtime
