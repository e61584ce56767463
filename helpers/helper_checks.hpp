// A helper call as both engines check it (the interpreter always, JIT code when the
// verifier proved nothing): before the call, r1..r5 are checked against the helper's
// prototype so that a helper never dereferences memory the program could
// not touch itself; after it, memory the helper hands out (a map value, a ringbuf
// record) becomes accessible to the program.
#pragma once

#include <array>
#include <cstdint>

#include "ebpfjit/error.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/program_bindings.hpp"
#include "engine_abi/guest_memory.hpp"

namespace ebpfjit::maps { class Map; }

namespace ebpfjit::helpers {

using HelperArgs = std::array<uint64_t, 5>; // r1..r5

// The bound map whose address is `ptr`, or nullptr.
maps::Map* find_bound_map(const ProgramBindings& bindings, uint64_t ptr);

Result<void> check_helper_arguments(const Helper& helper, const HelperArgs& args,
                                    const engine_abi::GuestMemory& memory,
                                    const ProgramBindings& bindings, uint32_t pc);

void record_helper_result(const Helper& helper, const HelperArgs& args, uint64_t r0,
                          engine_abi::GuestMemory& memory, const ProgramBindings& bindings);

} // namespace ebpfjit::helpers
