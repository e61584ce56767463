// What a program reads through a looked-up socket: the uapi struct bpf_sock
// (<linux/bpf.h>), filled from the embedder's SocketSpec as the kernel's
// bpf_sock_convert_ctx_access reads a struct sock, and the guest memory that makes it
// readable (read-only) from the lookup until the run's last reference is released.
#include "helper_test_support.hpp"

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <sys/socket.h>

#include <cstring>

#include "ebpfjit/skb_packet.hpp"
#include "engine_abi/guest_memory.hpp"
#include "helpers/helper_checks.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

const helpers::Helper& builtin(int32_t id) {
    const helpers::Helper* h = helpers::HelperTable::builtin().find(id);
    REQUIRE(h);
    return *h;
}

// Calls the helper and records its result in `memory`, as both engines do after a call.
uint64_t call_recorded(engine_abi::GuestMemory& memory, int32_t id, helpers::HelperArgs args) {
    const helpers::Helper& h = builtin(id);
    const uint64_t r0 = h.fn(args[0], args[1], args[2], args[3], args[4]);
    helpers::record_helper_result(h, args, r0, memory, helpers::ProgramBindings{});
    return r0;
}

uint32_t be32(std::array<uint8_t, 4> a) {
    uint32_t v;
    std::memcpy(&v, a.data(), 4);
    return v;
}

} // namespace

TEST_CASE("struct bpf_sock of a socket: the kernel's field values", "[helpers][sockets]") {
    SocketSpec tcp;
    tcp.state = kTcpEstablished;
    tcp.local = SocketEndpoint::v4({10, 0, 0, 1}, 80);
    tcp.remote = SocketEndpoint::v4({192, 168, 1, 2}, 40000);
    tcp.mark = 0x77;
    tcp.priority = 6;
    tcp.rx_queue_mapping = 3;
    const Socket s(tcp);
    const auto* raw = reinterpret_cast<const bpf_sock*>(s.guest_address());
    CHECK(raw->bound_dev_if == 0);
    CHECK(raw->family == AF_INET);
    CHECK(raw->type == SOCK_STREAM);
    CHECK(raw->protocol == IPPROTO_TCP);
    CHECK(raw->mark == 0x77);
    CHECK(raw->priority == 6);
    CHECK(raw->src_ip4 == be32({10, 0, 0, 1}));
    CHECK(raw->src_port == 80);             // host byte order
    CHECK(raw->dst_port == htons(40000));   // network byte order
    CHECK(raw->dst_ip4 == be32({192, 168, 1, 2}));
    CHECK(raw->state == kTcpEstablished);
    CHECK(raw->rx_queue_mapping == 3);
    for (int i = 0; i < 4; ++i) CHECK((raw->src_ip6[i] | raw->dst_ip6[i]) == 0);
    uint16_t padding;
    std::memcpy(&padding, reinterpret_cast<const uint8_t*>(raw) + offsetof(bpf_sock, dst_port) + 2, 2);
    CHECK(padding == 0); // a 4-byte dst_port load reads the port zero-extended, as the kernel's

    SocketSpec udp6;
    udp6.protocol = SocketProtocol::Udp;
    udp6.ipv6 = true;
    udp6.local.addr[15] = 1; // ::1
    udp6.local.port = 53;
    const Socket u(udp6);
    const auto* r6 = reinterpret_cast<const bpf_sock*>(u.guest_address());
    CHECK(r6->family == AF_INET6);
    CHECK(r6->type == SOCK_DGRAM);
    CHECK(r6->protocol == IPPROTO_UDP);
    CHECK(r6->state == kTcpClose); // bound, not connected
    CHECK(r6->src_ip6[3] == htonl(1));
    CHECK(r6->src_ip4 == 0);
    CHECK(r6->dst_port == 0);
    CHECK(r6->rx_queue_mapping == -1); // none recorded
    udp6.remote = SocketEndpoint::v6(udp6.local.addr, 5353);
    CHECK(reinterpret_cast<const bpf_sock*>(Socket(udp6).guest_address())->state == kTcpEstablished);
}

TEST_CASE("a held socket's fields are read-only guest memory until its last release", "[helpers][sockets]") {
    SocketTable table;
    SocketSpec web;
    web.state = kTcpListen;
    web.local = SocketEndpoint::v4({0, 0, 0, 0}, 80);
    REQUIRE(table.add(web));
    runtime::SkbPacket skb;
    REQUIRE(skb.load(std::vector<uint8_t>(60, 0)));
    RunScope scope(ProgramType::SchedCls, skb.ctx());
    scope.state().sockets = &table;
    engine_abi::GuestMemory memory(0, {});
    std::array<uint8_t, 12> t{1, 2, 3, 4, 5, 6, 7, 8, 0x03, 0xe8, 0, 80};
    const helpers::HelperArgs lookup{skb.ctx_address(), addr(t.data()), 12, uint64_t(-1), 0};

    const uint64_t a = call_recorded(memory, BPF_FUNC_sk_lookup_tcp, lookup);
    const uint64_t b = call_recorded(memory, BPF_FUNC_skc_lookup_tcp, lookup);
    REQUIRE(a != 0);
    CHECK(a == b); // one socket, two references
    CHECK(memory.allows(a, sizeof(bpf_sock), false));
    CHECK_FALSE(memory.allows(a, sizeof(bpf_sock) + 1, false));
    CHECK_FALSE(memory.allows(a, 4, true)); // struct bpf_sock is read-only
    CHECK(call_recorded(memory, BPF_FUNC_sk_release, {a, 0, 0, 0, 0}) == 0);
    CHECK(memory.allows(a, 4, false)); // the second reference still holds it
    CHECK(call_recorded(memory, BPF_FUNC_sk_release, {b, 0, 0, 0, 0}) == 0);
    CHECK_FALSE(memory.allows(a, 4, false));
    // A failed release withdraws nothing (its argument may be any region).
    std::array<uint8_t, 16> other{};
    memory.add_dynamic(addr(other.data()), other.size(), true);
    CHECK(int64_t(call_recorded(memory, BPF_FUNC_sk_release, {addr(other.data()), 0, 0, 0, 0})) < 0);
    CHECK(memory.allows(addr(other.data()), other.size(), true));
}
