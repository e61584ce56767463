// Hidden ([.kernel]): checks the tests' own models (example_models.*) against Linux itself.
// Loads the examples into the running kernel with libbpf, fills the maps from the
// map-init files, runs every frame with BPF_PROG_TEST_RUN and compares verdicts, frames
// and counters with the models. Needs root and a kernel with BPF; run it by hand with
//   ./build/tests/examples/test_examples "[kernel]"
// so that the models that judge ebpfjit are themselves judged by the kernel.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <map>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "example_models.hpp"
#include "example_paths.hpp"
#include "ebpfjit/packet/pcap_io.hpp"

namespace em = example_models;

namespace {

struct ObjectCloser {
    void operator()(bpf_object* object) const { bpf_object__close(object); }
};

std::unique_ptr<bpf_object, ObjectCloser> load_into_kernel(const std::string& name) {
    bpf_object* object = bpf_object__open_file(example_paths::object(name).c_str(), nullptr);
    REQUIRE(libbpf_get_error(object) == 0);
    REQUIRE(bpf_object__load(object) == 0);
    return std::unique_ptr<bpf_object, ObjectCloser>(object);
}

void init_maps(bpf_object* object, const std::string& example) {
    const auto init = em::read_json(example_paths::map_init(example));
    for (const auto& [name, contents] : init["maps"].items()) {
        const int fd = bpf_object__find_map_fd_by_name(object, name.c_str());
        REQUIRE(fd >= 0);
        for (const auto& entry : contents["entries"]) {
            const auto key = em::json_bytes(entry["key"]);
            const auto value = em::json_bytes(entry["value"]);
            REQUIRE(bpf_map_update_elem(fd, key.data(), value.data(), BPF_ANY) == 0);
        }
    }
}

struct KernelRun {
    uint32_t retval = 0;
    std::vector<uint8_t> out;
};

// nullopt when BPF_PROG_TEST_RUN refuses the frame itself (EINVAL: e.g. an skb whose
// ethertype promises a header that is not there); the program never ran then.
std::optional<KernelRun> try_run_in_kernel(bpf_object* object, const char* program,
                                           std::span<const uint8_t> frame) {
    const int fd = bpf_program__fd(bpf_object__find_program_by_name(object, program));
    KernelRun run;
    run.out.resize(frame.size() + 512);
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    opts.data_in = frame.data();
    opts.data_size_in = uint32_t(frame.size());
    opts.data_out = run.out.data();
    opts.data_size_out = uint32_t(run.out.size());
    opts.repeat = 1;
    const int status = bpf_prog_test_run_opts(fd, &opts);
    if (status == -EINVAL) return std::nullopt;
    REQUIRE(status == 0);
    run.retval = opts.retval;
    run.out.resize(opts.data_size_out);
    return run;
}

KernelRun run_in_kernel(bpf_object* object, const char* program, std::span<const uint8_t> frame) {
    auto run = try_run_in_kernel(object, program, frame);
    REQUIRE(run.has_value());
    return std::move(*run);
}

ebpfjit::packet::Capture load_capture(const std::string& name) {
    auto capture = ebpfjit::packet::read_pcap(example_paths::pcap(name));
    REQUIRE(capture.has_value());
    return std::move(*capture);
}

} // namespace

TEST_CASE("models agree with the kernel: xdp_firewall", "[.kernel]") {
    auto object = load_into_kernel("xdp_firewall");
    init_maps(object.get(), "xdp_firewall");
    const auto rules = em::firewall::load_rules(em::read_json(example_paths::map_init("xdp_firewall")));
    const auto capture = load_capture("firewall");
    std::map<uint32_t, uint64_t> packets;
    for (size_t i = 0; i < capture.size(); ++i) {
        const auto frame = capture.frame(i);
        if (frame.size() < 14) continue; // BPF_PROG_TEST_RUN refuses frames under ETH_HLEN
        INFO("frame " << i);
        const auto expected = em::firewall::decide(rules, frame);
        CHECK(run_in_kernel(object.get(), "xdp_firewall", frame).retval == expected.action);
        ++packets[expected.slot];
    }
    const int stats = bpf_object__find_map_fd_by_name(object.get(), "rule_stats");
    const int cpus = libbpf_num_possible_cpus();
    for (uint32_t slot = 0; slot < em::firewall::kSlots; ++slot) {
        std::vector<uint64_t> values(size_t(cpus) * 2);
        REQUIRE(bpf_map_lookup_elem(stats, &slot, values.data()) == 0);
        uint64_t total = 0;
        for (int cpu = 0; cpu < cpus; ++cpu) total += values[size_t(cpu) * 2];
        INFO("slot " << slot);
        CHECK(total == packets[slot]);
    }
}

TEST_CASE("models agree with the kernel: xdp_lb", "[.kernel]") {
    auto object = load_into_kernel("xdp_lb");
    init_maps(object.get(), "xdp_lb");
    const auto config = em::lb::load_config(em::read_json(example_paths::map_init("xdp_lb")));
    const auto capture = load_capture("lb");
    size_t forwarded = 0;
    for (size_t i = 0; i < capture.size(); ++i) {
        const auto frame = capture.frame(i);
        if (frame.size() < 14) continue;
        INFO("frame " << i);
        const auto expected = em::lb::decide(config, frame);
        const auto run = run_in_kernel(object.get(), "xdp_lb", frame);
        CHECK(run.retval == expected.action);
        if (expected.action == em::kTx) {
            CHECK(run.out == expected.output);
            ++forwarded;
        }
    }
    CHECK(forwarded > 150);
}

TEST_CASE("models agree with the kernel: tc_counter and tail_dispatch", "[.kernel]") {
    auto tc = load_into_kernel("tc_counter");
    auto dispatch = load_into_kernel("tail_dispatch");
    const auto capture = load_capture("firewall");
    std::map<std::pair<uint16_t, uint8_t>, uint64_t> expected_tc;
    std::vector<uint64_t> expected_hits(em::tail_dispatch::kCount);
    for (size_t i = 0; i < capture.size(); ++i) {
        const auto frame = capture.frame(i);
        if (frame.size() < 14) continue;
        INFO("frame " << i);
        if (auto run = try_run_in_kernel(tc.get(), "tc_counter", frame)) {
            CHECK(run->retval == 0); // TC_ACT_OK
            ++expected_tc[em::tc_counter::key(frame)];
        }
        const auto d = em::tail_dispatch::decide(frame);
        CHECK(run_in_kernel(dispatch.get(), "dispatch", frame).retval == d.action);
        ++expected_hits[d.counted];
    }
    const int stats = bpf_object__find_map_fd_by_name(tc.get(), "proto_stats");
    for (const auto& [key, count] : expected_tc) {
        const uint8_t raw[4] = {uint8_t(key.first), uint8_t(key.first >> 8), key.second, 0};
        uint64_t value[2] = {};
        INFO("ethertype " << key.first << " proto " << int(key.second));
        REQUIRE(bpf_map_lookup_elem(stats, raw, value) == 0);
        CHECK(value[0] == count);
    }
    const int hits = bpf_object__find_map_fd_by_name(dispatch.get(), "hits");
    for (uint32_t c = 0; c < em::tail_dispatch::kCount; ++c) {
        uint64_t value = 0;
        REQUIRE(bpf_map_lookup_elem(hits, &c, &value) == 0);
        CHECK(value == expected_hits[c]);
    }
}

// Socket filters: attached to a Unix datagram socket, the filter sees each message as
// the packet, so what recv() gets back is the model's "bytes kept" (nothing when 0).
TEST_CASE("models agree with the kernel: socket_filter", "[.kernel]") {
    auto object = load_into_kernel("socket_filter");
    const int prog = bpf_program__fd(bpf_object__find_program_by_name(object.get(), "socket_filter"));
    int sockets[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sockets) == 0);
    REQUIRE(setsockopt(sockets[1], SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) == 0);
    const auto capture = load_capture("firewall");
    size_t kept = 0;
    for (size_t i = 0; i < capture.size(); ++i) {
        const auto frame = capture.frame(i);
        INFO("frame " << i);
        REQUIRE(send(sockets[0], frame.data(), frame.size(), 0) == ssize_t(frame.size()));
        std::vector<uint8_t> buffer(frame.size() + 16);
        const ssize_t got = recv(sockets[1], buffer.data(), buffer.size(), MSG_DONTWAIT);
        const uint32_t expected = em::socket_filter::keep(frame);
        CHECK((got < 0 ? 0u : uint32_t(got)) == expected);
        kept += expected > 0;
    }
    CHECK(kept > 5);
    close(sockets[0]);
    close(sockets[1]);
}
