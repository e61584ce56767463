// The network state the kernel answers some helpers from, supplied by the embedder:
// devices (MTU, MAC, forwarding), routes, neighbours and the netns cookie. One
// HostNetwork stands for one network namespace; the embedder hands it to
// OpenOptions::network and may change it while programs run (readers and writers are
// serialised by a shared mutex, as the kernel's RCU-protected tables are read locklessly
// by bpf_fib_lookup while `ip route` writes them).
//
// Used by bpf_fib_lookup (69), bpf_check_mtu (163), bpf_clone_redirect (13, device
// existence) and bpf_get_netns_cookie (122). Without a HostNetwork the helpers answer as
// a kernel with empty tables would (docs/helpers.md lists each answer).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

namespace ebpfjit {

// An IPv4 or IPv6 address in network byte order (IPv4: the first 4 bytes).
struct IpAddress {
    uint8_t family = 0; // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};

    static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {2, {a, b, c, d}}; }
    static IpAddress v6(const std::array<uint8_t, 16>& b) { return {10, b}; }
    uint32_t length() const { return family == 10 ? 16 : 4; }
    bool operator==(const IpAddress&) const = default;
};

struct NetDevice {
    uint32_t ifindex = 0;
    uint32_t mtu = 1500;                 // dev->mtu (L3)
    uint16_t hard_header_len = 14;       // ETH_HLEN for Ethernet
    std::array<uint8_t, 6> mac{};        // dev->dev_addr: bpf_fib_lookup's smac
    bool ipv4_forwarding = true;         // IN_DEV_FORWARD; false: BPF_FIB_LKUP_RET_FWD_DISABLED
    bool ipv6_forwarding = true;         // idev->cnf.forwarding
};

// A route's type (RTN_*): only Unicast forwards; the others give the fib_lookup codes.
enum class RouteType : uint8_t { Unicast, Blackhole, Unreachable, Prohibit, Local };

struct Route {
    IpAddress prefix;                    // destination prefix (family decides v4/v6)
    uint8_t prefix_len = 0;
    RouteType type = RouteType::Unicast;
    uint32_t ifindex = 0;                // nexthop device
    std::optional<IpAddress> gateway{};  // none: destination is on-link
    uint32_t metric = 0;                 // fib_priority / fib6_metric -> params->rt_metric
    uint32_t mtu = 0;                    // route MTU (RTAX_MTU); 0 = the device's
    uint32_t table = 254;                // RT_TABLE_MAIN; BPF_FIB_LOOKUP_TBID selects others
    std::optional<IpAddress> source{};   // preferred source (BPF_FIB_LOOKUP_SRC); none: no address
};

struct Neighbour {
    uint32_t ifindex = 0;
    IpAddress address;
    std::array<uint8_t, 6> mac{};
};

class HostNetwork {
public:
    // The kernel gives init_net cookie 1; other namespaces count up from there.
    static constexpr uint64_t kInitNetCookie = 1;

    void add_device(const NetDevice& dev);
    void add_route(const Route& route);
    void add_neighbour(const Neighbour& neigh);
    void remove_neighbour(uint32_t ifindex, const IpAddress& address);
    void clear_routes();
    void set_netns_cookie(uint64_t cookie);

    // Readers (helpers) take a shared lock for the duration of one helper call.
    std::shared_lock<std::shared_mutex> read_lock() const { return std::shared_lock(mutex_); }

    // The calls below expect read_lock() held.
    const NetDevice* device(uint32_t ifindex) const;
    // Longest-prefix match in `table` (lower metric wins between equal prefixes).
    std::optional<Route> lookup(const IpAddress& dst, uint32_t table) const;
    const Neighbour* neighbour(uint32_t ifindex, const IpAddress& address) const;
    uint64_t netns_cookie() const { return netns_cookie_; }

private:
    mutable std::shared_mutex mutex_;
    std::map<uint32_t, NetDevice> devices_;
    std::vector<Route> routes_;
    std::vector<Neighbour> neighbours_;
    uint64_t netns_cookie_ = kInitNetCookie;
};

} // namespace ebpfjit

// The engines' names until the engine_abi namespace rename (engine_abi/README.md).
namespace ebpfjit::runtime {
using ebpfjit::HostNetwork;
using ebpfjit::IpAddress;
using ebpfjit::NetDevice;
using ebpfjit::Neighbour;
using ebpfjit::Route;
using ebpfjit::RouteType;
} // namespace ebpfjit::runtime
