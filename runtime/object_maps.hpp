// Live maps for an object description: created through the map factory, global data
// loaded, map-in-map slots installed, and the LDDW bindings every program of the
// object shares (index = the loader's map index).
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "runtime/elf/object_description.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/prog_array.hpp"

namespace ebpfjit::runtime {

struct ObjectMaps {
    std::vector<std::shared_ptr<maps::Map>> maps; // index == ObjectDescription::maps index
    helpers::ProgramBindings bindings;            // maps[i] -> bindings.maps[i]
    std::vector<size_t> pinned;                   // indices of maps shared through a PinRegistry
};

// Prog arrays are created with 8-byte slots (a `const ProgramEntry*`), whatever value
// size clang declared; they start empty. With `pins`, pinned maps come from (or go into)
// the registry; a map reused from it keeps its contents (no initial inner maps written).
Result<ObjectMaps> create_object_maps(const elf::ObjectDescription& description, PinRegistry::Impl* pins);

// The tail-call entry of the object's program called `name`, prepared on demand.
using ProgramEntryLookup = std::function<Result<const engine_abi::ProgramEntry*>(std::string_view name)>;

// libbpf's declarative prog-array initialisation (`.values = { [i] = &prog }`): puts each
// named program's entry into its slot.
Result<void> install_program_slots(const elf::ObjectDescription& description, ObjectMaps& object_maps,
                                   const ProgramEntryLookup& entry_for);

} // namespace ebpfjit::runtime
