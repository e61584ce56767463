// Each example over its capture on the interpreter and the JIT: identical verdicts,
// frames and maps on both, and all of them equal to what example_models.* works out from
// the frames and the map-init files alone. The load balancer's output frames are parsed
// again: checksums verify and the destination is the backend the Maglev ring names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "example_models.hpp"
#include "example_paths.hpp"
#include "frame_parser.hpp"
#include "runtime/maps/percpu.hpp"
#include "packet/program_engine.hpp"
#include "ebpfjit/packet/map_init.hpp"
#include "packet/packet_runner.hpp"
#include "ebpfjit/packet/pcap_io.hpp"
#include "ebpfjit/packet/run_report_json.hpp"

namespace em = example_models;
namespace pkt = ebpfjit::packet;

namespace {

// Every example runs on both engines; results must agree with the models and each other.
const std::vector<std::string> kEngines = {"interp", "jit"};

struct ExampleRun {
    pkt::RunReport report;
    nlohmann::json maps;
};

pkt::Capture capture_of(const std::string& name) {
    auto capture = pkt::read_pcap(example_paths::pcap(name));
    REQUIRE(capture.has_value());
    return std::move(*capture);
}

ExampleRun run_example(const std::string& example, const std::string& program,
                       const pkt::Capture& capture, const std::string& engine,
                       uint32_t threads = 1, bool with_map_init = false) {
    // One per-CPU slot per worker (fixed before the object's per-CPU maps exist).
    if (threads > ebpfjit::maps::possible_cpus()) REQUIRE(ebpfjit::maps::set_possible_cpus(threads));
    auto object = ebpfjit::Object::open(example_paths::object(example));
    INFO(example << " on " << engine << ": " << (object ? "" : object.error().to_string()));
    REQUIRE(object.has_value());
    if (with_map_init) {
        auto filled = pkt::apply_map_init_file(*object, example_paths::map_init(example));
        INFO((filled ? "" : filled.error().to_string()));
        REQUIRE(filled.has_value());
    }
    auto prog = object->program(program);
    INFO((prog ? "" : prog.error().to_string()));
    REQUIRE(prog.has_value());
    pkt::RunOptions run_options;
    run_options.threads = threads;
    const auto frame_engine = pkt::program_frame_engine(*prog, ebpfjit::RunOptions{ebpfjit::engine_from_name(engine)});
    auto report = pkt::run_capture(*frame_engine, prog->type(), capture, run_options);
    INFO((report ? "" : report.error().to_string()));
    REQUIRE(report.has_value());
    return {std::move(*report), pkt::maps_json(*object)};
}

// Sum over CPUs of the u64 at `offset` in every value of a per-CPU array map dump.
std::map<uint32_t, uint64_t> percpu_u64(const nlohmann::json& map, size_t offset) {
    std::map<uint32_t, uint64_t> totals;
    for (const auto& entry : map["entries"]) {
        const auto key = em::json_bytes(entry["key"]);
        const uint32_t index = key[0] | key[1] << 8 | key[2] << 16 | uint32_t(key[3]) << 24;
        for (const auto& slot : entry["values"]) {
            const auto v = em::json_bytes(slot["value"]);
            uint64_t x = 0;
            for (int b = 7; b >= 0; --b) x = x << 8 | v[offset + size_t(b)];
            totals[index] += x;
        }
    }
    return totals;
}

uint64_t u64_at(const std::vector<uint8_t>& v, size_t offset) {
    uint64_t x = 0;
    for (int b = 7; b >= 0; --b) x = x << 8 | v[offset + size_t(b)];
    return x;
}

// Two objects' maps in a form that compares equal when their contents are: hash maps
// iterate in a per-map seeded order (as in the kernel), so entries are sorted by key; and
// which per-CPU slot a worker gets is the runtime's choice, so per-CPU values become the
// sorted list of the non-zero ones.
nlohmann::json normalised(nlohmann::json maps) {
    for (auto& [name, map] : maps.items()) {
        std::vector<nlohmann::json> entries(map["entries"].begin(), map["entries"].end());
        std::sort(entries.begin(), entries.end(),
                  [](const nlohmann::json& x, const nlohmann::json& y) { return x["key"] < y["key"]; });
        map["entries"] = entries;
        for (auto& entry : map["entries"]) {
            if (!entry.contains("values")) continue;
            std::vector<nlohmann::json> values;
            for (const auto& slot : entry["values"]) {
                const auto bytes = em::json_bytes(slot["value"]);
                if (std::any_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; }))
                    values.push_back(slot["value"]);
            }
            std::sort(values.begin(), values.end());
            entry["values"] = values;
        }
    }
    return maps;
}

void same_on_every_engine(const std::vector<ExampleRun>& runs) {
    for (size_t e = 1; e < runs.size(); ++e) {
        INFO("engine " << kEngines[e] << " against " << kEngines[0]);
        CHECK(runs[e].report.r0 == runs[0].report.r0);
        CHECK(runs[e].report.verdicts == runs[0].report.verdicts);
        REQUIRE(runs[e].report.outputs.size() == runs[0].report.outputs.size());
        for (size_t i = 0; i < runs[0].report.outputs.size(); ++i) {
            CHECK(runs[e].report.outputs[i].index == runs[0].report.outputs[i].index);
            CHECK(runs[e].report.outputs[i].bytes == runs[0].report.outputs[i].bytes);
        }
        const auto a = normalised(runs[e].maps), b = normalised(runs[0].maps);
        for (const auto& [name, map] : b.items()) {
            INFO("map " << name << "\n" << a[name].dump() << "\n" << map.dump());
            CHECK(a[name] == map);
        }
    }
}

} // namespace

TEST_CASE("xdp_firewall: verdicts and per-rule counters", "[examples][e2e]") {
    const auto capture = capture_of("firewall");
    const auto rules = em::firewall::load_rules(em::read_json(example_paths::map_init("xdp_firewall")));
    std::vector<ExampleRun> runs;
    for (const auto& engine : kEngines) {
        runs.push_back(run_example("xdp_firewall", "xdp_firewall", capture, engine, 1, true));
        const auto& report = runs.back().report;
        INFO("engine " << engine);
        REQUIRE(report.r0.size() == capture.size());
        std::map<uint32_t, uint64_t> packets, bytes;
        size_t output = 0;
        for (size_t i = 0; i < capture.size(); ++i) {
            INFO("frame " << i);
            const auto expected = em::firewall::decide(rules, capture.frame(i));
            CHECK(report.r0[i] == expected.action);
            ++packets[expected.slot];
            bytes[expected.slot] += capture.frame(i).size();
            if (expected.action == em::kPass) {
                REQUIRE(output < report.outputs.size());
                CHECK(report.outputs[output].index == i);
                CHECK(std::equal(report.outputs[output].bytes.begin(), report.outputs[output].bytes.end(),
                                 capture.frame(i).begin(), capture.frame(i).end()));
                ++output;
            }
        }
        CHECK(output == report.outputs.size());
        const auto& stats = runs.back().maps["rule_stats"];
        auto counted_packets = percpu_u64(stats, 0), counted_bytes = percpu_u64(stats, 8);
        for (uint32_t slot = 0; slot < em::firewall::kSlots; ++slot) {
            INFO("rule slot " << slot);
            CHECK(counted_packets[slot] == packets[slot]);
            CHECK(counted_bytes[slot] == bytes[slot]);
        }
    }
    same_on_every_engine(runs);
}

TEST_CASE("xdp_firewall: two threads count what one thread counts", "[examples][e2e]") {
    const auto capture = capture_of("firewall");
    for (const auto& engine : kEngines) {
        INFO("engine " << engine);
        const auto one = run_example("xdp_firewall", "xdp_firewall", capture, engine, 1, true);
        const auto two = run_example("xdp_firewall", "xdp_firewall", capture, engine, 2, true);
        CHECK(two.report.verdicts == one.report.verdicts);
        CHECK(two.report.r0 == one.report.r0);
        CHECK(percpu_u64(two.maps["rule_stats"], 0) == percpu_u64(one.maps["rule_stats"], 0));
        CHECK(percpu_u64(two.maps["rule_stats"], 8) == percpu_u64(one.maps["rule_stats"], 8));
    }
}

TEST_CASE("xdp_lb: rewritten frames, checksums, chosen backends and counters", "[examples][e2e]") {
    const auto capture = capture_of("lb");
    const auto config = em::lb::load_config(em::read_json(example_paths::map_init("xdp_lb")));
    std::vector<ExampleRun> runs;
    for (const auto& engine : kEngines) {
        runs.push_back(run_example("xdp_lb", "xdp_lb", capture, engine, 1, true));
        const auto& report = runs.back().report;
        INFO("engine " << engine);
        REQUIRE(report.r0.size() == capture.size());
        std::map<uint32_t, std::pair<uint64_t, uint64_t>> per_backend;
        size_t output = 0, forwarded = 0;
        for (size_t i = 0; i < capture.size(); ++i) {
            INFO("frame " << i);
            const auto expected = em::lb::decide(config, capture.frame(i));
            CHECK(report.r0[i] == expected.action);
            if (expected.action != em::kPass && expected.action != em::kTx) continue;
            REQUIRE(output < report.outputs.size());
            const auto& out = report.outputs[output++];
            CHECK(out.index == i);
            if (expected.action != em::kTx) continue;
            ++forwarded;
            CHECK(out.bytes == expected.output);
            // Parse the frame the program left: it must stand on its own.
            const auto f = frame_parser::parse(out.bytes);
            REQUIRE(f.l4_complete);
            CHECK(frame_parser::ipv4_header_ok(out.bytes, f));
            CHECK(frame_parser::ipv4_l4_ok(out.bytes, f));
            const auto& be = config.backends.at(*expected.backend);
            CHECK(std::equal(be.address.begin(), be.address.end(), f.dst.begin()));
            CHECK(std::equal(be.mac.begin(), be.mac.end(), out.bytes.begin()));
            per_backend[*expected.backend].first += 1;
            per_backend[*expected.backend].second += out.bytes.size();
        }
        CHECK(output == report.outputs.size());
        CHECK(forwarded > 150);
        CHECK(per_backend.size() == 8); // every backend got traffic
        for (const auto& entry : runs.back().maps["backend_stats"]["entries"]) {
            const auto key = em::json_bytes(entry["key"]);
            const auto value = em::json_bytes(entry["value"]);
            INFO("backend " << int(key[0]));
            CHECK(u64_at(value, 0) == per_backend[key[0]].first);
            CHECK(u64_at(value, 8) == per_backend[key[0]].second);
        }
    }
    same_on_every_engine(runs);
}

TEST_CASE("tc_counter: TC_ACT_OK for all, packets and bytes per protocol", "[examples][e2e]") {
    const auto capture = capture_of("firewall");
    std::map<std::pair<uint16_t, uint8_t>, std::pair<uint64_t, uint64_t>> expected;
    for (size_t i = 0; i < capture.size(); ++i) {
        auto& e = expected[em::tc_counter::key(capture.frame(i))];
        e.first += 1;
        e.second += capture.frame(i).size();
    }
    std::vector<ExampleRun> runs;
    for (const auto& engine : kEngines) {
        runs.push_back(run_example("tc_counter", "tc_counter", capture, engine));
        INFO("engine " << engine);
        CHECK(runs.back().report.verdicts == std::map<std::string, uint64_t>{{"TC_ACT_OK", capture.size()}});
        std::map<std::pair<uint16_t, uint8_t>, std::pair<uint64_t, uint64_t>> counted;
        for (const auto& entry : runs.back().maps["proto_stats"]["entries"]) {
            const auto key = em::json_bytes(entry["key"]);
            const auto value = em::json_bytes(entry["value"]);
            counted[{uint16_t(key[0] | key[1] << 8), key[2]}] = {u64_at(value, 0), u64_at(value, 8)};
        }
        for (const auto& [k, v] : expected) {
            INFO("ethertype " << k.first << " proto " << int(k.second));
            CHECK(counted[k] == v);
        }
        CHECK(counted.size() == expected.size());
    }
    same_on_every_engine(runs);
}

TEST_CASE("socket_filter: keeps IPv4 TCP to port 80 whole, drops the rest", "[examples][e2e]") {
    const auto capture = capture_of("firewall");
    std::vector<ExampleRun> runs;
    for (const auto& engine : kEngines) {
        runs.push_back(run_example("socket_filter", "socket_filter", capture, engine));
        const auto& report = runs.back().report;
        INFO("engine " << engine);
        size_t output = 0;
        for (size_t i = 0; i < capture.size(); ++i) {
            INFO("frame " << i);
            const uint32_t keep = em::socket_filter::keep(capture.frame(i));
            CHECK(report.r0[i] == keep); // skb->len, or 0
            if (keep == 0) continue;
            REQUIRE(output < report.outputs.size());
            CHECK(report.outputs[output].index == i);
            CHECK(report.outputs[output].bytes.size() == keep);
            CHECK(std::equal(report.outputs[output].bytes.begin(), report.outputs[output].bytes.end(),
                             capture.frame(i).begin()));
            ++output;
        }
        CHECK(output == report.outputs.size());
        CHECK(output > 5);
    }
    same_on_every_engine(runs);
}

TEST_CASE("packet_counter and tail_dispatch count every frame", "[examples][e2e]") {
    const auto capture = capture_of("firewall");
    uint64_t bytes = 0;
    std::vector<uint64_t> hits(em::tail_dispatch::kCount);
    std::vector<uint64_t> actions;
    for (size_t i = 0; i < capture.size(); ++i) {
        bytes += capture.frame(i).size();
        const auto d = em::tail_dispatch::decide(capture.frame(i));
        ++hits[d.counted];
        actions.push_back(d.action);
    }
    std::vector<ExampleRun> counters, dispatchers;
    for (const auto& engine : kEngines) {
        INFO("engine " << engine);
        counters.push_back(run_example("packet_counter", "packet_counter", capture, engine));
        const auto totals = em::json_bytes(counters.back().maps["totals"]["entries"][0]["value"]);
        CHECK(u64_at(totals, 0) == capture.size());
        CHECK(u64_at(totals, 8) == bytes);

        dispatchers.push_back(run_example("tail_dispatch", "dispatch", capture, engine));
        CHECK(dispatchers.back().report.r0 == actions);
        for (const auto& entry : dispatchers.back().maps["hits"]["entries"]) {
            const auto key = em::json_bytes(entry["key"]);
            INFO("class " << int(key[0]));
            CHECK(u64_at(em::json_bytes(entry["value"]), 0) == hits[key[0]]);
        }
    }
    same_on_every_engine(counters);
    same_on_every_engine(dispatchers);
}
