// Packets and a small network for the tc/XDP network helper tests.
#pragma once

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include <cstring>
#include <vector>

#include "ebpfjit/host_network.hpp"
#include "ebpfjit/skb_packet.hpp"

namespace ebpfjit::test {

inline uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// Ethernet + IPv4 (tos given) + UDP 1000 -> 2000 from 192.168.1.10 to 10.0.0.1, header
// checksum valid, `payload` bytes counting up.
inline std::vector<uint8_t> udp4_frame(uint8_t tos = 0, size_t payload = 18, bool reverse = false) {
    std::vector<uint8_t> p(14 + 20 + 8 + payload, 0);
    p[12] = 0x08;
    uint8_t* ip = &p[14];
    ip[0] = 0x45, ip[1] = tos;
    const uint16_t tot = uint16_t(20 + 8 + payload);
    ip[2] = uint8_t(tot >> 8), ip[3] = uint8_t(tot);
    ip[8] = 64, ip[9] = 17;
    const uint8_t a[4] = {192, 168, 1, 10}, b[4] = {10, 0, 0, 1};
    std::memcpy(ip + 12, reverse ? b : a, 4);
    std::memcpy(ip + 16, reverse ? a : b, 4);
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += get16(ip + i);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    ip[10] = uint8_t(~s >> 8), ip[11] = uint8_t(~s);
    uint8_t* udp = ip + 20;
    const uint16_t sport = reverse ? 2000 : 1000, dport = reverse ? 1000 : 2000;
    udp[0] = uint8_t(sport >> 8), udp[1] = uint8_t(sport), udp[2] = uint8_t(dport >> 8), udp[3] = uint8_t(dport);
    for (size_t i = 0; i < payload; ++i) p[42 + i] = uint8_t(i);
    return p;
}

inline bool ipv4_header_ok(const uint8_t* ip) {
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += get16(ip + i);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return s == 0xffff;
}

// Ethernet + IPv6 (traffic class given), next header UDP, 8 payload bytes.
inline std::vector<uint8_t> ipv6_frame(uint8_t tclass = 0) {
    std::vector<uint8_t> p(14 + 40 + 8, 0);
    p[12] = 0x86, p[13] = 0xdd;
    uint8_t* ip = &p[14];
    ip[0] = uint8_t(0x60 | tclass >> 4), ip[1] = uint8_t(tclass << 4);
    ip[5] = 8, ip[6] = 17, ip[7] = 64;
    ip[8] = 0x20, ip[9] = 0x01, ip[23] = 1;  // 2001::1
    ip[24] = 0x20, ip[25] = 0x01, ip[39] = 2; // 2001::2
    return p;
}

inline runtime::SkbPacket loaded_skb(const std::vector<uint8_t>& frame, const runtime::SkbMetadata& meta = {},
                                     uint32_t capacity = runtime::SkbPacket::kDefaultCapacity) {
    runtime::SkbPacket skb(capacity);
    REQUIRE(skb.load(frame, meta));
    return skb;
}

// Devices 1 (ingress, 02:..:01) and 2 (egress, 02:..:02, MTU 1400); 10.0.0.0/8 via
// gateway 192.168.2.254 on 2 (metric 7); 172.16.0.0/12 on-link on 2; blackhole,
// unreachable and prohibit routes; 2001:db8::/32 via fe80::1 on 2; table 100 with a
// default route on 2; neighbours for the gateway and fe80::1.
inline std::shared_ptr<HostNetwork> sample_network() {
    using namespace runtime;
    auto net = std::make_shared<HostNetwork>();
    net->add_device({1, 1500, 14, {2, 0, 0, 0, 0, 1}, true, true});
    net->add_device({2, 1400, 14, {2, 0, 0, 0, 0, 2}, true, true});
    net->add_device({3, 1500, 14, {2, 0, 0, 0, 0, 3}, false, false});
    net->add_route({.prefix = IpAddress::v4(10, 0, 0, 0), .prefix_len = 8, .ifindex = 2,
                    .gateway = IpAddress::v4(192, 168, 2, 254), .metric = 7,
                    .source = IpAddress::v4(192, 168, 2, 1)});
    net->add_route({.prefix = IpAddress::v4(172, 16, 0, 0), .prefix_len = 12, .ifindex = 2});
    net->add_route({.prefix = IpAddress::v4(198, 18, 0, 0), .prefix_len = 16, .type = RouteType::Blackhole});
    net->add_route({.prefix = IpAddress::v4(198, 19, 0, 0), .prefix_len = 16, .type = RouteType::Unreachable});
    net->add_route({.prefix = IpAddress::v4(203, 0, 113, 0), .prefix_len = 24, .type = RouteType::Prohibit});
    std::array<uint8_t, 16> db8{0x20, 0x01, 0x0d, 0xb8}, ll{0xfe, 0x80};
    ll[15] = 1;
    net->add_route({.prefix = IpAddress::v6(db8), .prefix_len = 32, .ifindex = 2, .gateway = IpAddress::v6(ll),
                    .metric = 3});
    net->add_route({.prefix = IpAddress::v4(0, 0, 0, 0), .prefix_len = 0, .ifindex = 2, .table = 100});
    net->add_neighbour({2, IpAddress::v4(192, 168, 2, 254), {0xaa, 0xbb, 0xcc, 0, 0, 1}});
    net->add_neighbour({2, IpAddress::v6(ll), {0xaa, 0xbb, 0xcc, 0, 0, 6}});
    return net;
}

} // namespace ebpfjit::test
