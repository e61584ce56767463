#include "map_test_util.hpp"
#include "runtime/maps/devmap.hpp"

using namespace maptest;
using ebpfjit::maps::DevMap;

TEST_CASE("devmap: ports as redirect targets, kernel update/delete rules") {
    auto m = make(def(BPF_MAP_TYPE_DEVMAP, 4, 4, 4));
    auto& dev = dynamic_cast<DevMap&>(*m);
    dev.set_port_validator([](uint32_t port) { return port < 100; });
    uint32_t k = 1, port = 7;
    CHECK_FALSE(dev.port_at(1).has_value());
    CHECK(m->lookup(&k) == nullptr);
    CHECK(m->update(&k, &port, BPF_NOEXIST) == -EEXIST);
    CHECK(m->update(&k, &port, BPF_EXIST + 1) == -EINVAL);
    CHECK(m->update(&k, &port, BPF_ANY) == 0);
    CHECK(dev.port_at(1) == 7u);
    REQUIRE(m->lookup(&k) != nullptr);
    CHECK(read_as<uint32_t>(m->lookup(&k)) == 7);
    uint32_t unknown = 500;
    CHECK(m->update(&k, &unknown, BPF_ANY) == -EINVAL);
    uint32_t out = 4;
    CHECK(m->update(&out, &port, BPF_ANY) == -E2BIG);
    CHECK(m->remove(&out) == -EINVAL);
    CHECK(m->remove(&k) == 0);
    CHECK_FALSE(dev.port_at(1).has_value());
    uint32_t zero = 0;
    CHECK(m->update(&k, &zero, BPF_ANY) == 0); // ifindex 0 empties the slot
    CHECK(m->lookup_copy(&k, &port) == -ENOENT);
    uint32_t next = 9;
    CHECK(m->get_next_key(nullptr, &next) == 0);
    CHECK(next == 0);
}

TEST_CASE("devmap: struct bpf_devmap_val values; program fds are refused") {
    auto m = make(def(BPF_MAP_TYPE_DEVMAP, 4, 8, 2));
    uint32_t k = 0;
    struct bpf_devmap_val val {};
    val.ifindex = 3;
    CHECK(m->update(&k, &val, BPF_ANY) == 0);
    val.bpf_prog.fd = 5;
    CHECK(m->update(&k, &val, BPF_ANY) == -EINVAL);
    CHECK_FALSE(ebpfjit::maps::create_map(def(BPF_MAP_TYPE_DEVMAP, 4, 6, 2)));
}
