// Live maps for an object description: created through the map factory, global data
// loaded, map-in-map slots installed, and the LDDW bindings every program of the
// object shares (index = the loader's map index).
#pragma once

#include <memory>
#include <vector>

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "runtime/elf/object_description.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::runtime {

struct ObjectMaps {
    std::vector<std::shared_ptr<maps::Map>> maps; // index == ObjectDescription::maps index
    helpers::ProgramBindings bindings;            // maps[i] -> bindings.maps[i]
};

Result<ObjectMaps> create_object_maps(const elf::ObjectDescription& description);

} // namespace ebpfjit::runtime
