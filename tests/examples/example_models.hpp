// What each example program should do to a frame, worked out by the tests from the
// frame bytes and the map-init files alone (frame_parser.hpp), never from the programs.
// End-to-end tests compare every engine's verdicts, frames and maps with these.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace example_models {

// XDP actions and TC codes as the kernel numbers them.
enum Xdp : uint32_t { kAborted = 0, kDrop = 1, kPass = 2, kTx = 3, kRedirect = 4 };

nlohmann::json read_json(const std::string& path);
std::vector<uint8_t> json_bytes(const nlohmann::json& list); // ["0x0a", ...] -> bytes

// ---- xdp_firewall ---------------------------------------------------------------------
namespace firewall {
inline constexpr uint32_t kSlotPass = 0, kSlotMalformed = 1, kSlots = 64;
struct Prefix {
    bool v6 = false;
    uint32_t length = 0;
    std::array<uint8_t, 16> address{};
    uint32_t slot = 0;
};
struct Rules {
    std::vector<Prefix> prefixes;
    std::map<std::pair<uint8_t, uint16_t>, uint32_t> ports; // (proto, dport) -> slot
};
Rules load_rules(const nlohmann::json& init);
struct Decision {
    uint32_t action = kPass;
    uint32_t slot = kSlotPass;
};
Decision decide(const Rules& rules, std::span<const uint8_t> frame);
} // namespace firewall

// ---- xdp_lb ------------------------------------------------------------------------------
namespace lb {
inline constexpr uint32_t kRingSize = 257;
struct Backend {
    std::array<uint8_t, 4> address{};
    std::array<uint8_t, 6> mac{};
};
struct Config {
    std::map<std::tuple<uint32_t, uint16_t, uint8_t>, uint32_t> services; // (vip, port, proto) -> id
    std::map<uint32_t, uint32_t> ring;                                    // ring index -> backend
    std::vector<Backend> backends;
};
Config load_config(const nlohmann::json& init);
uint32_t flow_hash(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport, uint8_t proto);
struct Decision {
    uint32_t action = kPass;
    std::optional<uint32_t> backend;
    std::vector<uint8_t> output; // the rewritten frame for XDP_TX, with recomputed checksums
};
Decision decide(const Config& config, std::span<const uint8_t> frame);
} // namespace lb

// ---- tc_counter: (ethertype, IP protocol) the frame is counted under ---------------------
namespace tc_counter {
std::pair<uint16_t, uint8_t> key(std::span<const uint8_t> frame);
}

// ---- socket_filter: bytes kept ---------------------------------------------------------------
namespace socket_filter {
uint32_t keep(std::span<const uint8_t> frame);
}

// ---- tail_dispatch -----------------------------------------------------------------------------
namespace tail_dispatch {
enum Class : uint32_t { kIpv4 = 0, kIpv6 = 1, kArp = 2, kFallthrough = 3, kOther = 4, kCount = 5 };
struct Decision {
    uint32_t action = kPass;
    Class counted = kOther;
};
Decision decide(std::span<const uint8_t> frame);
} // namespace tail_dispatch

} // namespace example_models
