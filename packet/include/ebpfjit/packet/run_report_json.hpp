// The `--json` document of a packet run:
//   {"packets": N, "verdicts": {"XDP_PASS": n, ...}, "maps": {"<name>": <map dump>, ...},
//    "ns_per_packet": x, "mpps": y}
// with each map as MapRef::to_json dumps it (per-CPU maps with "values").
#pragma once

#include <nlohmann/json.hpp>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/packet/capture_run.hpp"

namespace ebpfjit::packet {

nlohmann::json maps_json(Object& object);
nlohmann::json run_report_json(const RunReport& report, Object& object);

} // namespace ebpfjit::packet
