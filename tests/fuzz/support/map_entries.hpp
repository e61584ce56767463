// A map's contents as sorted (key, value) byte pairs: what two engines' runs are compared by.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/maps/map.hpp"

namespace ebpfjit::fuzz {

using Entries = std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>>;

Entries sorted_entries(maps::Map& map);

} // namespace ebpfjit::fuzz
