#include "tools/cli/object_maps_json.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

namespace ebpfjit::cli {

Result<nlohmann::json> object_maps_json(Object& object, const std::string& only) {
    nlohmann::json out = nlohmann::json::object();
    for (const std::string& name : object.map_names()) {
        if (!only.empty() && name != only) continue;
        auto map = object.map(name);
        if (!map) return fail(map.error());
        out[name] = nlohmann::json::parse(map->to_json());
    }
    if (!only.empty() && out.empty())
        return fail(Error::plain(fmt::format("no map named '{}' in the object", only)));
    return out;
}

Result<void> write_json_file(const std::string& path, const nlohmann::json& json) {
    std::ofstream file(path);
    if (file) file << json.dump(2) << '\n';
    if (!file) return fail(Error{fmt::format("cannot write: {}", std::strerror(errno)), {}, path, {}, {}});
    return {};
}

} // namespace ebpfjit::cli
