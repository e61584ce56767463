// The tests' own reading of an Ethernet frame, written apart from the example programs so
// that expected verdicts are worked out independently. Every field records whether the
// frame was long enough to hold it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace frame_parser {

inline constexpr uint16_t kEthIp = 0x0800, kEthIpv6 = 0x86dd, kEthVlan = 0x8100;
inline constexpr uint8_t kTcp = 6, kUdp = 17;

inline uint16_t be16(std::span<const uint8_t> b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }
inline uint32_t be32(std::span<const uint8_t> b, size_t at) {
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

struct Frame {
    size_t length = 0;
    bool has_eth = false;     // 14 bytes
    bool vlan = false;        // outer ethertype 802.1Q
    bool vlan_complete = false;
    uint16_t ethertype = 0;   // inner one after a complete VLAN tag
    size_t l3 = 0;

    enum class L3 { None, V4, V6 } ip = L3::None;
    bool ip_fixed_complete = false; // 20 (IPv4) or 40 (IPv6) bytes present
    size_t ihl_bytes = 0;           // IPv4
    bool ihl_valid = false;         // >= 20 and inside the frame
    std::array<uint8_t, 16> src{}, dst{};
    uint8_t proto = 0;              // IPv4 protocol / IPv6 next header
    uint16_t frag = 0;              // IPv4 flags + fragment offset, host order

    size_t l4 = 0;
    bool l4_complete = false;       // TCP: 20 bytes, UDP: 8 bytes
    uint16_t sport = 0, dport = 0;
};

inline Frame parse(std::span<const uint8_t> b) {
    Frame f;
    f.length = b.size();
    if (b.size() < 14) return f;
    f.has_eth = true;
    f.ethertype = be16(b, 12);
    f.l3 = 14;
    if (f.ethertype == kEthVlan) {
        f.vlan = true;
        if (b.size() < 18) return f;
        f.vlan_complete = true;
        f.ethertype = be16(b, 16);
        f.l3 = 18;
    }
    if (f.ethertype == kEthIp) {
        f.ip = Frame::L3::V4;
        if (b.size() < f.l3 + 20) return f;
        f.ip_fixed_complete = true;
        f.ihl_bytes = size_t(b[f.l3] & 0xf) * 4;
        f.ihl_valid = f.ihl_bytes >= 20 && f.l3 + f.ihl_bytes <= b.size();
        f.proto = b[f.l3 + 9];
        f.frag = be16(b, f.l3 + 6);
        for (int i = 0; i < 4; ++i) f.src[i] = b[f.l3 + 12 + i], f.dst[i] = b[f.l3 + 16 + i];
        f.l4 = f.l3 + f.ihl_bytes;
    } else if (f.ethertype == kEthIpv6) {
        f.ip = Frame::L3::V6;
        if (b.size() < f.l3 + 40) return f;
        f.ip_fixed_complete = true;
        f.proto = b[f.l3 + 6];
        for (int i = 0; i < 16; ++i) f.src[i] = b[f.l3 + 8 + i], f.dst[i] = b[f.l3 + 24 + i];
        f.l4 = f.l3 + 40;
    } else {
        return f;
    }
    const size_t need = f.proto == kTcp ? 20 : f.proto == kUdp ? 8 : 0;
    if (need && f.l4 + need <= b.size()) {
        f.l4_complete = true;
        f.sport = be16(b, f.l4);
        f.dport = be16(b, f.l4 + 2);
    }
    return f;
}

// One's-complement sum of 16-bit big-endian words (odd byte padded with zero).
inline uint32_t ones_sum(std::span<const uint8_t> b, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < b.size(); i += 2) sum += be16(b, i);
    if (b.size() % 2) sum += uint32_t(b.back()) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

// True when the IPv4 header checksum verifies.
inline bool ipv4_header_ok(std::span<const uint8_t> b, const Frame& f) {
    return ones_sum(b.subspan(f.l3, f.ihl_bytes)) == 0xffff;
}

// True when the TCP/UDP checksum over the IPv4 pseudo-header verifies (UDP 0: none).
inline bool ipv4_l4_ok(std::span<const uint8_t> b, const Frame& f) {
    const size_t total = be16(b, f.l3 + 2);
    const size_t l4_len = total - f.ihl_bytes;
    if (f.proto == kUdp && be16(b, f.l4 + 6) == 0) return true;
    uint32_t sum = ones_sum(b.subspan(f.l3 + 12, 8));
    sum += f.proto + uint32_t(l4_len);
    return ones_sum(b.subspan(f.l4, l4_len), sum) == 0xffff;
}

} // namespace frame_parser
