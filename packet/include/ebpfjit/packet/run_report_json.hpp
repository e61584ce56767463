// The `--json` document of a packet run:
//   {"packets": N, "verdicts": {"XDP_PASS": n, ...}, "maps": {"<name>": <map dump>, ...},
//    "ns_per_packet": x, "mpps": y}
// with each map as runtime/maps/map_json.hpp dumps it (per-CPU maps with "values").
#pragma once

#include <nlohmann/json.hpp>

#include "ebpfjit/ebpfjit.hpp"
#include "packet/packet_runner.hpp"

namespace ebpfjit::runtime::packet {

nlohmann::json maps_json(Object& object);
nlohmann::json run_report_json(const RunReport& report, Object& object);

} // namespace ebpfjit::runtime::packet
