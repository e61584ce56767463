// Reading struct bpf_sock through looked-up sockets end to end (progs/tc_sock_fields.c):
// the program stores the fields it reads in the `seen` map, verified at Full and run on
// the JIT and the interpreter; the values are the embedder's SocketSpec as the kernel
// would present that socket (family, type, protocol, mark, priority, addresses, ports
// in their byte orders, TCP state, rx_queue_mapping). A sock_common from
// skc_lookup_tcp reads the same fields of a time-wait socket.
#include "object_test_support.hpp"

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <sys/socket.h>

#include <array>
#include <memory>

using namespace ebpfjit;
using namespace object_test;

namespace {

constexpr std::array<uint8_t, 4> kClient{192, 168, 1, 2};
constexpr std::array<uint8_t, 4> kServer{10, 0, 0, 1};

// The map value the program fills (progs/tc_sock_fields.c struct seen).
struct Seen {
    bpf_sock whole;
    uint32_t state_u8, family_u16, src_ip4_byte1, dst_port_word, dst_port_byte1, dst_ip6_half1, type_u8, found;
};
static_assert(sizeof(Seen) == 112);

void put_ports(uint8_t* l4, uint16_t sport, uint16_t dport) {
    l4[0] = uint8_t(sport >> 8), l4[1] = uint8_t(sport), l4[2] = uint8_t(dport >> 8), l4[3] = uint8_t(dport);
}

std::vector<uint8_t> ipv4_frame(uint8_t protocol, std::array<uint8_t, 4> src, uint16_t sport,
                                std::array<uint8_t, 4> dst, uint16_t dport) {
    std::vector<uint8_t> f = ether_frame(ETH_P_IP, 14 + 20 + 20);
    uint8_t* ip = f.data() + 14;
    std::fill(ip, ip + 40, 0);
    ip[0] = 0x45;
    ip[9] = protocol;
    std::copy(src.begin(), src.end(), ip + 12);
    std::copy(dst.begin(), dst.end(), ip + 16);
    put_ports(ip + 20, sport, dport);
    return f;
}

std::vector<uint8_t> ipv6_frame(uint8_t next, const std::array<uint8_t, 16>& src, uint16_t sport,
                                const std::array<uint8_t, 16>& dst, uint16_t dport) {
    std::vector<uint8_t> f = ether_frame(ETH_P_IPV6, 14 + 40 + 20);
    uint8_t* ip = f.data() + 14;
    std::fill(ip, ip + 60, 0);
    ip[0] = 0x60;
    ip[6] = next;
    std::copy(src.begin(), src.end(), ip + 8);
    std::copy(dst.begin(), dst.end(), ip + 24);
    put_ports(ip + 40, sport, dport);
    return f;
}

uint32_t be32(std::array<uint8_t, 4> a) {
    uint32_t v;
    std::memcpy(&v, a.data(), 4);
    return v;
}

int32_t run(const Program& p, SkbPacket& skb, Engine engine) {
    auto r = p.run_tc(skb, RunOptions{engine});
    if (!r) FAIL(r.error().to_string());
    return r->code;
}

Seen seen_of(Object& object) {
    MapRef m = map_of(object, "seen");
    REQUIRE(m.value_size() == sizeof(Seen));
    std::vector<uint8_t> v(sizeof(Seen));
    REQUIRE(m.lookup(bytes_of(uint32_t(0)), v) == 0);
    Seen s;
    std::memcpy(&s, v.data(), sizeof s);
    return s;
}

void clear_seen(Object& object) {
    REQUIRE(map_of(object, "seen").update(bytes_of(uint32_t(0)), std::vector<uint8_t>(sizeof(Seen), 0), BPF_ANY) ==
            0);
}

} // namespace

TEST_CASE("sock fields: a full socket's struct bpf_sock on both engines", "[object][sockets]") {
    Object object = open_object("tc_sock_fields");
    auto sockets = std::make_shared<SocketTable>();
    object.set_socket_table(sockets);
    Program full = program_of(object, "full");

    SocketSpec tcp;
    tcp.state = kTcpEstablished;
    tcp.local = SocketEndpoint::v4(kServer, 443);
    tcp.remote = SocketEndpoint::v4(kClient, 0xa1b2);
    tcp.mark = 0xdeadbeef;
    tcp.priority = 5;
    tcp.rx_queue_mapping = 2;
    REQUIRE(sockets->add(tcp));
    SocketSpec dns;
    dns.protocol = SocketProtocol::Udp;
    dns.ipv6 = true;
    dns.local = SocketEndpoint::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53}, 53);
    REQUIRE(sockets->add(dns));
    const std::array<uint8_t, 16> peer6{0xfe, 0x80, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};

    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            SkbPacket skb;
            clear_seen(object);
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 0xa1b2, kServer, 443)));
            REQUIRE(run(full, skb, engine) == 1);
            Seen s = seen_of(object);
            CHECK(s.found == 1);
            CHECK(s.whole.bound_dev_if == 0);
            CHECK(s.whole.family == AF_INET);
            CHECK(s.whole.type == SOCK_STREAM);
            CHECK(s.whole.protocol == IPPROTO_TCP);
            CHECK(s.whole.mark == 0xdeadbeef);
            CHECK(s.whole.priority == 5);
            CHECK(s.whole.src_ip4 == be32(kServer));
            CHECK(s.whole.src_port == 443);
            CHECK(s.whole.dst_port == htons(0xa1b2));
            CHECK(s.whole.dst_ip4 == be32(kClient));
            CHECK(s.whole.state == kTcpEstablished);
            CHECK(s.whole.rx_queue_mapping == 2);
            for (int i = 0; i < 4; ++i) CHECK((s.whole.src_ip6[i] | s.whole.dst_ip6[i]) == 0);
            CHECK(s.state_u8 == kTcpEstablished);
            CHECK(s.family_u16 == AF_INET);
            CHECK(s.src_ip4_byte1 == kServer[1]);
            CHECK(s.dst_port_word == htons(0xa1b2)); // zero-extended, as the kernel's u16 load
            CHECK(s.dst_port_byte1 == 0xb2);         // network order: low byte second
            CHECK(s.type_u8 == SOCK_STREAM);

            // An unconnected IPv6 UDP socket: no remote end, state TCP_CLOSE, no queue.
            clear_seen(object);
            REQUIRE(skb.load(ipv6_frame(IPPROTO_UDP, peer6, 5353, dns.local.addr, 53)));
            REQUIRE(run(full, skb, engine) == 1);
            s = seen_of(object);
            CHECK(s.whole.family == AF_INET6);
            CHECK(s.whole.type == SOCK_DGRAM);
            CHECK(s.whole.protocol == IPPROTO_UDP);
            CHECK(s.whole.state == kTcpClose);
            CHECK(s.whole.src_port == 53);
            CHECK(s.whole.dst_port == 0);
            CHECK(std::memcmp(s.whole.src_ip6, dns.local.addr.data(), 16) == 0);
            CHECK(s.whole.src_ip4 == 0);
            CHECK(s.whole.rx_queue_mapping == -1);
            CHECK(s.dst_ip6_half1 == 0);

            // No socket for the tuple: NULL, nothing read.
            clear_seen(object);
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 1, kServer, 444)));
            CHECK(run(full, skb, engine) == 0);
            CHECK(seen_of(object).found == 0);
        }
    }
}

TEST_CASE("sock fields: a sock_common of a time-wait socket", "[object][sockets]") {
    Object object = open_object("tc_sock_fields");
    auto sockets = std::make_shared<SocketTable>();
    object.set_socket_table(sockets);
    Program common = program_of(object, "common");
    Program full = program_of(object, "full");
    SocketSpec tw;
    tw.state = kTcpTimeWait;
    tw.local = SocketEndpoint::v4(kServer, 80);
    tw.remote = SocketEndpoint::v4(kClient, 40002);
    REQUIRE(sockets->add(tw));
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            SkbPacket skb;
            clear_seen(object);
            REQUIRE(skb.load(ipv4_frame(IPPROTO_TCP, kClient, 40002, kServer, 80)));
            CHECK(run(full, skb, engine) == 0); // sk_lookup_tcp does not return time-wait sockets
            REQUIRE(run(common, skb, engine) == 1);
            Seen s = seen_of(object);
            CHECK(s.found == 2);
            CHECK(s.whole.family == AF_INET);
            CHECK(s.whole.state == kTcpTimeWait);
            CHECK(s.state_u8 == kTcpTimeWait);
            CHECK(s.whole.src_ip4 == be32(kServer));
            CHECK(s.whole.src_port == 80);
            CHECK(s.whole.dst_port == htons(40002));
            CHECK(s.whole.dst_ip4 == be32(kClient));
            CHECK(s.whole.rx_queue_mapping == -1);
        }
    }
}
