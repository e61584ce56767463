// Each example object builds and holds the programs and maps it documents. libbpf reads
// the objects here, so this holds independently of ebpfjit's own ELF loader; and the
// bundled map-init files fit the maps' key and value sizes.
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "example_paths.hpp"

namespace {

struct ExpectedObject {
    std::string name;
    std::set<std::string> programs;
    bpf_prog_type type;
    std::map<std::string, bpf_map_type> maps;
};

const std::vector<ExpectedObject> kObjects = {
    {"xdp_firewall", {"xdp_firewall"}, BPF_PROG_TYPE_XDP,
     {{"blocked_v4", BPF_MAP_TYPE_LPM_TRIE}, {"blocked_v6", BPF_MAP_TYPE_LPM_TRIE},
      {"blocked_ports", BPF_MAP_TYPE_HASH}, {"rule_stats", BPF_MAP_TYPE_PERCPU_ARRAY}}},
    {"xdp_lb", {"xdp_lb", "lb_tcp", "lb_udp"}, BPF_PROG_TYPE_XDP,
     {{"services", BPF_MAP_TYPE_HASH}, {"maglev_ring", BPF_MAP_TYPE_ARRAY},
      {"backends", BPF_MAP_TYPE_ARRAY}, {"backend_stats", BPF_MAP_TYPE_ARRAY},
      {"scratch", BPF_MAP_TYPE_PERCPU_ARRAY}, {"jmp_table", BPF_MAP_TYPE_PROG_ARRAY}}},
    {"tc_counter", {"tc_counter"}, BPF_PROG_TYPE_SCHED_CLS, {{"proto_stats", BPF_MAP_TYPE_HASH}}},
    {"socket_filter", {"socket_filter"}, BPF_PROG_TYPE_SOCKET_FILTER, {}},
    {"packet_counter", {"packet_counter"}, BPF_PROG_TYPE_XDP, {{"totals", BPF_MAP_TYPE_ARRAY}}},
    {"tail_dispatch", {"dispatch", "handle_ipv4", "handle_ipv6"}, BPF_PROG_TYPE_XDP,
     {{"hits", BPF_MAP_TYPE_ARRAY}, {"handlers", BPF_MAP_TYPE_PROG_ARRAY}}},
};

struct ObjectCloser {
    void operator()(bpf_object* object) const { bpf_object__close(object); }
};
using ObjectPtr = std::unique_ptr<bpf_object, ObjectCloser>;

ObjectPtr open_object(const std::string& name) {
    const std::string path = example_paths::object(name);
    bpf_object* object = bpf_object__open_file(path.c_str(), nullptr);
    INFO(path);
    REQUIRE(libbpf_get_error(object) == 0);
    return ObjectPtr(object);
}

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    INFO(path);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

} // namespace

TEST_CASE("every example object has its programs, program types and maps", "[examples]") {
    for (const auto& expected : kObjects) {
        SECTION(expected.name) {
            ObjectPtr object = open_object(expected.name);
            std::set<std::string> programs;
            bpf_program* program = nullptr;
            bpf_object__for_each_program(program, object.get()) {
                programs.insert(bpf_program__name(program));
                CHECK(bpf_program__type(program) == expected.type);
                CHECK(bpf_program__insn_cnt(program) > 0);
            }
            CHECK(programs == expected.programs);
            for (const auto& [name, type] : expected.maps) {
                INFO(name);
                const bpf_map* map = bpf_object__find_map_by_name(object.get(), name.c_str());
                REQUIRE(map != nullptr);
                CHECK(bpf_map__type(map) == type);
            }
        }
    }
}

TEST_CASE("map-init files name existing maps with keys and values of the right size",
          "[examples]") {
    for (const std::string example : {"xdp_firewall", "xdp_lb"}) {
        SECTION(example) {
            ObjectPtr object = open_object(example);
            const nlohmann::json init = read_json(example_paths::map_init(example));
            REQUIRE(init.contains("maps"));
            for (const auto& [name, contents] : init["maps"].items()) {
                INFO(name);
                const bpf_map* map = bpf_object__find_map_by_name(object.get(), name.c_str());
                REQUIRE(map != nullptr);
                REQUIRE(contents["entries"].size() > 0);
                CHECK(contents["entries"].size() <= bpf_map__max_entries(map));
                for (const auto& entry : contents["entries"]) {
                    CHECK(entry["key"].size() == bpf_map__key_size(map));
                    CHECK(entry["value"].size() == bpf_map__value_size(map));
                }
            }
        }
    }
}
