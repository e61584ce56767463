// Socket helpers end to end (progs/tc_sockets.c): bpf_sk_lookup_tcp/udp, bpf_skc_lookup_tcp,
// bpf_sk_assign, bpf_sk_release and bpf_get_socket_cookie over the embedder's SocketTable,
// verified at Full, on the JIT and the interpreter; without a table every lookup is NULL.
#include "object_test_support.hpp"

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>

#include <array>
#include <memory>

using namespace ebpfjit;
using namespace object_test;

namespace {

constexpr std::array<uint8_t, 4> kClient{192, 168, 1, 2};
constexpr std::array<uint8_t, 4> kServer{10, 0, 0, 1};

// Ethernet + IPv4 (no options) + the first 4 bytes of a TCP/UDP header (the ports).
std::vector<uint8_t> ipv4_frame(uint8_t protocol, std::array<uint8_t, 4> src, uint16_t sport,
                                std::array<uint8_t, 4> dst, uint16_t dport) {
    std::vector<uint8_t> f = ether_frame(ETH_P_IP, 14 + 20 + 20);
    uint8_t* ip = f.data() + 14;
    std::fill(ip, ip + 40, 0);
    ip[0] = 0x45;
    ip[9] = protocol;
    std::copy(src.begin(), src.end(), ip + 12);
    std::copy(dst.begin(), dst.end(), ip + 16);
    ip[20] = uint8_t(sport >> 8), ip[21] = uint8_t(sport);
    ip[22] = uint8_t(dport >> 8), ip[23] = uint8_t(dport);
    return f;
}

SocketSpec tcp_listener(uint16_t port, std::array<uint8_t, 4> addr = {0, 0, 0, 0}) {
    SocketSpec s;
    s.protocol = SocketProtocol::Tcp;
    s.state = kTcpListen;
    s.local = SocketEndpoint::v4(addr, port);
    return s;
}

SocketSpec tcp_connected(uint8_t state, uint16_t local_port, uint16_t remote_port) {
    SocketSpec s;
    s.protocol = SocketProtocol::Tcp;
    s.state = state;
    s.local = SocketEndpoint::v4(kServer, local_port);
    s.remote = SocketEndpoint::v4(kClient, remote_port);
    return s;
}

int32_t run(const Program& p, SkbPacket& skb, Engine engine) {
    auto r = p.run_tc(skb, RunOptions{engine});
    if (!r) FAIL(r.error().to_string());
    return r->code;
}

} // namespace

TEST_CASE("sockets: without a socket table every lookup is NULL", "[object][sockets]") {
    Object object = open_object("tc_sockets");
    Program steer = program_of(object, "steer");
    Program both = program_of(object, "find_both");
    CHECK_FALSE(object.socket_table());
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            SkbPacket skb;
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40000, kServer, 80)));
            CHECK(run(steer, skb, engine) == 100);
            CHECK_FALSE(skb.assigned_socket());
            REQUIRE(skb.load(ipv4_frame(IPPROTO_UDP, kClient, 40000, kServer, 53)));
            CHECK(run(steer, skb, engine) == 100);
            CHECK(run(both, skb, engine) == 0);
        }
    }
}

TEST_CASE("sockets: lookups, sk_assign and the cookie on both engines", "[object][sockets]") {
    Object object = open_object("tc_sockets");
    auto sockets = std::make_shared<SocketTable>();
    object.set_socket_table(sockets);
    Program steer = program_of(object, "steer");
    Program both = program_of(object, "find_both");
    Program cookie = program_of(object, "cookie");

    const uint64_t listener = *sockets->add(tcp_listener(80));
    auto exact_listener = tcp_listener(80, kServer);
    exact_listener.cookie = 0x5000;
    const uint64_t exact = *sockets->add(exact_listener);
    const uint64_t established = *sockets->add(tcp_connected(kTcpEstablished, 80, 40001));
    REQUIRE(sockets->add(tcp_connected(kTcpTimeWait, 80, 40002)));
    SocketSpec dns;
    dns.protocol = SocketProtocol::Udp;
    dns.state = kTcpClose;
    dns.local = SocketEndpoint::v4({0, 0, 0, 0}, 53);
    const uint64_t udp = *sockets->add(dns);
    SocketSpec elsewhere = tcp_listener(8080);
    elsewhere.netns = 3; // another namespace: not the program's
    REQUIRE(sockets->add(elsewhere));
    CHECK(exact == 0x5000);
    CHECK(sockets->size() == 6);

    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            SkbPacket skb;
            // An exact local address beats the wildcard listener.
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40000, kServer, 80)));
            CHECK(run(steer, skb, engine) == 101);
            REQUIRE(skb.assigned_socket());
            CHECK(skb.assigned_socket()->spec.cookie == exact);
            CHECK(run(cookie, skb, engine) == int32_t(exact)); // skb->sk is now the assigned one
            // Another destination address: only the wildcard listener matches.
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40000, {10, 0, 0, 9}, 80)));
            CHECK(run(cookie, skb, engine) == 0); // load() cleared skb->sk
            CHECK(run(steer, skb, engine) == 101);
            CHECK(skb.assigned_socket()->spec.cookie == listener);
            // The exact 4-tuple: the established socket beats both listeners.
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40001, kServer, 80)));
            CHECK(run(steer, skb, engine) == 101);
            CHECK(skb.assigned_socket()->spec.cookie == established);
            CHECK(run(both, skb, engine) == 3);
            // A time-wait socket: skc_lookup_tcp finds it, sk_lookup_tcp returns NULL.
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40002, kServer, 80)));
            CHECK(run(both, skb, engine) == 1);
            CHECK(run(steer, skb, engine) == 100);
            // UDP to a socket bound to the wildcard address.
            REQUIRE(skb.load(ipv4_frame(IPPROTO_UDP, kClient, 5353, kServer, 53)));
            CHECK(run(steer, skb, engine) == 101);
            CHECK(skb.assigned_socket()->spec.cookie == udp);
            // TCP to port 53 / a port only another namespace has: no socket.
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 5353, kServer, 53)));
            CHECK(run(steer, skb, engine) == 100);
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 5353, kServer, 8080)));
            CHECK(run(steer, skb, engine) == 100);
            CHECK_FALSE(skb.assigned_socket());
        }
    }
    // A removed socket is no longer found. The assigned socket's cookie wins over the
    // embedder's own skb->sk (SkbMetadata::socket); without an assignment that one answers.
    CHECK(sockets->remove(exact));
    CHECK_FALSE(sockets->remove(exact));
    SkbPacket skb;
    REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40000, kServer, 80)));
    CHECK(run(steer, skb, Engine::Jit) == 101);
    CHECK(skb.assigned_socket()->spec.cookie == listener);
    auto mine = std::make_shared<Socket>(Socket{tcp_listener(443)});
    mine->spec.cookie = 0x1234;
    skb.set_assigned_socket(mine);
    CHECK(run(cookie, skb, Engine::Interpreter) == 0x1234);
    skb.set_socket(SkbSocket{.cookie = 0x5678});
    CHECK(run(cookie, skb, Engine::Interpreter) == 0x1234);
    skb.set_assigned_socket(nullptr);
    CHECK(run(cookie, skb, Engine::Jit) == 0x5678);
}

TEST_CASE("sockets: the table refuses inconsistent sockets", "[object][sockets]") {
    SocketTable t;
    SocketSpec no_port = tcp_listener(0);
    CHECK_FALSE(t.add(no_port));
    SocketSpec listening_with_peer = tcp_connected(kTcpListen, 80, 1);
    CHECK_FALSE(t.add(listening_with_peer));
    SocketSpec established_without_peer = tcp_listener(80);
    established_without_peer.state = kTcpEstablished;
    CHECK_FALSE(t.add(established_without_peer));
    SocketSpec a = tcp_listener(80);
    a.cookie = 7;
    REQUIRE(t.add(a));
    SocketSpec b = tcp_listener(81);
    b.cookie = 7;
    auto dup = t.add(b);
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message.find("cookie 7") != std::string::npos);
    CHECK(t.size() == 1);
}
