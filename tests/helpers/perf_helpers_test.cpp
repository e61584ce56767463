#include <linux/bpf.h>

#include <cerrno>
#include <vector>

#include "helper_test_support.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/maps/map_factory.hpp"
#include "runtime/maps/perf_event_array.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

std::unique_ptr<maps::PerfEventArray> make_events(uint32_t n) {
    maps::MapDefinition def;
    def.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
    def.key_size = 4;
    def.value_size = 4;
    def.max_entries = n;
    def.name = "events";
    auto m = maps::PerfEventArray::create(def);
    REQUIRE(m);
    return std::move(*m);
}

struct Sample {
    uint32_t index;
    std::vector<uint8_t> bytes;
};

std::vector<Sample> drain(maps::PerfEventArray& m) {
    std::vector<Sample> out;
    m.poll([&](uint32_t i, std::span<const uint8_t> s) { out.push_back({i, {s.begin(), s.end()}}); });
    return out;
}

} // namespace

TEST_CASE("perf_event_output delivers samples to the embedder", "[helpers][perf]") {
    auto events = make_events(4);
    REQUIRE(events->open(2) == 0);
    RunScope run(ProgramType::Mem, nullptr, 2);
    const uint32_t rec[2] = {7, 9};
    CHECK(call(BPF_FUNC_perf_event_output, 0, addr(events.get()), BPF_F_CURRENT_CPU, addr(rec), 8) == 0);
    CHECK(call(BPF_FUNC_perf_event_output, 0, addr(events.get()), 2, addr(rec), 4) == 0);
    auto got = drain(*events);
    REQUIRE(got.size() == 2);
    CHECK(got[0].index == 2);
    CHECK(got[0].bytes == std::vector<uint8_t>{7, 0, 0, 0, 9, 0, 0, 0});
    CHECK(got[1].bytes.size() == 4);
    CHECK(drain(*events).empty());
}

TEST_CASE("perf_event_output errors", "[helpers][perf]") {
    auto events = make_events(2);
    RunScope run(ProgramType::Mem);
    uint64_t v = 1;
    const uint64_t map = addr(events.get());
    CHECK(as_long(call(BPF_FUNC_perf_event_output, 0, map, 5, addr(&v), 8)) == -E2BIG);
    CHECK(as_long(call(BPF_FUNC_perf_event_output, 0, map, 1, addr(&v), 8)) == -ENOENT); // not open
    CHECK(as_long(call(BPF_FUNC_perf_event_output, 0, map, 1ull << 32, addr(&v), 8)) ==
          -EINVAL); // ctxlen: packet programs only
    REQUIRE(events->open(1, 16) == 0);
    CHECK(call(BPF_FUNC_perf_event_output, 0, map, 1, addr(&v), 8) == 0);
    CHECK(call(BPF_FUNC_perf_event_output, 0, map, 1, addr(&v), 8) == 0);
    CHECK(as_long(call(BPF_FUNC_perf_event_output, 0, map, 1, addr(&v), 8)) == -ENOSPC);
    CHECK(events->lost(1) == 1);
    CHECK(drain(*events).size() == 2);
    // A map that is not a perf event array.
    CHECK(as_long(call(BPF_FUNC_perf_event_output, 0, 0, 1, addr(&v), 8)) == -EINVAL);
}

TEST_CASE("perf_event_output from XDP appends ctxlen packet bytes", "[helpers][perf]") {
    auto events = make_events(1);
    REQUIRE(events->open(0) == 0);
    runtime::XdpFrame frame;
    std::vector<uint8_t> pkt(60);
    for (size_t i = 0; i < pkt.size(); ++i) pkt[i] = uint8_t(i);
    REQUIRE(frame.load(pkt));
    RunScope run(ProgramType::Xdp, frame.ctx());
    const uint8_t hdr[2] = {0xaa, 0xbb};
    const uint64_t flags = (uint64_t(4) << 32) | BPF_F_CURRENT_CPU;
    CHECK(call(BPF_FUNC_perf_event_output, frame.ctx_address(), addr(events.get()), flags, addr(hdr), 2) == 0);
    auto got = drain(*events);
    REQUIRE(got.size() == 1);
    CHECK(got[0].bytes == std::vector<uint8_t>{0xaa, 0xbb, 0, 1, 2, 3});
    const uint64_t too_long = uint64_t(61) << 32;
    CHECK(as_long(call(BPF_FUNC_perf_event_output, frame.ctx_address(), addr(events.get()), too_long,
                       addr(hdr), 2)) == -EFAULT);
}

TEST_CASE("PerfEventArray checks its definition", "[helpers][perf]") {
    maps::MapDefinition def;
    def.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
    def.key_size = 4;
    def.value_size = 8;
    def.max_entries = 1;
    CHECK_FALSE(maps::PerfEventArray::create(def));
    def.value_size = 4;
    def.max_entries = 0;
    CHECK_FALSE(maps::PerfEventArray::create(def));
}

TEST_CASE("PerfEventArray map operations follow the kernel's fd array", "[helpers][perf]") {
    auto events = make_events(2);
    uint32_t key = 1, fd = 5, next = 0;
    CHECK(events->lookup(&key) == nullptr);
    CHECK(events->update(&key, &fd, BPF_NOEXIST) == -EINVAL);
    CHECK(events->update(&key, &fd, BPF_ANY) == 0);
    uint32_t far = 2;
    CHECK(events->update(&far, &fd, BPF_ANY) == -E2BIG);
    CHECK(events->get_next_key(nullptr, &next) == 0);
    CHECK(next == 0);
    CHECK(events->get_next_key(&next, &next) == 0);
    CHECK(next == 1);
    CHECK(events->get_next_key(&next, &next) == -ENOENT);
    CHECK(events->remove(&key) == 0);
    CHECK(events->remove(&key) == -ENOENT);
    CHECK(events->remove(&far) == -E2BIG);
}

TEST_CASE("create_map makes perf event arrays with the kernel's checks", "[helpers][perf]") {
    maps::MapDefinition def;
    def.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
    def.key_size = 4;
    def.value_size = 4;
    def.max_entries = 8;
    def.name = "events";
    auto m = maps::create_map(def);
    REQUIRE(m);
    CHECK(dynamic_cast<maps::PerfEventArray*>(m->get()) != nullptr);
    def.value_size = 8;
    auto bad = maps::create_map(def);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("value_size must be 4") != std::string::npos);
    def.value_size = 4;
    def.flags = BPF_F_PRESERVE_ELEMS;
    CHECK(maps::create_map(def));
}
