// The examples verify with no more instructions processed than the Linux verifier needs
// for the same objects (issue 17, pruning parity). The bounds are the kernel's counts,
// measured with bench/kernel_compare/run.sh on Linux 6.18 (libbpf, log level 4) for the
// objects this build's clang produces; a change that makes ebpfjit walk more than the
// kernel on one of them fails here.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "ebpfjit/verify.hpp"
#include "example_paths.hpp"

TEST_CASE("examples: processed instructions at or below the kernel's", "[examples][verifier]") {
    const std::map<std::string, uint64_t> kernel = {
        {"packet_counter", 18}, {"socket_filter", 23}, {"handle_ipv4", 11}, {"handle_ipv6", 11},
        {"dispatch", 70},       {"tc_counter", 153},   {"xdp_firewall", 517}, {"lb_tcp", 227},
        {"lb_udp", 240},        {"xdp_lb", 92},
    };
    size_t seen = 0;
    for (const char* object : {"packet_counter", "socket_filter", "tail_dispatch", "tc_counter", "xdp_firewall", "xdp_lb"}) {
        auto reports = ebpfjit::verify_object(example_paths::object(object));
        REQUIRE(reports.has_value());
        for (const auto& r : *reports) {
            INFO(object << " / " << r.program << ": " << r.stats.processed_insns << " processed " << r.headline);
            REQUIRE(r.accepted);
            const auto k = kernel.find(r.program);
            REQUIRE(k != kernel.end());
            CHECK(r.stats.processed_insns <= k->second);
            ++seen;
        }
    }
    CHECK(seen == kernel.size());
}
