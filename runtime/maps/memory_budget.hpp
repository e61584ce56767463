// A process-wide cap on the bytes all live maps may hold, so that a program's map
// definitions cannot make the embedder allocate without bound. The factory charges a
// map's estimated size before allocating it and rejects it with a clear error if the
// budget would be exceeded.
#pragma once

#include <cstdint>

namespace ebpfjit::maps {

// Default 1 GiB.
uint64_t memory_budget();
void set_memory_budget(uint64_t bytes);
uint64_t memory_in_use();

// Reserve `bytes`; false (nothing reserved) when the budget would be exceeded.
bool charge_memory(uint64_t bytes);
void uncharge_memory(uint64_t bytes);

} // namespace ebpfjit::maps
