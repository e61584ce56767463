// ebpfjit::SocketTable (include/ebpfjit/socket_table.hpp): the embedder's sockets and the
// kernel's lookup rules over them (net/core/filter.c __bpf_skc_lookup, the inet / udp
// lookup functions' scoring).
#include "ebpfjit/socket_table.hpp"

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace ebpfjit {

// The public mirror is the uapi struct, field for field: a program's loads through a
// socket pointer read it without a rewrite (engine_abi/sock_layout.hpp).
#define EBPFJIT_SAME_FIELD(f)                                                                  \
    static_assert(offsetof(BpfSockFields, f) == offsetof(bpf_sock, f) &&                       \
                  sizeof(BpfSockFields::f) == sizeof(bpf_sock::f))
EBPFJIT_SAME_FIELD(bound_dev_if);
EBPFJIT_SAME_FIELD(family);
EBPFJIT_SAME_FIELD(type);
EBPFJIT_SAME_FIELD(protocol);
EBPFJIT_SAME_FIELD(mark);
EBPFJIT_SAME_FIELD(priority);
EBPFJIT_SAME_FIELD(src_ip4);
EBPFJIT_SAME_FIELD(src_ip6);
EBPFJIT_SAME_FIELD(src_port);
EBPFJIT_SAME_FIELD(dst_port);
EBPFJIT_SAME_FIELD(dst_ip4);
EBPFJIT_SAME_FIELD(dst_ip6);
EBPFJIT_SAME_FIELD(state);
EBPFJIT_SAME_FIELD(rx_queue_mapping);
#undef EBPFJIT_SAME_FIELD
static_assert(sizeof(BpfSockFields) == sizeof(bpf_sock));

namespace {

constexpr uint32_t kTupleV4 = 12; // sizeof(bpf_sock_tuple.ipv4): saddr, daddr, sport, dport
constexpr uint32_t kTupleV6 = 36; // sizeof(bpf_sock_tuple.ipv6)

bool is_any(const SocketEndpoint& e) {
    return std::all_of(e.addr.begin(), e.addr.end(), [](uint8_t b) { return b == 0; });
}

bool connected(const SocketSpec& s) { return s.remote.port != 0; }

// The packet's 4-tuple, from the struct bpf_sock_tuple bytes (ports in network order).
struct Tuple {
    SocketEndpoint remote, local;
};

Tuple read_tuple(const uint8_t* t, bool v6) {
    Tuple out;
    const size_t alen = v6 ? 16 : 4;
    std::memcpy(out.remote.addr.data(), t, alen);
    std::memcpy(out.local.addr.data(), t + alen, alen);
    out.remote.port = uint16_t(t[2 * alen] << 8 | t[2 * alen + 1]);
    out.local.port = uint16_t(t[2 * alen + 2] << 8 | t[2 * alen + 3]);
    return out;
}

// -1: no match; higher is better (the kernel prefers an exact 4-tuple, then an exact
// local address over the wildcard).
int score(const Socket& s, const Tuple& t) {
    const SocketSpec& sp = s.spec;
    if (sp.local.port != t.local.port) return -1;
    const bool exact_local = sp.local.addr == t.local.addr;
    if (!exact_local && !is_any(sp.local)) return -1;
    if (connected(sp)) {
        if (sp.remote.port != t.remote.port || sp.remote.addr != t.remote.addr || !exact_local) return -1;
        return 4;
    }
    return exact_local ? 2 : 1;
}

// An endpoint's address as the kernel stores it (network byte order, so copied as bytes).
void put_addr(const SocketEndpoint& e, bool v6, uint32_t& ip4, uint32_t (&ip6)[4]) {
    if (v6) std::memcpy(ip6, e.addr.data(), 16);
    else std::memcpy(&ip4, e.addr.data(), 4);
}

} // namespace

// bpf_sock_convert_ctx_access over the socket the spec describes: skc_family,
// sk_type, sk_protocol, sk_mark, sk_priority, skc_rcv_saddr / skc_v6_rcv_saddr,
// skc_num (host order), skc_dport (network order), skc_daddr / skc_v6_daddr, skc_state,
// skc_rx_queue_mapping.
BpfSockFields BpfSockFields::of(const SocketSpec& spec) {
    BpfSockFields f;
    const bool tcp = spec.protocol == SocketProtocol::Tcp;
    f.family = spec.ipv6 ? AF_INET6 : AF_INET;
    f.type = tcp ? SOCK_STREAM : SOCK_DGRAM;
    f.protocol = uint32_t(spec.protocol);
    f.mark = spec.mark;
    f.priority = spec.priority;
    put_addr(spec.local, spec.ipv6, f.src_ip4, f.src_ip6);
    f.src_port = spec.local.port;
    put_addr(spec.remote, spec.ipv6, f.dst_ip4, f.dst_ip6);
    f.dst_port = htons(spec.remote.port);
    f.state = tcp ? spec.state : connected(spec) ? kTcpEstablished : kTcpClose;
    f.rx_queue_mapping = spec.rx_queue_mapping;
    return f;
}

Result<uint64_t> SocketTable::add(const SocketSpec& spec) {
    if (spec.protocol != SocketProtocol::Tcp && spec.protocol != SocketProtocol::Udp)
        return fail(Error::plain("socket table: the protocol must be TCP or UDP"));
    if (spec.local.port == 0) return fail(Error::plain("socket table: a socket needs a local port"));
    if (spec.protocol == SocketProtocol::Tcp) {
        if (spec.state == kTcpListen && connected(spec))
            return fail(Error::plain("socket table: a listening TCP socket has no remote end"));
        if (spec.state == kTcpClose)
            return fail(Error::plain("socket table: a closed TCP socket is in no lookup table"));
        if (spec.state != kTcpListen && (!connected(spec) || is_any(spec.local) || is_any(spec.remote)))
            return fail(Error::plain(fmt::format("socket table: a TCP socket in state {} needs both addresses and "
                                                 "ports", spec.state)));
    } else if (connected(spec) && (is_any(spec.remote) || is_any(spec.local))) {
        return fail(Error::plain("socket table: a connected UDP socket needs both addresses"));
    }
    std::unique_lock guard(lock_);
    auto taken = [&](uint64_t c) {
        return std::any_of(sockets_.begin(), sockets_.end(), [c](const auto& s) { return s->spec.cookie == c; });
    };
    SocketSpec final_spec = spec;
    if (final_spec.cookie == 0) {
        while (taken(next_cookie_)) ++next_cookie_;
        final_spec.cookie = next_cookie_++;
    } else if (taken(final_spec.cookie)) {
        return fail(Error::plain(fmt::format("socket table: cookie {} is already taken", final_spec.cookie)));
    }
    auto socket = std::make_shared<Socket>(final_spec);
    sockets_.push_back(socket);
    return socket->spec.cookie;
}

bool SocketTable::remove(uint64_t cookie) {
    std::unique_lock guard(lock_);
    return std::erase_if(sockets_, [cookie](const auto& s) { return s->spec.cookie == cookie; }) != 0;
}

size_t SocketTable::size() const {
    std::shared_lock guard(lock_);
    return sockets_.size();
}

std::shared_ptr<const Socket> SocketTable::find(uint64_t cookie) const {
    std::shared_lock guard(lock_);
    for (const auto& s : sockets_)
        if (s->spec.cookie == cookie) return s;
    return nullptr;
}

bool SocketTable::hashed(const Socket* socket) const {
    std::shared_lock guard(lock_);
    return std::any_of(sockets_.begin(), sockets_.end(), [socket](const auto& s) { return s.get() == socket; });
}

std::shared_ptr<const Socket> SocketTable::lookup(SocketProtocol protocol, const uint8_t* tuple, uint32_t len,
                                                  uint64_t netns_id, uint64_t flags, bool full_only) const {
    if (len != kTupleV4 && len != kTupleV6) return nullptr;
    // "netns values beyond the range of 32-bit integers are reserved", flags reserved.
    if (flags != 0 || !(int32_t(netns_id) < 0 || netns_id <= uint64_t(INT32_MAX))) return nullptr;
    const bool v6 = len == kTupleV6;
    const int32_t netns = int32_t(netns_id) < 0 ? -1 : int32_t(netns_id);
    const Tuple t = read_tuple(tuple, v6);
    std::shared_lock guard(lock_);
    std::shared_ptr<const Socket> best;
    int best_score = -1;
    for (const auto& s : sockets_) {
        if (s->spec.protocol != protocol || s->spec.ipv6 != v6 || s->spec.netns != netns) continue;
        const int sc = score(*s, t);
        if (sc > best_score) best = s, best_score = sc;
    }
    // bpf_sk_lookup_*: sk_to_full_sk, then !sk_fullsock -> NULL (a time-wait socket).
    if (best && full_only && best->time_wait()) return nullptr;
    return best;
}

} // namespace ebpfjit
