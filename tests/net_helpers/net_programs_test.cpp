// The network helpers from clang-built programs (progs/net_progs.c): verified against
// the helper table, run on the JIT and the interpreter, with and without a HostNetwork.
// Every run's `results` slots and packet must match the kernel's documented answers,
// and the two engines must agree.
#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"
#include "tests/helpers/net_test_support.hpp"

using namespace ebpfjit;
using ebpfjit::test::sample_network;
using ebpfjit::test::udp4_frame;

namespace {

constexpr int64_t kENOTSUPP = -524;

Object open_progs(std::shared_ptr<HostNetwork> network = nullptr) {
    OpenOptions options;
    options.network = std::move(network);
    auto object = Object::open(fmt::format("{}/net_progs.o", EBPFJIT_NET_PROGS_DIR), options);
    if (!object) FAIL(object.error().to_string());
    return std::move(*object);
}

Program prog(Object& object, const char* name) {
    auto p = object.program(name);
    if (!p) FAIL(p.error().to_string());
    return *p;
}

// The results map after a run; cleared before the next.
std::vector<int64_t> take_results(Object& object) {
    auto map = object.map("results");
    REQUIRE(map);
    std::vector<int64_t> out(32);
    for (uint32_t k = 0; k < 32; ++k) {
        uint8_t key[4], value[8];
        std::memcpy(key, &k, 4);
        REQUIRE(map->lookup(key, value) == 0);
        std::memcpy(&out[k], value, 8);
        std::memset(value, 0, 8);
        REQUIRE(map->update(key, value) == 0);
    }
    return out;
}

const char* name(Engine e) { return e == Engine::Jit ? "jit" : "interpreter"; }

} // namespace

TEST_CASE("tc metadata helpers from a program, both engines", "[net_helpers]") {
    Object object = open_progs();
    Program p = prog(object, "tc_meta");
    std::vector<int64_t> hashes;
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbPacket skb;
        REQUIRE(skb.load(udp4_frame(2))); // ECT(0)
        auto verdict = p.run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        const auto r = take_results(object);
        CHECK(r[0] != 0);
        hashes.push_back(r[0]);
        CHECK(r[1] == 0);
        CHECK(r[2] == 77);
        CHECK(r[3] == 0);
        CHECK(r[4] == -EINVAL);
        CHECK(r[5] == 0); // no socket
        CHECK(r[6] == 0);
        CHECK(r[7] == 0);
        CHECK(r[8] == 0); // no route
        CHECK(r[9] == 1); // init_net
        CHECK(r[10] == -EACCES);
        CHECK(r[11] == 0);
        CHECK(r[12] == 0);
        CHECK(r[13] == 1);
        CHECK((skb.bytes()[15] & 3) == 3);
        CHECK(r[14] == 0);
        CHECK(r[15] == 17);
        CHECK(r[16] == 3);

        SkbMetadata meta;
        meta.socket = SkbSocket{1234, 56, 0x10002};
        meta.route_realm = 4;
        REQUIRE(skb.load(udp4_frame(), meta));
        REQUIRE(p.run_tc(skb, RunOptions{engine}));
        const auto s = take_results(object);
        CHECK(s[5] == 1234);
        CHECK(s[6] == 56);
        CHECK(s[7] == 0x10002);
        CHECK(s[8] == 4);
        CHECK(s[13] == 0); // Not-ECT
    }
    CHECK(hashes[0] == hashes[1]);

    auto net = sample_network();
    net->set_netns_cookie(99);
    Object with_net = open_progs(net);
    Program q = prog(with_net, "tc_meta");
    SkbPacket skb;
    REQUIRE(skb.load(udp4_frame()));
    REQUIRE(q.run_tc(skb));
    CHECK(take_results(with_net)[9] == 99);
}

TEST_CASE("tc resizing helpers from a program, both engines", "[net_helpers]") {
    Object object = open_progs();
    Program p = prog(object, "tc_resize");
    const auto frame = udp4_frame();
    std::vector<std::vector<uint8_t>> outputs;
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbPacket skb;
        REQUIRE(skb.load(frame));
        auto verdict = p.run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        CHECK(verdict->code == TC_ACT_OK);
        const auto r = take_results(object);
        const int64_t len = int64_t(frame.size());
        CHECK(r[0] == 0);
        CHECK(r[1] == len + 10);
        CHECK(r[2] == 0);
        CHECK(r[3] == 0);
        CHECK(r[4] == 100);
        CHECK(r[5] == 0);
        CHECK(r[6] == len + 10 + 8 + 14);
        CHECK(r[7] == 0);
        CHECK(r[8] == kENOTSUPP);
        CHECK(r[9] == -EFAULT);
        const auto bytes = skb.bytes();
        REQUIRE(bytes.size() == frame.size() + 32);
        CHECK(bytes[0] == 0xee);
        CHECK(std::equal(frame.begin(), frame.begin() + 34, bytes.begin() + 14)); // MAC + IPv4 header
        CHECK(std::vector<uint8_t>(bytes.begin() + 48, bytes.begin() + 56) == std::vector<uint8_t>(8, 0));
        CHECK(std::equal(frame.begin() + 34, frame.end(), bytes.begin() + 56));
        CHECK(skb.ctx()->uapi.vlan_present == 0);
        outputs.emplace_back(bytes.begin(), bytes.end());
    }
    CHECK(outputs[0] == outputs[1]);
}

TEST_CASE("tunnel helpers from a program, both engines", "[net_helpers]") {
    Object object = open_progs();
    Program p = prog(object, "tc_tunnel");
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbPacket skb;
        SkbMetadata meta;
        TunnelInfo rx;
        rx.id = 500;
        rx.remote[0] = 0xc0a80001;
        meta.tunnel = rx;
        REQUIRE(skb.load(udp4_frame(), meta));
        auto verdict = p.run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        auto r = take_results(object);
        CHECK(r[0] == 0);
        CHECK(r[1] == 500);
        CHECK(r[2] == 0xc0a80001);
        CHECK(r[3] == 0);
        CHECK(r[4] == 0);
        CHECK(r[5] == 8);
        CHECK(r[6] == 8);
        REQUIRE(skb.tunnel());
        CHECK(skb.tunnel()->tx);
        CHECK(skb.tunnel()->id == 501);
        CHECK(skb.tunnel()->remote[0] == 0x0a000009);
        CHECK((skb.tunnel()->flags & 0x01) == 0); // BPF_F_ZERO_CSUM_TX
        CHECK(skb.tunnel()->options == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});

        REQUIRE(skb.load(udp4_frame()));
        REQUIRE(p.run_tc(skb, RunOptions{engine}));
        r = take_results(object);
        CHECK(r[0] == -EINVAL); // no tunnel info
        CHECK(r[1] == 0);
        CHECK(r[3] == 0);
        CHECK(skb.tunnel()->id == 1);
    }
}

TEST_CASE("XDP router: fib_lookup and check_mtu with and without a FIB, both engines", "[net_helpers]") {
    Object bare = open_progs();
    Object routed = open_progs(sample_network());
    Program plain = prog(bare, "xdp_router");
    Program router = prog(routed, "xdp_router");
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        XdpFrame frame;
        REQUIRE(frame.load(udp4_frame(), {.ingress_ifindex = 1}));
        auto v = plain.run_xdp(frame, RunOptions{engine});
        if (!v) FAIL(v.error().to_string());
        CHECK(v->action == XdpAction::Pass);
        auto r = take_results(bare);
        CHECK(r[0] == BPF_FIB_LKUP_RET_NOT_FWDED);
        CHECK(r[2] == -ENODEV);

        REQUIRE(frame.load(udp4_frame(), {.ingress_ifindex = 1}));
        v = router.run_xdp(frame, RunOptions{engine});
        REQUIRE(v);
        r = take_results(routed);
        CHECK(r[0] == BPF_FIB_LKUP_RET_SUCCESS);
        CHECK(r[1] == 2);
        CHECK(r[2] == BPF_MTU_CHK_RET_SUCCESS);
        CHECK(r[3] == 1500);
        CHECK(v->action == XdpAction::Redirect);
        CHECK(v->redirect.ifindex == 2);
        const uint8_t dmac[6] = {0xaa, 0xbb, 0xcc, 0, 0, 1}, smac[6] = {2, 0, 0, 0, 0, 2};
        CHECK(std::memcmp(frame.packet().data(), dmac, 6) == 0);
        CHECK(std::memcmp(frame.packet().data() + 6, smac, 6) == 0);

        // Too big for the egress MTU (1400): FRAG_NEEDED, passed to the stack.
        REQUIRE(frame.load(udp4_frame(0, 1400), {.ingress_ifindex = 1}));
        v = router.run_xdp(frame, RunOptions{engine});
        REQUIRE(v);
        CHECK(v->action == XdpAction::Pass);
        CHECK(take_results(routed)[0] == BPF_FIB_LKUP_RET_FRAG_NEEDED);
    }
}

TEST_CASE("tc router: fib_lookup, clone_redirect and redirect_neigh, both engines", "[net_helpers]") {
    Object bare = open_progs();
    Object routed = open_progs(sample_network());
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        SkbPacket skb;
        SkbMetadata meta;
        meta.ingress_ifindex = 1;
        REQUIRE(skb.load(udp4_frame(), meta));
        auto v = prog(bare, "tc_router").run_tc(skb, RunOptions{engine});
        if (!v) FAIL(v.error().to_string());
        CHECK(v->code == TC_ACT_OK);
        auto r = take_results(bare);
        CHECK(r[0] == BPF_FIB_LKUP_RET_NOT_FWDED);
        CHECK(r[2] == -EINVAL);
        CHECK(skb.clones().empty());

        REQUIRE(skb.load(udp4_frame(), meta));
        v = prog(routed, "tc_router").run_tc(skb, RunOptions{engine});
        REQUIRE(v);
        r = take_results(routed);
        CHECK(r[0] == BPF_FIB_LKUP_RET_SUCCESS);
        CHECK(r[1] == 1400);
        CHECK(r[2] == 0);
        CHECK(v->code == TC_ACT_REDIRECT);
        CHECK(v->outcome == TcOutcome::Redirect);
        CHECK(v->redirect.ifindex == 2);
        CHECK(v->redirect.flags == ebpfjit::kRedirectNeigh);
        REQUIRE(skb.clones().size() == 1);
        CHECK(skb.clones()[0].ifindex == 1);
        CHECK(skb.clones()[0].bytes == udp4_frame());
    }
}
