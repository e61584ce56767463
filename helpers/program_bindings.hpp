// What a loaded program's instructions refer to outside themselves: the maps its LDDW
// instructions name and the helper table its calls use. Shared by the interpreter and
// both JITs so that they resolve every reference the same way.
#pragma once

#include <cstdint>
#include <vector>

#include "helpers/helper_table.hpp"

namespace ebpfjit::maps { class Map; }

namespace ebpfjit::helpers {

struct MapBinding {
    maps::Map* map = nullptr;     // value of LDDW src 1 / 5 (map pointer)
    uint8_t* direct_value = nullptr; // base of LDDW src 2 / 6 (single-value array maps: global data)
    uint32_t value_size = 0;
};

struct ProgramBindings {
    const HelperTable* helpers = &HelperTable::builtin();
    // Indexed by the LDDW imm (the loader's map index; the kernel's fd / fd_array index).
    std::vector<MapBinding> maps;
};

} // namespace ebpfjit::helpers
