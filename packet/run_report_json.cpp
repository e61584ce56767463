#include "ebpfjit/packet/run_report_json.hpp"

#include "runtime/maps/map_json.hpp"

namespace ebpfjit::packet {

nlohmann::json maps_json(Object& object) {
    nlohmann::json maps = nlohmann::json::object();
    for (const auto& name : object.map_names())
        if (auto map = object.map(name)) maps[name] = ebpfjit::maps::map_to_json(map->native());
    return maps;
}

nlohmann::json run_report_json(const RunReport& report, Object& object) {
    nlohmann::json verdicts = nlohmann::json::object();
    for (const auto& [name, count] : report.verdicts) verdicts[name] = count;
    return {{"packets", report.packets},
            {"verdicts", verdicts},
            {"maps", maps_json(object)},
            {"ns_per_packet", report.ns_per_packet()},
            {"mpps", report.mpps()}};
}

} // namespace ebpfjit::packet
