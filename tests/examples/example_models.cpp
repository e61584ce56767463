#include "example_models.hpp"

#include <fstream>
#include <stdexcept>

#include "frame_parser.hpp"

namespace example_models {

using frame_parser::Frame;

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    return nlohmann::json::parse(in);
}

std::vector<uint8_t> json_bytes(const nlohmann::json& list) {
    std::vector<uint8_t> out;
    for (const auto& item : list)
        out.push_back(item.is_string() ? uint8_t(std::stoul(item.get<std::string>(), nullptr, 16))
                                       : item.get<uint8_t>());
    return out;
}

namespace {
uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
           uint32_t(b[at + 3]) << 24;
}
} // namespace

// ---- xdp_firewall ---------------------------------------------------------------------
namespace firewall {

Rules load_rules(const nlohmann::json& init) {
    Rules rules;
    for (const char* map : {"blocked_v4", "blocked_v6"}) {
        for (const auto& entry : init["maps"][map]["entries"]) {
            const auto key = json_bytes(entry["key"]);
            Prefix p;
            p.v6 = key.size() == 20;
            p.length = le32(key, 0);
            std::copy(key.begin() + 4, key.end(), p.address.begin());
            p.slot = le32(json_bytes(entry["value"]), 0);
            rules.prefixes.push_back(p);
        }
    }
    for (const auto& entry : init["maps"]["blocked_ports"]["entries"]) {
        const auto key = json_bytes(entry["key"]);
        rules.ports[{key[2], uint16_t(key[0] | key[1] << 8)}] = le32(json_bytes(entry["value"]), 0);
    }
    return rules;
}

namespace {
bool prefix_matches(const Prefix& p, const std::array<uint8_t, 16>& address) {
    for (uint32_t bit = 0; bit < p.length; ++bit) {
        const uint8_t mask = uint8_t(0x80 >> (bit % 8));
        if ((p.address[bit / 8] & mask) != (address[bit / 8] & mask)) return false;
    }
    return true;
}

std::optional<uint32_t> longest_prefix(const Rules& rules, bool v6,
                                       const std::array<uint8_t, 16>& address) {
    const Prefix* best = nullptr;
    for (const auto& p : rules.prefixes)
        if (p.v6 == v6 && prefix_matches(p, address) && (!best || p.length > best->length))
            best = &p;
    if (!best) return std::nullopt;
    return best->slot;
}
} // namespace

Decision decide(const Rules& rules, std::span<const uint8_t> bytes) {
    const Frame f = frame_parser::parse(bytes);
    const Decision malformed{kDrop, kSlotMalformed};
    if (!f.has_eth || (f.vlan && !f.vlan_complete)) return malformed;
    if (f.ip == Frame::L3::None) return {};
    if (!f.ip_fixed_complete) return malformed;
    const bool v6 = f.ip == Frame::L3::V6;
    if (!v6 && !f.ihl_valid) return malformed;
    if (auto slot = longest_prefix(rules, v6, f.src)) return {kDrop, *slot};
    if (!v6 && (f.frag & 0x1fff)) return {};
    if (f.proto != frame_parser::kTcp && f.proto != frame_parser::kUdp) return {};
    if (!f.l4_complete) return malformed;
    auto rule = rules.ports.find({f.proto, f.dport});
    if (rule != rules.ports.end()) return {kDrop, rule->second};
    return {};
}

} // namespace firewall

// ---- xdp_lb ------------------------------------------------------------------------------
namespace lb {

Config load_config(const nlohmann::json& init) {
    Config config;
    for (const auto& entry : init["maps"]["services"]["entries"]) {
        const auto key = json_bytes(entry["key"]);
        const uint32_t vip = frame_parser::be32(key, 0);
        config.services[{vip, frame_parser::be16(key, 4), key[6]}] = le32(json_bytes(entry["value"]), 0);
    }
    for (const auto& entry : init["maps"]["maglev_ring"]["entries"])
        config.ring[le32(json_bytes(entry["key"]), 0)] = le32(json_bytes(entry["value"]), 0);
    for (const auto& entry : init["maps"]["backends"]["entries"]) {
        const auto index = le32(json_bytes(entry["key"]), 0);
        const auto value = json_bytes(entry["value"]);
        if (config.backends.size() <= index) config.backends.resize(index + 1);
        std::copy_n(value.begin(), 4, config.backends[index].address.begin());
        std::copy_n(value.begin() + 4, 6, config.backends[index].mac.begin());
    }
    return config;
}

namespace {
uint32_t mix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = uint8_t(v >> 8);
    b[at + 1] = uint8_t(v);
}
} // namespace

uint32_t flow_hash(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport, uint8_t proto) {
    uint32_t h = mix32(proto);
    h = mix32(h ^ (uint32_t(sport) << 16 | dport));
    h = mix32(h ^ daddr);
    return mix32(h ^ saddr);
}

namespace {
Decision drop_or_pass(uint32_t action) {
    Decision d;
    d.action = action;
    return d;
}
} // namespace

Decision decide(const Config& config, std::span<const uint8_t> bytes) {
    const Frame f = frame_parser::parse(bytes);
    if (!f.has_eth || (f.vlan && !f.vlan_complete)) return drop_or_pass(kDrop);
    if (f.ip != Frame::L3::V4) return drop_or_pass(kPass);
    if (!f.ip_fixed_complete) return drop_or_pass(kDrop);
    if (f.ihl_bytes < 20 || (f.frag & 0x3fff)) return drop_or_pass(kPass);
    if (f.proto != frame_parser::kTcp && f.proto != frame_parser::kUdp) return drop_or_pass(kPass);
    if (!f.l4_complete) return drop_or_pass(kDrop);
    const uint32_t saddr = frame_parser::be32(f.src, 0), daddr = frame_parser::be32(f.dst, 0);
    auto service = config.services.find({daddr, f.dport, f.proto});
    if (service == config.services.end()) return drop_or_pass(kPass);
    const uint32_t index = service->second * kRingSize +
                           flow_hash(saddr, daddr, f.sport, f.dport, f.proto) % kRingSize;
    const uint32_t backend = config.ring.at(index);
    const Backend& be = config.backends.at(backend);

    // Rewrite, then compute both checksums from scratch (not incrementally, as the program does).
    Decision d{kTx, backend, std::vector<uint8_t>(bytes.begin(), bytes.end())};
    auto& out = d.output;
    std::copy_n(bytes.begin(), 6, out.begin() + 6);
    std::copy(be.mac.begin(), be.mac.end(), out.begin());
    std::copy(be.address.begin(), be.address.end(), out.begin() + f.l3 + 16);
    put16(out, f.l3 + 10, 0);
    put16(out, f.l3 + 10, uint16_t(~frame_parser::ones_sum({out.data() + f.l3, f.ihl_bytes})));
    const size_t check_at = f.l4 + (f.proto == frame_parser::kTcp ? 16 : 6);
    const bool udp_without_checksum = f.proto == frame_parser::kUdp && frame_parser::be16(out, check_at) == 0;
    if (!udp_without_checksum) {
        const size_t l4_len = frame_parser::be16(out, f.l3 + 2) - f.ihl_bytes;
        put16(out, check_at, 0);
        uint32_t sum = frame_parser::ones_sum({out.data() + f.l3 + 12, 8}) + f.proto + uint32_t(l4_len);
        uint16_t check = uint16_t(~frame_parser::ones_sum({out.data() + f.l4, l4_len}, sum));
        if (f.proto == frame_parser::kUdp && check == 0) check = 0xffff;
        put16(out, check_at, check);
    }
    return d;
}

} // namespace lb

namespace tc_counter {
std::pair<uint16_t, uint8_t> key(std::span<const uint8_t> b) {
    if (b.size() < 14) return {0, 0};
    uint16_t ethertype = frame_parser::be16(b, 12);
    size_t l3 = 14;
    if (ethertype == frame_parser::kEthVlan) {
        // A failed bpf_skb_load_bytes zeroes its destination: a cut tag reads as type 0.
        if (b.size() < 18) return {0, 0};
        ethertype = frame_parser::be16(b, 16);
        l3 = 18;
    }
    if (ethertype == frame_parser::kEthIp && b.size() >= l3 + 10) return {ethertype, b[l3 + 9]};
    if (ethertype == frame_parser::kEthIpv6 && b.size() >= l3 + 7) return {ethertype, b[l3 + 6]};
    return {ethertype, 0};
}
} // namespace tc_counter

namespace socket_filter {
// LD_ABS / LD_IND past the end end the program with 0, so each read is also a length test.
uint32_t keep(std::span<const uint8_t> b) {
    if (b.size() < 14 || frame_parser::be16(b, 12) != frame_parser::kEthIp) return 0;
    if (b.size() < 24 || b[23] != frame_parser::kTcp) return 0;
    if (frame_parser::be16(b, 20) & 0x1fff) return 0;
    const size_t ihl = size_t(b[14] & 0xf) * 4;
    if (b.size() < 14 + ihl + 4 || frame_parser::be16(b, 14 + ihl + 2) != 80) return 0;
    return uint32_t(b.size());
}
} // namespace socket_filter

namespace tail_dispatch {
Decision decide(std::span<const uint8_t> b) {
    if (b.size() < 14) return {kPass, kOther};
    switch (frame_parser::be16(b, 12)) {
    case 0x0800: return {kPass, kIpv4};
    case 0x86dd: return {kDrop, kIpv6};
    case 0x0806: return {kPass, kFallthrough}; // handlers[kArp] is empty
    default: return {kPass, kOther};
    }
}
} // namespace tail_dispatch

} // namespace example_models
