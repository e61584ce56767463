// Fills an object's maps before a run, from JSON in the shape ebpfjit's (and bpftool's)
// map dumps use, so a dump can be fed back:
//
//   {"maps": {"blocked_v4": {"entries": [
//       {"key": ["0x18", "0x00", ...], "value": ["0x03", ...], "comment": "optional"},
//       {"key": [...], "values": [{"cpu": 0, "value": [...]}, ...]}     (per-CPU maps)
//   ]}}}
//
// "maps" may also be a list of dump objects carrying "name". Bytes are "0x.." strings or
// numbers 0-255. LPM tries, for example, cannot be initialised from the ELF object, so
// this is how the firewall example gets its blocklist (examples/xdp_firewall.maps.json).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/error.hpp"

namespace ebpfjit::packet {

// Returns the number of entries written. Errors name the source, map and entry index.
Result<size_t> apply_map_init(Object& object, const nlohmann::json& document,
                              const std::string& source = "map-init");
Result<size_t> apply_map_init_file(Object& object, const std::string& path);

} // namespace ebpfjit::packet
