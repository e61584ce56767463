// The sockets a program's bpf_sk_lookup_tcp / bpf_sk_lookup_udp / bpf_skc_lookup_tcp see:
// the embedder registers them, as the kernel's socket hash tables hold the host's sockets.
// Without a table (or with an empty one) every lookup returns NULL, as the kernel does
// when no socket matches.
//
//   auto sockets = std::make_shared<ebpfjit::SocketTable>();
//   ebpfjit::SocketSpec web{.protocol = ebpfjit::SocketProtocol::Tcp, .state = ebpfjit::kTcpListen};
//   web.local = ebpfjit::SocketEndpoint::v4({10, 0, 0, 1}, 80);      // 10.0.0.1:80, listening
//   uint64_t cookie = *sockets->add(web);
//   object.set_socket_table(sockets);                                   // before runs start
//
// Lookups follow the kernel's tables: a bpf_sock_tuple's saddr/sport are the remote end
// (the packet's source), daddr/dport the local one. An exact 4-tuple match (a connected
// socket; for TCP also a time-wait one) wins over a listening TCP / bound UDP socket,
// whose local address may be the wildcard (all zero) and loses to an exact one. Not
// modelled: request sockets (SYN_RECV mini-sockets), SO_REUSEPORT groups, sockets bound to
// a device, IPv4 packets reaching dual-stack IPv6 sockets.
//
// Thread-safe: lookups from running programs share a lock with add / remove. A program
// holding a socket (between lookup and bpf_sk_release) keeps it alive after remove(); it
// is then unhashed (bpf_sk_assign refuses it with -EOPNOTSUPP, as the kernel does).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "ebpfjit/error.hpp"

namespace ebpfjit {

enum class SocketProtocol : uint8_t { Tcp = 6, Udp = 17 }; // IPPROTO_*

// The kernel's TCP states (include/net/tcp_states.h) the table distinguishes.
inline constexpr uint8_t kTcpEstablished = 1;
inline constexpr uint8_t kTcpTimeWait = 6;
inline constexpr uint8_t kTcpClose = 7; // UDP sockets that are not connected
inline constexpr uint8_t kTcpListen = 10;

struct SocketEndpoint {
    std::array<uint8_t, 16> addr{}; // network byte order; IPv4 in the first 4 bytes; all zero = any
    uint16_t port = 0;              // host byte order; 0 = none (a listening / unconnected remote)

    static SocketEndpoint v4(std::array<uint8_t, 4> a, uint16_t port) {
        SocketEndpoint e;
        for (size_t i = 0; i < 4; ++i) e.addr[i] = a[i];
        e.port = port;
        return e;
    }
    static SocketEndpoint v6(const std::array<uint8_t, 16>& a, uint16_t port) { return {a, port}; }
    friend bool operator==(const SocketEndpoint&, const SocketEndpoint&) = default;
};

struct SocketSpec {
    SocketProtocol protocol = SocketProtocol::Tcp;
    bool ipv6 = false;
    // TCP: kTcpListen (remote unset), kTcpTimeWait, or any other TCP_* state of a
    // connected socket (kTcpEstablished, ...; remote set). UDP: remote unset = bound,
    // set = connected; the state is not read.
    uint8_t state = kTcpEstablished;
    SocketEndpoint local;
    SocketEndpoint remote;
    uint64_t cookie = 0; // bpf_get_socket_cookie's answer; 0 = the table picks a unique one
    // The network namespace: -1 = the program's own; n >= 0 = the namespace a program
    // names with netns id n (the kernel's ids relative to the program's namespace).
    int32_t netns = -1;
    // Read by programs only (struct bpf_sock's fields; lookups ignore them): SO_MARK,
    // SO_PRIORITY, and the receive queue (-1: none recorded, the kernel's answer when
    // the socket has seen no packet).
    uint32_t mark = 0;
    uint32_t priority = 0;
    int32_t rx_queue_mapping = -1;
};

// What a program reads through a looked-up socket: the uapi struct bpf_sock
// (<linux/bpf.h>; the layout is checked against it at build time), filled from the spec
// as the kernel's bpf_sock_convert_ctx_access reads a struct sock: family AF_INET /
// AF_INET6, type SOCK_STREAM / SOCK_DGRAM, src = local end, dst = remote end (zero when
// unconnected), src_port in host and dst_port in network byte order, state the TCP
// state (UDP: TCP_ESTABLISHED when connected, else TCP_CLOSE). The v4 fields of an IPv6
// socket and the v6 fields of an IPv4 socket read zero; bound_dev_if reads 0 (sockets
// bound to a device are not modelled).
struct alignas(8) BpfSockFields {
    uint32_t bound_dev_if = 0;
    uint32_t family = 0;
    uint32_t type = 0;
    uint32_t protocol = 0;
    uint32_t mark = 0;
    uint32_t priority = 0;
    uint32_t src_ip4 = 0;     // network byte order
    uint32_t src_ip6[4] = {}; // network byte order
    uint32_t src_port = 0;    // host byte order
    uint16_t dst_port = 0;    // network byte order
    uint16_t zero_padding = 0;
    uint32_t dst_ip4 = 0;
    uint32_t dst_ip6[4] = {};
    uint32_t state = 0;
    int32_t rx_queue_mapping = -1;

    static BpfSockFields of(const SocketSpec& spec);
};

// One registered socket, as a looked-up pointer names it. Immutable once added. A
// program's socket pointer is the address of `fields` (guest_address()).
struct Socket {
    SocketSpec spec;
    BpfSockFields fields;

    explicit Socket(const SocketSpec& s) : spec(s), fields(BpfSockFields::of(s)) {}
    bool time_wait() const { return spec.protocol == SocketProtocol::Tcp && spec.state == kTcpTimeWait; }
    uint64_t guest_address() const { return reinterpret_cast<uint64_t>(&fields); }
};

class SocketTable {
public:
    // The socket's cookie, or an error naming the inconsistency (a TCP listener with a
    // remote end, a connected socket without one, a cookie already taken).
    Result<uint64_t> add(const SocketSpec& spec);
    // Unhashes the socket with this cookie; false if there is none.
    bool remove(uint64_t cookie);
    size_t size() const;

    // The kernel's __bpf_skc_lookup over this table: `tuple` is a struct bpf_sock_tuple of
    // `len` bytes (12: IPv4, 36: IPv6; else nullptr), `netns_id` and `flags` as the helper
    // got them (flags != 0 or a netns id beyond 32 bits: nullptr). `full_only` is
    // bpf_sk_lookup_*: a time-wait socket is not returned.
    std::shared_ptr<const Socket> lookup(SocketProtocol protocol, const uint8_t* tuple, uint32_t len,
                                         uint64_t netns_id, uint64_t flags, bool full_only) const;
    // The socket with this cookie, or nullptr (what a SOCKMAP / SOCKHASH entry names).
    std::shared_ptr<const Socket> find(uint64_t cookie) const;
    // Whether `socket` is still in the table (not removed).
    bool hashed(const Socket* socket) const;

private:
    mutable std::shared_mutex lock_;
    std::vector<std::shared_ptr<const Socket>> sockets_;
    uint64_t next_cookie_ = 1;
};

} // namespace ebpfjit
