// Map contents of an open object as JSON, in the shape `bpftool map dump -j` uses per map.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ebpfjit/ebpfjit.hpp"

namespace ebpfjit::cli {

// {"<name>": {"type": ..., "key_size": ..., "value_size": ..., "entries": [...]}, ...};
// `only` selects one map (empty: all). An unknown name is an error.
Result<nlohmann::json> object_maps_json(Object& object, const std::string& only = {});

// Writes `json` to `path` (pretty-printed); an error names the path.
Result<void> write_json_file(const std::string& path, const nlohmann::json& json);

} // namespace ebpfjit::cli
