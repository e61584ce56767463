// The same programs (progs/net_progs.c) on this machine's kernel through
// BPF_PROG_TEST_RUN, compared with ebpfjit on both engines: the results slots that do not
// depend on host state, and the packet the program leaves. Skipped (with a message) when
// the kernel will not load the object (not root, no BPF, an older kernel).
#include <catch2/catch.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"
#include "tests/helpers/net_test_support.hpp"

using namespace ebpfjit;
using ebpfjit::test::udp4_frame;

namespace {

std::string object_path() { return fmt::format("{}/net_progs.o", EBPFJIT_NET_PROGS_DIR); }

struct Outcome {
    int64_t r0 = 0;
    std::vector<int64_t> results;
    std::vector<uint8_t> packet;
};

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

// One tc run on the kernel; nullopt (and a WARN) when the kernel refuses.
std::optional<Outcome> kernel_run(const char* program, const std::vector<uint8_t>& frame) {
    libbpf_set_print(quiet);
    bpf_object* obj = bpf_object__open_file(object_path().c_str(), nullptr);
    if (!obj) return std::nullopt;
    struct Closer {
        bpf_object* o;
        ~Closer() { bpf_object__close(o); }
    } closer{obj};
    if (int e = bpf_object__load(obj); e != 0) {
        WARN("kernel did not load net_progs.o (" << std::strerror(-e) << "): comparison skipped");
        return std::nullopt;
    }
    bpf_program* prog = bpf_object__find_program_by_name(obj, program);
    bpf_map* map = bpf_object__find_map_by_name(obj, "results");
    if (!prog || !map) return std::nullopt;
    std::vector<uint8_t> out(frame.size() + 512);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = uint32_t(frame.size()), .data_size_out = uint32_t(out.size()), .repeat = 1);
    if (int e = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts); e != 0) {
        WARN("BPF_PROG_TEST_RUN failed (" << std::strerror(errno) << "): comparison skipped");
        return std::nullopt;
    }
    Outcome o;
    o.r0 = int32_t(opts.retval);
    o.packet.assign(out.begin(), out.begin() + opts.data_size_out);
    for (uint32_t k = 0; k < 32; ++k) {
        int64_t v = 0;
        bpf_map_lookup_elem(bpf_map__fd(map), &k, &v);
        o.results.push_back(v);
    }
    return o;
}

Outcome ebpfjit_run(const char* program, const std::vector<uint8_t>& frame, Engine engine) {
    auto object = Object::open(object_path());
    if (!object) FAIL(object.error().to_string());
    auto p = object->program(program);
    if (!p) FAIL(p.error().to_string());
    SkbPacket skb;
    SkbMetadata meta;
    meta.ifindex = meta.ingress_ifindex = 1; // the kernel's test runs are on loopback
    REQUIRE(skb.load(frame, meta));
    auto verdict = p->run_tc(skb, RunOptions{engine});
    if (!verdict) FAIL(verdict.error().to_string());
    Outcome o;
    o.r0 = verdict->code;
    o.packet.assign(skb.bytes().begin(), skb.bytes().end());
    auto map = object->map("results");
    REQUIRE(map);
    for (uint32_t k = 0; k < 32; ++k) {
        int64_t v = 0;
        uint8_t key[4];
        std::memcpy(key, &k, 4);
        REQUIRE(map->lookup(key, std::span(reinterpret_cast<uint8_t*>(&v), 8)) == 0);
        o.results.push_back(v);
    }
    return o;
}

} // namespace

TEST_CASE("tc resizing helpers agree with the kernel's BPF_PROG_TEST_RUN", "[net_helpers][kernel]") {
    const auto frame = udp4_frame(2, 26);
    auto kernel = kernel_run("tc_resize", frame);
    if (!kernel) return;
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        const Outcome ours = ebpfjit_run("tc_resize", frame, engine);
        CHECK(ours.r0 == kernel->r0);
        for (int slot = 0; slot < 10; ++slot) {
            INFO("slot " << slot);
            CHECK(ours.results[size_t(slot)] == kernel->results[size_t(slot)]);
        }
        CHECK(ours.packet == kernel->packet);
    }
}

TEST_CASE("tc metadata helpers agree with the kernel where no host state enters", "[net_helpers][kernel]") {
    const auto frame = udp4_frame(1, 26); // ECT(1)
    auto kernel = kernel_run("tc_meta", frame);
    if (!kernel) return;
    // Host-dependent slots left out: 0 hash (random key), 5-7 the test run's dummy
    // socket, 9 the netns cookie.
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        const Outcome ours = ebpfjit_run("tc_meta", frame, engine);
        CHECK(ours.r0 == kernel->r0);
        for (int slot : {1, 2, 3, 4, 8, 10, 11, 12, 13, 14, 15, 16}) {
            INFO("slot " << slot);
            CHECK(ours.results[size_t(slot)] == kernel->results[size_t(slot)]);
        }
        CHECK(ours.packet == kernel->packet);
    }
}

TEST_CASE("tunnel helpers agree with the kernel's BPF_PROG_TEST_RUN", "[net_helpers][kernel]") {
    const auto frame = udp4_frame(0, 26);
    auto kernel = kernel_run("tc_tunnel", frame);
    if (!kernel) return;
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        const Outcome ours = ebpfjit_run("tc_tunnel", frame, engine);
        CHECK(ours.r0 == kernel->r0);
        for (int slot = 0; slot < 7; ++slot) {
            INFO("slot " << slot);
            CHECK(ours.results[size_t(slot)] == kernel->results[size_t(slot)]);
        }
    }
}
