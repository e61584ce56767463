// A host address range a program may access (besides its own stack frames).
#pragma once

#include <cstdint>

namespace ebpfjit::runtime {

struct MemoryRegion {
    uint64_t start = 0;
    uint64_t size = 0;
    bool writable = false;
};

} // namespace ebpfjit::runtime
