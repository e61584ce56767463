#include "ebpfjit/packet/map_init.hpp"

#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "runtime/maps/map.hpp"
#include "runtime/maps/percpu.hpp"

namespace ebpfjit::packet {

namespace {

Result<std::vector<uint8_t>> parse_bytes(const nlohmann::json& list, size_t expected,
                                         const std::string& where) {
    if (!list.is_array())
        return fail(Error::plain(fmt::format("{}: expected a list of bytes", where)));
    std::vector<uint8_t> bytes;
    for (const auto& item : list) {
        unsigned long value = 256;
        if (item.is_number_unsigned()) {
            value = item.get<unsigned long>();
        } else if (item.is_string()) {
            const std::string text = item.get<std::string>();
            char* end = nullptr;
            value = std::strtoul(text.c_str(), &end, 0);
            if (text.empty() || *end != '\0') value = 256;
        }
        if (value > 255)
            return fail(Error::plain(fmt::format("{}: {} is not a byte", where, item.dump())));
        bytes.push_back(uint8_t(value));
    }
    if (bytes.size() != expected)
        return fail(Error::plain(fmt::format("{}: {} bytes, the map wants {}", where,
                                             bytes.size(), expected)));
    return bytes;
}

Result<size_t> fill_map(Object& object, const std::string& name, const nlohmann::json& contents,
                        const std::string& source) {
    auto map = object.map(name);
    if (!map) return fail(Error::plain(fmt::format("{}: {}", source, map.error().message)));
    const nlohmann::json& entries = contents.is_object() ? contents.value("entries", nlohmann::json())
                                                         : contents;
    if (!entries.is_array())
        return fail(Error::plain(fmt::format("{}: map '{}': expected \"entries\": [...]", source, name)));
    const maps::MapDefinition& def = map->native().definition();
    const bool percpu = map->native().is_percpu();
    const uint32_t stride = (def.value_size + 7) & ~7u;
    size_t written = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& entry = entries[i];
        const std::string where = fmt::format("{}: map '{}' entry {}", source, name, i);
        if (!entry.is_object() || !entry.contains("key"))
            return fail(Error::plain(where + ": expected {\"key\": [...], \"value\": [...]}"));
        auto key = parse_bytes(entry["key"], map->key_size(), where + " key");
        if (!key) return fail(key.error());
        std::vector<uint8_t> value(map->value_size());
        if (entry.contains("values") && percpu) {
            for (const auto& slot : entry["values"]) {
                const uint32_t cpu = slot.value("cpu", UINT32_MAX);
                if (cpu >= maps::possible_cpus())
                    return fail(Error::plain(fmt::format("{}: cpu {} is not below {}", where,
                                                         slot.value("cpu", -1), maps::possible_cpus())));
                auto bytes = parse_bytes(slot.value("value", nlohmann::json()), def.value_size,
                                         fmt::format("{} cpu {}", where, cpu));
                if (!bytes) return fail(bytes.error());
                std::memcpy(value.data() + size_t(cpu) * stride, bytes->data(), bytes->size());
            }
        } else if (entry.contains("value")) {
            auto bytes = parse_bytes(entry["value"], def.value_size, where + " value");
            if (!bytes) return fail(bytes.error());
            // A per-CPU map given one value: every CPU starts with it, as bpftool does.
            const uint32_t copies = percpu ? maps::possible_cpus() : 1;
            for (uint32_t cpu = 0; cpu < copies; ++cpu)
                std::memcpy(value.data() + size_t(cpu) * stride, bytes->data(), bytes->size());
        } else {
            return fail(Error::plain(where + ": no \"value\"" + (percpu ? " or \"values\"" : "")));
        }
        if (int err = map->update(*key, value, 0); err != 0)
            return fail(Error::plain(fmt::format("{}: update failed: {}", where, std::strerror(-err))));
        ++written;
    }
    return written;
}

} // namespace

Result<size_t> apply_map_init(Object& object, const nlohmann::json& document,
                              const std::string& source) {
    if (!document.is_object() || !document.contains("maps"))
        return fail(Error::plain(fmt::format("{}: expected {{\"maps\": ...}}", source)));
    const auto& all = document["maps"];
    size_t written = 0;
    if (all.is_object()) {
        for (const auto& [name, contents] : all.items()) {
            auto n = fill_map(object, name, contents, source);
            if (!n) return n;
            written += *n;
        }
    } else if (all.is_array()) {
        for (const auto& contents : all) {
            if (!contents.is_object() || !contents.contains("name"))
                return fail(Error::plain(fmt::format("{}: a map in the list has no \"name\"", source)));
            auto n = fill_map(object, contents["name"].get<std::string>(), contents, source);
            if (!n) return n;
            written += *n;
        }
    } else {
        return fail(Error::plain(fmt::format("{}: \"maps\" must be an object or a list", source)));
    }
    return written;
}

Result<size_t> apply_map_init_file(Object& object, const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(Error{"cannot read the file", {}, path, {}, {}});
    nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) return fail(Error{"not valid JSON", {}, path, {}, {}});
    return apply_map_init(object, document, path);
}

} // namespace ebpfjit::packet
