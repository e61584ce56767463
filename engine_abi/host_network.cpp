#include "ebpfjit/host_network.hpp"

#include <algorithm>

namespace ebpfjit {
namespace {

// True when the first `bits` bits of a and b agree.
bool prefix_matches(const IpAddress& a, const IpAddress& b, uint8_t bits) {
    for (uint32_t i = 0; bits > 0 && i < a.length(); ++i) {
        const uint8_t take = std::min<uint8_t>(bits, 8);
        const uint8_t mask = uint8_t(0xff << (8 - take));
        if ((a.bytes[i] & mask) != (b.bytes[i] & mask)) return false;
        bits = uint8_t(bits - take);
    }
    return true;
}

} // namespace

void HostNetwork::add_device(const NetDevice& dev) {
    std::unique_lock lock(mutex_);
    devices_[dev.ifindex] = dev;
}

void HostNetwork::add_route(const Route& route) {
    std::unique_lock lock(mutex_);
    routes_.push_back(route);
}

void HostNetwork::add_neighbour(const Neighbour& neigh) {
    std::unique_lock lock(mutex_);
    for (Neighbour& n : neighbours_)
        if (n.ifindex == neigh.ifindex && n.address == neigh.address) {
            n = neigh;
            return;
        }
    neighbours_.push_back(neigh);
}

void HostNetwork::remove_neighbour(uint32_t ifindex, const IpAddress& address) {
    std::unique_lock lock(mutex_);
    std::erase_if(neighbours_, [&](const Neighbour& n) { return n.ifindex == ifindex && n.address == address; });
}

void HostNetwork::clear_routes() {
    std::unique_lock lock(mutex_);
    routes_.clear();
}

void HostNetwork::set_netns_cookie(uint64_t cookie) {
    std::unique_lock lock(mutex_);
    netns_cookie_ = cookie;
}

const NetDevice* HostNetwork::device(uint32_t ifindex) const {
    auto it = devices_.find(ifindex);
    return it == devices_.end() ? nullptr : &it->second;
}

std::optional<Route> HostNetwork::lookup(const IpAddress& dst, uint32_t table) const {
    const Route* best = nullptr;
    for (const Route& r : routes_) {
        if (r.table != table || r.prefix.family != dst.family) continue;
        if (r.prefix_len > dst.length() * 8 || !prefix_matches(r.prefix, dst, r.prefix_len)) continue;
        if (!best || r.prefix_len > best->prefix_len ||
            (r.prefix_len == best->prefix_len && r.metric < best->metric))
            best = &r;
    }
    if (!best) return std::nullopt;
    return *best;
}

const Neighbour* HostNetwork::neighbour(uint32_t ifindex, const IpAddress& address) const {
    for (const Neighbour& n : neighbours_)
        if (n.ifindex == ifindex && n.address == address) return &n;
    return nullptr;
}

} // namespace ebpfjit
