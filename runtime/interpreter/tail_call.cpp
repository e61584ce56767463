#include "runtime/interpreter/tail_call.hpp"

#include <fmt/format.h>

#include "engine_abi/kernel_ids.hpp"
#include "helpers/helper_checks.hpp"
#include "runtime/maps/prog_array.hpp"

namespace ebpfjit::runtime {

Result<std::optional<TailCallTarget>> resolve_tail_call(const helpers::ProgramBindings& bindings,
                                                        uint64_t map, uint64_t index,
                                                        engine_abi::ExecutionState& state, uint32_t pc) {
    maps::Map* bound = helpers::find_bound_map(bindings, map);
    maps::ProgArray* array = bound ? maps::as_prog_array(bound) : nullptr;
    if (array == nullptr)
        return fail(Error::at_insn(pc, fmt::format("tail_call: r2 = {:#x} is not a prog array of this program", map)));
    const auto slot = static_cast<uint32_t>(index); // the kernel's u32 index
    if (slot >= array->definition().max_entries) return std::nullopt;
    if (state.tail_calls >= engine_abi::kMaxTailCalls) return std::nullopt;
    ++state.tail_calls;
    const engine_abi::ProgramEntry* entry = array->entry(slot);
    if (entry == nullptr || entry->program == nullptr || entry->bindings == nullptr) return std::nullopt;
    return TailCallTarget{entry->program, entry->bindings, entry->stack_zero_lo, entry->stack_zero_hi,
                          entry->reachable};
}

} // namespace ebpfjit::runtime
