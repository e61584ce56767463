// Small helpers shared by the map tests.
#pragma once

#include <catch2/catch.hpp>
#include <linux/bpf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/maps/map.hpp"
#include "runtime/maps/map_factory.hpp"

namespace maptest {

using ebpfjit::maps::Map;
using ebpfjit::maps::MapDefinition;

inline MapDefinition def(uint32_t type, uint32_t key_size, uint32_t value_size,
                         uint32_t max_entries, uint32_t flags = 0, const char* name = "m") {
    MapDefinition d;
    d.type = type;
    d.key_size = key_size;
    d.value_size = value_size;
    d.max_entries = max_entries;
    d.flags = flags;
    d.name = name;
    return d;
}

inline std::unique_ptr<Map> make(const MapDefinition& d) {
    auto m = ebpfjit::maps::create_map(d);
    if (!m) FAIL(m.error().to_string());
    return std::move(*m);
}

template <class T>
T read_as(const void* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

} // namespace maptest
