// progs/skb_ctx_progs.c on this machine's kernel (BPF_PROG_TEST_RUN) against ebpfjit on
// both engines: the tstamp a tc program reads and sets, and what bpf_skb_under_cgroup
// answers for the test run's socket (the kernel's test runs give the skb a dummy socket
// in the calling task's cgroup) with a cgroup array holding the cgroup2 root, an empty
// slot and an index past the end. Skipped, with a message, where the kernel or a cgroup2
// mount is not available.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/maps/cgroup_array.hpp"
#include "tests/helpers/net_test_support.hpp"

using namespace ebpfjit;
using ebpfjit::test::udp4_frame;

namespace {

std::string object_path() { return fmt::format("{}/skb_ctx_progs.o", EBPFJIT_NET_PROGS_DIR); }

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

// The cgroup2 mount point and this process's cgroup below it ("" when there is none).
struct Cgroup2 {
    std::string mount;
    std::string own; // "/..." relative to mount
};
std::optional<Cgroup2> cgroup2() {
    Cgroup2 c;
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line) && c.mount.empty();) {
        const size_t dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream fields(line.substr(0, dash));
        std::string f;
        for (int i = 0; i < 5 && fields >> f; ++i)
            if (i == 4) c.mount = f;
    }
    std::ifstream cg("/proc/self/cgroup");
    for (std::string line; std::getline(cg, line);)
        if (line.rfind("0::", 0) == 0) c.own = line.substr(3);
    if (c.mount.empty() || c.own.empty()) return std::nullopt;
    return c;
}

struct KernelObject {
    bpf_object* obj = nullptr;
    ~KernelObject() {
        if (obj) bpf_object__close(obj);
    }
};

// Loads the object into the kernel; false (with a WARN) when it will not.
bool kernel_load(KernelObject& k) {
    libbpf_set_print(quiet);
    k.obj = bpf_object__open_file(object_path().c_str(), nullptr);
    if (!k.obj) return false;
    if (int e = bpf_object__load(k.obj); e != 0) {
        WARN("kernel did not load skb_ctx_progs.o (" << std::strerror(-e) << "): comparison skipped");
        return false;
    }
    return true;
}

std::vector<int64_t> kernel_results(bpf_object* obj) {
    std::vector<int64_t> out;
    const int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "results"));
    for (uint32_t k = 0; k < 8; ++k) {
        int64_t v = 0;
        bpf_map_lookup_elem(fd, &k, &v);
        out.push_back(v);
    }
    return out;
}

std::vector<int64_t> our_results(Object& object) {
    auto map = object.map("results");
    REQUIRE(map);
    std::vector<int64_t> out;
    for (uint32_t k = 0; k < 8; ++k) {
        int64_t v = 0;
        uint8_t key[4];
        std::memcpy(key, &k, 4);
        REQUIRE(map->lookup(key, std::span(reinterpret_cast<uint8_t*>(&v), 8)) == 0);
        out.push_back(v);
    }
    return out;
}

} // namespace

TEST_CASE("__sk_buff->tstamp agrees with the kernel's BPF_PROG_TEST_RUN", "[net_helpers][kernel][tstamp]") {
    KernelObject k;
    if (!kernel_load(k)) return;
    const auto frame = udp4_frame();
    __sk_buff ctx_in{}, ctx_out{};
    ctx_in.tstamp = 0x0123456789abcdefULL;
    std::vector<uint8_t> out(frame.size() + 512);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = uint32_t(frame.size()), .data_size_out = uint32_t(out.size()),
                .ctx_in = &ctx_in, .ctx_out = &ctx_out, .ctx_size_in = sizeof ctx_in,
                .ctx_size_out = sizeof ctx_out, .repeat = 1);
    const int fd = bpf_program__fd(bpf_object__find_program_by_name(k.obj, "tc_tstamp"));
    if (bpf_prog_test_run_opts(fd, &opts) != 0) {
        WARN("BPF_PROG_TEST_RUN failed (" << std::strerror(errno) << "): comparison skipped");
        return;
    }
    const auto kernel = kernel_results(k.obj);
    CHECK(uint64_t(kernel[0]) == ctx_in.tstamp); // the kernel's own answers, as documented
    CHECK(ctx_out.tstamp == ctx_in.tstamp + 1000);

    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        auto object = Object::open(object_path());
        if (!object) FAIL(object.error().to_string());
        SkbPacket skb;
        SkbMetadata meta;
        meta.tstamp = ctx_in.tstamp;
        REQUIRE(skb.load(frame, meta));
        auto verdict = object->program("tc_tstamp")->run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        CHECK(verdict->code == int32_t(opts.retval));
        const auto ours = our_results(*object);
        CHECK(ours[0] == kernel[0]);
        CHECK(ours[1] == kernel[1]);
        CHECK(skb.tstamp() == ctx_out.tstamp);
    }
}

TEST_CASE("bpf_skb_under_cgroup agrees with the kernel's BPF_PROG_TEST_RUN", "[net_helpers][kernel][cgroup]") {
    const auto cg = cgroup2();
    if (!cg) {
        WARN("no cgroup2 mount or cgroup v2 membership: comparison skipped");
        return;
    }
    KernelObject k;
    if (!kernel_load(k)) return;
    const int root = ::open(cg->mount.c_str(), O_RDONLY | O_DIRECTORY);
    const int own = ::open((cg->mount + cg->own).c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(root >= 0);
    REQUIRE(own >= 0);
    struct Fds {
        int a, b;
        ~Fds() { ::close(a), ::close(b); }
    } fds{root, own};
    // Slot 0: the cgroup2 root (an ancestor of, or the same as, ours); slot 1: our own
    // cgroup; slots 2 and 3 empty; index 4 past the end.
    const int map_fd = bpf_map__fd(bpf_object__find_map_by_name(k.obj, "cgroups"));
    uint32_t slot = 0;
    REQUIRE(bpf_map_update_elem(map_fd, &slot, &root, BPF_ANY) == 0);
    slot = 1;
    REQUIRE(bpf_map_update_elem(map_fd, &slot, &own, BPF_ANY) == 0);
    const auto frame = udp4_frame();
    std::vector<uint8_t> out(frame.size() + 512);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = uint32_t(frame.size()), .data_size_out = uint32_t(out.size()), .repeat = 1);
    const int fd = bpf_program__fd(bpf_object__find_program_by_name(k.obj, "tc_under_cgroup"));
    if (bpf_prog_test_run_opts(fd, &opts) != 0) {
        WARN("BPF_PROG_TEST_RUN failed (" << std::strerror(errno) << "): comparison skipped");
        return;
    }
    const auto kernel = kernel_results(k.obj);
    CHECK(kernel[0] == 1);
    CHECK(kernel[1] == 1);
    CHECK(kernel[2] == -EAGAIN);
    CHECK(kernel[4] == -E2BIG);

    auto root_id = maps::cgroup_id_of_fd(root);
    auto own_id = maps::cgroup_id_of_fd(own);
    REQUIRE(root_id);
    REQUIRE(own_id);
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        auto object = Object::open(object_path());
        if (!object) FAIL(object.error().to_string());
        // The same slots through bpf(2)'s face (cgroup fds), and the socket the embedder
        // describes as the kernel's test run has it: in our cgroup, below the root.
        auto map = object->map("cgroups");
        REQUIRE(map);
        uint8_t key[4], value[4];
        for (auto [s, f] : {std::pair{0u, root}, std::pair{1u, own}}) {
            std::memcpy(key, &s, 4);
            std::memcpy(value, &f, 4);
            REQUIRE(map->update(key, value) == 0);
        }
        SkbMetadata meta;
        meta.socket = SkbSocket{.cookie = 1, .cgroup_id = *own_id, .classid = 0, .cgroup_ancestors = {*root_id}};
        SkbPacket skb;
        REQUIRE(skb.load(frame, meta));
        auto verdict = object->program("tc_under_cgroup")->run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        const auto ours = our_results(*object);
        for (int i = 0; i < 5; ++i) {
            INFO("slot " << i);
            CHECK(ours[size_t(i)] == kernel[size_t(i)]);
        }
    }
}
