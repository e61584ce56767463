// SOCKMAP / SOCKHASH end to end (progs/tc_sockmap.c, progs/sockmap_rejects.c): a tc program
// stores skb->sk (made full with bpf_sk_fullsock) in a SOCKHASH, another looks it up and
// releases it, on the JIT and the interpreter; the embedder reads and writes the maps by
// socket cookie; the kernel's refusals, with its messages, at the refused instruction.
#include "object_test_support.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include <array>
#include <memory>

using namespace ebpfjit;
using namespace object_test;

namespace {

// progs/tc_sockmap.c's struct conn_key for a socket: its struct bpf_sock fields.
std::vector<uint8_t> conn_key(const SocketTable& table, uint64_t cookie) {
    auto sk = table.find(cookie);
    REQUIRE(sk);
    const uint32_t key[4] = {sk->fields.src_ip4, sk->fields.dst_ip4, sk->fields.src_port, sk->fields.dst_port};
    std::vector<uint8_t> out(sizeof key);
    std::memcpy(out.data(), key, sizeof key);
    return out;
}

SocketSpec tcp(uint8_t state, uint16_t local_port) {
    SocketSpec s;
    s.state = state;
    s.local = SocketEndpoint::v4({10, 0, 0, 1}, local_port);
    s.remote = SocketEndpoint::v4({192, 168, 1, 2}, 40000);
    return s;
}

int32_t run_tc(const Program& p, SkbPacket& skb, Engine engine) {
    auto r = p.run_tc(skb, RunOptions{engine});
    if (!r) FAIL(r.error().to_string());
    return r->code;
}

// An skb of `len` bytes whose socket (skb->sk) is the table's socket `cookie` (0: none).
SkbPacket skb_of(uint64_t cookie, size_t len = 64) {
    SkbPacket skb;
    SkbMetadata meta;
    if (cookie) meta.socket = SkbSocket{.cookie = cookie};
    REQUIRE(skb.load(ether_frame(ETH_P_IP, len), meta));
    return skb;
}

} // namespace

TEST_CASE("sockmap: a tc program stores skb->sk in a SOCKHASH and looks it up", "[object][sockets][sockmap]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("tc_sockmap");
            auto sockets = std::make_shared<SocketTable>();
            const uint64_t web = *sockets->add(tcp(kTcpEstablished, 80));
            const uint64_t closing = *sockets->add(tcp(kTcpTimeWait, 81));
            const uint64_t syn_sent = *sockets->add(tcp(2, 82)); // TCP_SYN_SENT
            object.set_socket_table(sockets);
            Program add = program_of(object, "add_socket");
            Program find = program_of(object, "find_socket");
            Program forget = program_of(object, "forget_socket");
            MapRef dir = map_of(object, "sock_dir");

            SkbPacket none = skb_of(0);
            CHECK(run_tc(add, none, engine) == 100);
            SkbPacket unknown = skb_of(999); // a cookie the table does not have: no skb->sk
            CHECK(run_tc(add, unknown, engine) == 100);
            SkbPacket tw = skb_of(closing);
            CHECK(run_tc(add, tw, engine) == 101); // bpf_sk_fullsock: NULL

            SkbPacket skb = skb_of(web);
            CHECK(run_tc(find, skb, engine) == 0);
            CHECK(run_tc(add, skb, engine) == 200);
            CHECK(run_tc(add, skb, engine) == 200 + EEXIST); // BPF_NOEXIST
            const auto key = conn_key(*sockets, web);
            CHECK(dir.socket_cookie(key) == web);
            std::vector<uint8_t> value(8);
            REQUIRE(dir.lookup(key, value) == 0);
            uint64_t cookie = 0;
            std::memcpy(&cookie, value.data(), 8);
            CHECK(cookie == web);
            CHECK(run_tc(find, skb, engine) == 80); // the stored socket's local port

            SkbPacket early = skb_of(syn_sent);
            CHECK(run_tc(add, early, engine) == 200 + EOPNOTSUPP); // sock_map_sk_state_allowed

            CHECK(run_tc(forget, skb, engine) == 200);
            CHECK(run_tc(forget, skb, engine) == 200 + ENOENT);
            CHECK(dir.socket_cookie(key) == 0);
            CHECK(run_tc(find, skb, engine) == 0);

            // A socket removed from the table: the entry stays, lookups give NULL.
            CHECK(run_tc(add, skb, engine) == 200);
            REQUIRE(sockets->remove(web));
            SkbPacket other = skb_of(*sockets->add(tcp(kTcpEstablished, 80)));
            CHECK(run_tc(find, other, engine) == 0);
        }
    }
}

TEST_CASE("sockmap: a looked-up socket is stored, then released (tctracer's track_sock)",
          "[object][sockets][sockmap]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("tc_sockmap");
            auto sockets = std::make_shared<SocketTable>();
            const uint64_t web = *sockets->add(tcp(kTcpEstablished, 80));
            object.set_socket_table(sockets);
            Program add = program_of(object, "add_looked_up");
            auto run = [&](uint16_t local_port) {
                SkbPacket skb = skb_of(0);
                auto& cb = skb.ctx()->uapi.cb;
                const std::array<uint8_t, 4> remote{192, 168, 1, 2}, local{10, 0, 0, 1};
                std::memcpy(&cb[0], remote.data(), 4);
                std::memcpy(&cb[1], local.data(), 4);
                cb[2] = uint32_t(htons(40000)) << 16 | htons(local_port);
                return run_tc(add, skb, engine);
            };
            CHECK(run(81) == 100);
            CHECK(run(80) == 200);
            CHECK(map_of(object, "sock_dir").socket_cookie(conn_key(*sockets, web)) == web);
        }
    }
}

TEST_CASE("sockmap: a socket filter stores skb->sk in a SOCKMAP slot", "[object][sockets][sockmap]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("tc_sockmap");
            auto sockets = std::make_shared<SocketTable>();
            SocketSpec udp;
            udp.protocol = SocketProtocol::Udp;
            udp.local = SocketEndpoint::v4({10, 0, 0, 1}, 53);
            const uint64_t dns = *sockets->add(udp);
            const uint64_t closing = *sockets->add(tcp(kTcpTimeWait, 81));
            object.set_socket_table(sockets);
            Program slot = program_of(object, "slot_socket");
            MapRef slots = map_of(object, "sock_slots");
            auto run = [&](uint64_t cookie, uint32_t index) {
                SkbPacket skb = skb_of(cookie, 300); // the verdict is r0 clamped to the length
                skb.ctx()->uapi.cb[0] = index;
                auto r = slot.run_socket_filter(skb, RunOptions{engine});
                if (!r) FAIL(r.error().to_string());
                return *r;
            };
            CHECK(run(dns, 2) == 200);
            CHECK(run(dns, 4) == 200 + E2BIG);
            CHECK(run(closing, 1) == 200 + EINVAL); // not a full socket
            CHECK(slots.socket_cookie(bytes_of(uint32_t{2})) == dns);
            std::vector<uint8_t> value(4);
            CHECK(slots.lookup(bytes_of(uint32_t{2}), value) == -ENOSPC); // value_size 4: no cookie
        }
    }
}

TEST_CASE("sockmap: the embedder updates and deletes by socket cookie", "[object][sockets][sockmap]") {
    Object object = open_object("tc_sockmap");
    auto sockets = std::make_shared<SocketTable>();
    const uint64_t web = *sockets->add(tcp(kTcpEstablished, 80));
    const uint64_t syn_sent = *sockets->add(tcp(2, 82));
    object.set_socket_table(sockets);
    MapRef dir = map_of(object, "sock_dir");
    const std::vector<uint8_t> key(16, 7);
    CHECK(dir.update(key, bytes_of(uint64_t{12345}), BPF_ANY) == -EBADF);
    CHECK(dir.update(key, bytes_of(syn_sent), BPF_ANY) == -EOPNOTSUPP);
    CHECK(dir.update(key, bytes_of(web), BPF_EXIST) == -ENOENT);
    CHECK(dir.update(key, bytes_of(web), BPF_NOEXIST) == 0);
    CHECK(dir.socket_cookie(key) == web);
    // find_socket's key is built from skb->sk: store under it and the program sees it.
    CHECK(dir.update(conn_key(*sockets, web), bytes_of(web), BPF_ANY) == 0);
    Program find = program_of(object, "find_socket");
    SkbPacket skb = skb_of(web);
    CHECK(run_tc(find, skb, Engine::Jit) == 80);
    CHECK(dir.remove(key) == 0);
    CHECK(dir.remove(key) == -ENOENT);
}

TEST_CASE("sockmap: the kernel's refusals, at the refused instruction", "[object][sockets][sockmap]") {
    Object object = open_object("sockmap_rejects");
    struct Case {
        const char* program;
        uint32_t insn; // as the kernel 6.18 log names it (clang 14 -O2)
        const char* message;
        const char* source; // what the error quotes of the source line (BTF line info), if any
    };
    const Case cases[] = {
        {"update_with_memory", 11, "R3 type=fp expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_",
         "REJECT update_with_memory"},
        {"lookup_without_release", 11, "Unreleased reference id=2 alloc_insn=6", "sockmap_rejects.c:29"},
        {"update_from_connect4", 9,
         "cannot update sockmap in this context: cannot pass map_type 18 into func bpf_map_update_elem#2",
         "REJECT update_from_connect4"},
        // Not in our helper table (the kernel: "program of this type cannot use helper").
        {"redirect_hash", 7, "unknown helper #72 (bpf_sk_redirect_hash", nullptr},
    };
    for (const Case& c : cases) {
        auto program = object.program(c.program);
        REQUIRE_FALSE(program);
        const std::string message = program.error().to_string();
        INFO(message);
        CHECK(message.find(c.message) != std::string::npos);
        CHECK(program.error().insn == c.insn);
        if (c.source) CHECK(message.find(c.source) != std::string::npos);
    }
}
