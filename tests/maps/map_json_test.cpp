#include "map_test_util.hpp"
#include "runtime/maps/map_json.hpp"
#include "runtime/maps/percpu.hpp"

using namespace maptest;

TEST_CASE("json: bpftool dump shape for hash maps") {
    auto m = make(def(BPF_MAP_TYPE_HASH, 4, 2, 8, 0, "counts"));
    uint32_t k = 0x01020304;
    uint16_t v = 0xbeef;
    REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    auto j = ebpfjit::maps::map_to_json(*m);
    CHECK(j["name"] == "counts");
    CHECK(j["type"] == "hash");
    CHECK(j["key_size"] == 4);
    CHECK(j["value_size"] == 2);
    REQUIRE(j["entries"].size() == 1);
    CHECK(j["entries"][0]["key"] == nlohmann::json({"0x04", "0x03", "0x02", "0x01"}));
    CHECK(j["entries"][0]["value"] == nlohmann::json({"0xef", "0xbe"}));
}

TEST_CASE("json: per-CPU maps list every CPU's value") {
    REQUIRE(ebpfjit::maps::set_possible_cpus(2));
    auto m = make(def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, 0, "pc"));
    uint32_t k = 0;
    uint64_t all[2] = {1, 0x100};
    REQUIRE(m->update_copy(&k, all, BPF_ANY) == 0);
    auto j = ebpfjit::maps::map_to_json(*m);
    CHECK(j["type"] == "percpu_array");
    REQUIRE(j["entries"].size() == 1);
    auto values = j["entries"][0]["values"];
    REQUIRE(values.size() == 2);
    CHECK(values[0]["cpu"] == 0);
    CHECK(values[0]["value"] == nlohmann::json({"0x01", "0x00", "0x00", "0x00"}));
    CHECK(values[1]["cpu"] == 1);
    CHECK(values[1]["value"] == nlohmann::json({"0x00", "0x01", "0x00", "0x00"}));
}

TEST_CASE("json: arrays list every index; queues show the head") {
    auto a = make(def(BPF_MAP_TYPE_ARRAY, 4, 1, 3, 0, "arr"));
    CHECK(ebpfjit::maps::map_to_json(*a)["entries"].size() == 3);
    auto q = make(def(BPF_MAP_TYPE_QUEUE, 0, 1, 3, 0, "q"));
    CHECK(ebpfjit::maps::map_to_json(*q)["entries"].empty());
    uint8_t v = 9;
    REQUIRE(q->push(&v, BPF_ANY) == 0);
    auto j = ebpfjit::maps::map_to_json(*q);
    CHECK(j["entries"][0]["value"] == nlohmann::json({"0x09"}));
}
