// __sk_buff->tstamp and bpf_skb_under_cgroup over a BPF_MAP_TYPE_CGROUP_ARRAY, from
// clang-built tc programs (progs/skb_ctx_progs.c) on both engines, and the kernel's
// refusals of the same features used wrongly (progs/skb_ctx_rejects.c).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/verify.hpp"
#include "runtime/maps/cgroup_array.hpp"
#include "tests/helpers/net_test_support.hpp"

using namespace ebpfjit;
using ebpfjit::test::udp4_frame;

namespace {

std::string progs(const char* object) { return fmt::format("{}/{}", EBPFJIT_NET_PROGS_DIR, object); }

Object open_good() {
    auto object = Object::open(progs("skb_ctx_progs.o"));
    if (!object) FAIL(object.error().to_string());
    return std::move(*object);
}

Program prog(Object& object, const char* name) {
    auto p = object.program(name);
    if (!p) FAIL(p.error().to_string());
    return *p;
}

std::vector<int64_t> take_results(Object& object) {
    auto map = object.map("results");
    REQUIRE(map);
    std::vector<int64_t> out(8);
    for (uint32_t k = 0; k < 8; ++k) {
        uint8_t key[4], value[8];
        std::memcpy(key, &k, 4);
        REQUIRE(map->lookup(key, value) == 0);
        std::memcpy(&out[k], value, 8);
        std::memset(value, 0, 8);
        REQUIRE(map->update(key, value) == 0);
    }
    return out;
}

maps::CgroupArray& cgroup_array(Object& object) {
    auto map = object.map("cgroups");
    REQUIRE(map);
    auto* array = dynamic_cast<maps::CgroupArray*>(&map->native());
    REQUIRE(array != nullptr);
    return *array;
}

// Where a cgroup v2 hierarchy is mounted, or "" (then the fd cases are skipped).
std::string cgroup2_mount() {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        // ... mount-point ... - fstype source options
        const size_t dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream fields(line.substr(0, dash));
        std::string f, mount;
        for (int i = 0; i < 5 && fields >> f; ++i)
            if (i == 4) mount = f;
        return mount;
    }
    return "";
}

const char* name(Engine e) { return e == Engine::Jit ? "jit" : "interpreter"; }

} // namespace

TEST_CASE("tc programs read and write __sk_buff->tstamp as a u64, both engines", "[net_helpers][tstamp]") {
    Object object = open_good();
    Program p = prog(object, "tc_tstamp");
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbMetadata meta;
        meta.tstamp = 0x123456789abcdef0ULL; // both halves matter: a u32 access would lose one
        SkbPacket skb;
        REQUIRE(skb.load(udp4_frame(), meta));
        CHECK(skb.tstamp() == meta.tstamp);
        auto verdict = p.run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        const auto r = take_results(object);
        CHECK(uint64_t(r[0]) == meta.tstamp);
        CHECK(uint64_t(r[1]) == meta.tstamp + 1000);
        CHECK(skb.tstamp() == meta.tstamp + 1000); // the departure time the embedder reads

        REQUIRE(skb.load(udp4_frame())); // load() resets it: no timestamp
        REQUIRE(p.run_tc(skb, RunOptions{engine}));
        CHECK(take_results(object)[0] == 0);
        CHECK(skb.tstamp() == 1000);
    }
}

TEST_CASE("bpf_skb_under_cgroup answers from the skb's socket and the cgroup array, both engines",
          "[net_helpers][cgroup]") {
    Object object = open_good();
    Program p = prog(object, "tc_under_cgroup");
    maps::CgroupArray& array = cgroup_array(object);
    // Slot 0: the socket's own cgroup (70); slot 1: an ancestor (7); slot 2: an unrelated
    // cgroup (71); slot 3: empty.
    REQUIRE(array.set_cgroup(0, 70) == 0);
    REQUIRE(array.set_cgroup(1, 7) == 0);
    REQUIRE(array.set_cgroup(2, 71) == 0);
    CHECK(array.set_cgroup(4, 1) == -E2BIG);
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbPacket skb;
        REQUIRE(skb.load(udp4_frame())); // no socket: -ENOENT whatever the slot
        REQUIRE(p.run_tc(skb, RunOptions{engine}));
        auto r = take_results(object);
        for (int i = 0; i < 5; ++i) CHECK(r[i] == -ENOENT);

        SkbMetadata meta;
        meta.socket = SkbSocket{.cookie = 1, .cgroup_id = 70, .classid = 0, .cgroup_ancestors = {1, 7}};
        REQUIRE(skb.load(udp4_frame(), meta));
        REQUIRE(p.run_tc(skb, RunOptions{engine}));
        r = take_results(object);
        CHECK(r[0] == 1);
        CHECK(r[1] == 1);       // below the slot's cgroup counts
        CHECK(r[2] == 0);
        CHECK(r[3] == -EAGAIN); // empty slot
        CHECK(r[4] == -E2BIG);  // past max_entries
    }
}

TEST_CASE("a cgroup array has bpf(2)'s fd-array semantics on the syscall side", "[net_helpers][cgroup]") {
    Object object = open_good();
    auto map = object.map("cgroups");
    REQUIRE(map);
    CHECK(map->type() == BPF_MAP_TYPE_CGROUP_ARRAY);
    uint8_t key[4] = {}, value[4] = {};
    const int32_t not_a_cgroup = ::open("/", O_RDONLY | O_DIRECTORY);
    REQUIRE(not_a_cgroup >= 0);
    std::memcpy(value, &not_a_cgroup, 4);
    CHECK(map->update(key, value) == -EBADF);
    ::close(not_a_cgroup);
    const int32_t bad_fd = -1;
    std::memcpy(value, &bad_fd, 4);
    CHECK(map->update(key, value) == -EBADF);
    CHECK(map->update(key, value, BPF_NOEXIST) == -EINVAL);
    CHECK(map->lookup(key, value) == -524); // ENOTSUPP: the kernel cannot read a slot back
    CHECK(map->remove(key) == -ENOENT);
    uint32_t past = 4;
    std::memcpy(key, &past, 4);
    CHECK(map->remove(key) == -E2BIG);

    const std::string mount = cgroup2_mount();
    if (mount.empty()) {
        WARN("no cgroup2 file system mounted: cgroup fd updates not tried");
        return;
    }
    // The hierarchy's root directory: its id is the one bpf_skb_cgroup_id reports for a
    // socket in the root cgroup (1 on Linux), and the slot now names it.
    const int32_t root = ::open(mount.c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(root >= 0);
    auto id = maps::cgroup_id_of_fd(root);
    REQUIRE(id);
    CHECK(*id != 0);
    uint32_t slot = 2;
    std::memcpy(key, &slot, 4);
    std::memcpy(value, &root, 4);
    CHECK(map->update(key, value) == 0);
    ::close(root);
    CHECK(cgroup_array(object).cgroup_id(2) == *id);
    CHECK(map->remove(key) == 0);
    CHECK(cgroup_array(object).cgroup_id(2) == 0u);
    // A file inside cgroupfs is not a cgroup.
    const int32_t file = ::open((mount + "/cgroup.procs").c_str(), O_RDONLY);
    if (file >= 0) {
        std::memcpy(value, &file, 4);
        CHECK(map->update(key, value) == -EBADF);
        ::close(file);
    }
}

TEST_CASE("tstamp and cgroup arrays used as the kernel forbids are refused, naming the rule",
          "[net_helpers][tstamp][cgroup]") {
    struct Case {
        const char* program;
        const char* says;
    };
    for (const Case& c : {Case{"sock_reads_tstamp", "__sk_buff field at offset 152"},
                          Case{"tc_reads_tstamp_low_half", "tstamp is a u64, read 4 bytes"},
                          Case{"tc_writes_tstamp_low_half", "tstamp must be written as u64"},
                          Case{"tc_looks_up_cgroup_array", "cannot pass map_type 8"},
                          Case{"sock_under_cgroup", "skb_under_cgroup"}}) {
        INFO(c.program);
        VerifyOptions options;
        options.program = c.program;
        auto reports = verify_object(progs("skb_ctx_rejects.o"), options);
        if (!reports) FAIL(reports.error().to_string());
        REQUIRE(reports->size() == 1);
        const VerifyReport& r = reports->front();
        INFO(r.headline);
        CHECK_FALSE(r.accepted);
        CHECK(r.headline.find(c.says) != std::string::npos);
    }
}

TEST_CASE("tc programs access cb[] with 1, 2, 4 and 8 bytes, as the kernel allows", "[net_helpers][cb]") {
    Object object = open_good();
    Program p = prog(object, "tc_cb_sizes");
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbPacket skb;
        REQUIRE(skb.load(udp4_frame()));
        auto verdict = p.run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        const auto r = take_results(object);
        CHECK(uint64_t(r[0]) == 0x11223344aa667788ULL); // little-endian: cb byte 3 is bits 24..31
        CHECK(uint64_t(r[1]) == 0xbbccULL);
        CHECK(r[2] == 0);
    }
}
