// The bundled captures parse with the library's reader, hold what scripts/make-pcaps
// promises (IPv4, IPv6, VLAN, TCP, UDP, ICMP, truncated and odd-sized frames), and a
// written capture reads back byte for byte.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "example_paths.hpp"
#include "frame_parser.hpp"
#include "ebpfjit/packet/pcap_io.hpp"

using ebpfjit::packet::Capture;
using ebpfjit::packet::PcapWriter;
using ebpfjit::packet::read_pcap;

namespace {

Capture load(const std::string& name) {
    auto capture = read_pcap(example_paths::pcap(name));
    INFO((capture ? std::string() : capture.error().to_string()));
    REQUIRE(capture.has_value());
    return std::move(*capture);
}

struct Census {
    size_t v4 = 0, v6 = 0, vlan = 0, tcp = 0, udp = 0, icmp = 0, non_ip = 0, truncated = 0,
           snapped = 0;
    std::set<size_t> sizes;
};

Census census(const Capture& capture) {
    Census c;
    for (size_t i = 0; i < capture.size(); ++i) {
        const auto f = frame_parser::parse(capture.frame(i));
        c.sizes.insert(f.length);
        c.vlan += f.vlan;
        c.snapped += capture.frames[i].original > capture.frames[i].captured;
        if (!f.has_eth || (f.vlan && !f.vlan_complete)) {
            ++c.truncated;
            continue;
        }
        if (f.ip == frame_parser::Frame::L3::None) {
            ++c.non_ip;
            continue;
        }
        (f.ip == frame_parser::Frame::L3::V4 ? c.v4 : c.v6) += 1;
        if (!f.ip_fixed_complete || (f.ip == frame_parser::Frame::L3::V4 && !f.ihl_valid) ||
            ((f.proto == 6 || f.proto == 17) && !f.l4_complete))
            ++c.truncated;
        c.tcp += f.proto == 6;
        c.udp += f.proto == 17;
        c.icmp += f.proto == 1 || f.proto == 58;
    }
    return c;
}

} // namespace

TEST_CASE("firewall capture mixes every kind of frame the firewall parses", "[pcap]") {
    const Capture capture = load("firewall");
    CHECK(capture.size() == 321);
    const Census c = census(capture);
    CHECK(c.v4 > 100);
    CHECK(c.v6 > 50);
    CHECK(c.vlan > 30);
    CHECK(c.tcp > 50);
    CHECK(c.udp > 50);
    CHECK(c.icmp > 20);
    CHECK(c.non_ip >= 4);
    CHECK(c.truncated >= 10);
    CHECK(c.snapped == 1);
    CHECK(*c.sizes.begin() < 14);   // a runt
    CHECK(c.sizes.size() > 100);     // odd sizes throughout
}

TEST_CASE("load-balancer capture is VIP-targeted TCP and UDP with checksums that verify",
          "[pcap]") {
    const Capture capture = load("lb");
    CHECK(capture.size() == 231);
    size_t verified = 0;
    for (size_t i = 0; i < capture.size(); ++i) {
        const auto bytes = capture.frame(i);
        const auto f = frame_parser::parse(bytes);
        if (f.ip != frame_parser::Frame::L3::V4 || !f.ihl_valid || !f.l4_complete) continue;
        if (f.frag & 0x3fff) continue; // fragments carry no checksummed L4 header
        if (bytes.size() < f.l3 + frame_parser::be16(bytes, f.l3 + 2)) continue;
        INFO("frame " << i);
        CHECK(frame_parser::ipv4_header_ok(bytes, f));
        CHECK(frame_parser::ipv4_l4_ok(bytes, f));
        ++verified;
    }
    CHECK(verified > 200);
}

TEST_CASE("bench captures hold 256 frames of exactly 64 and 512 bytes", "[pcap]") {
    for (const auto& [name, size] : {std::pair{"bench64", 64u}, std::pair{"bench512", 512u}}) {
        const Capture capture = load(name);
        REQUIRE(capture.size() == 256);
        for (const auto& record : capture.frames) CHECK(record.captured == size);
    }
}

TEST_CASE("a written capture reads back with lengths and timestamps", "[pcap]") {
    const auto path = std::filesystem::temp_directory_path() / "ebpfjit_pcap_roundtrip.pcap";
    const Capture in = load("firewall");
    {
        auto writer = PcapWriter::create(path.string());
        REQUIRE(writer.has_value());
        for (size_t i = 0; i < in.size(); ++i)
            writer->write(in.frame(i), in.frames[i].original, in.frames[i].seconds,
                          in.frames[i].microseconds);
        REQUIRE(writer->close().has_value());
        CHECK(writer->frames_written() == in.size());
    }
    const auto out = read_pcap(path.string());
    REQUIRE(out.has_value());
    CHECK(out->bytes == in.bytes);
    REQUIRE(out->size() == in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        CHECK(out->frames[i].original == in.frames[i].original);
        CHECK(out->frames[i].seconds == in.frames[i].seconds);
        CHECK(out->frames[i].microseconds == in.frames[i].microseconds);
    }
    std::filesystem::remove(path);
}

TEST_CASE("bad captures give one line naming the file", "[pcap]") {
    const auto dir = std::filesystem::temp_directory_path();
    SECTION("missing file") {
        const auto result = read_pcap((dir / "ebpfjit_no_such.pcap").string());
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().to_string().find("ebpfjit_no_such.pcap") != std::string::npos);
    }
    SECTION("not a capture") {
        const auto path = dir / "ebpfjit_not_a.pcap";
        std::ofstream(path) << "hello, this is not a capture file at all";
        const auto result = read_pcap(path.string());
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().to_string().find("ebpfjit_not_a.pcap") != std::string::npos);
        std::filesystem::remove(path);
    }
    SECTION("cut off inside a frame") {
        std::ifstream in(example_paths::pcap("lb"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const auto path = dir / "ebpfjit_cut.pcap";
        std::ofstream(path, std::ios::binary) << bytes.substr(0, 24 + 16 + 70);
        const auto result = read_pcap(path.string());
        REQUIRE_FALSE(result.has_value());
        const std::string line = result.error().to_string();
        CHECK(line.find("ebpfjit_cut.pcap") != std::string::npos);
        CHECK(line.find('\n') == std::string::npos);
        std::filesystem::remove(path);
    }
}
