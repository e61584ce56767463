// clang -O2 -target bpf programs (programs/*.c), decoded, ctx-rewritten and run on the
// interpreter over XdpFrame / SkbPacket with the builtin helpers.
#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "isa/decoder.hpp"
#include "runtime/context/rewrite_ctx_access.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "runtime/context/verdict.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/interpreter.hpp"
#include "tests/verified_rewrite.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime;

namespace {

Interpreter load(const std::string& name, ProgramType type) {
    std::ifstream in(std::string(EBPFJIT_CLANG_PROGRAMS_DIR) + "/" + name + ".bin", std::ios::binary);
    REQUIRE(in);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto prog = isa::decode_bytes(bytes);
    if (!prog) FAIL(prog.error().to_string());
    auto rewritten = test::verified_rewrite(*prog, type);
    if (!rewritten) FAIL(rewritten.error().to_string());
    return Interpreter(*rewritten, {}, {0, type});
}

// Ethernet (dst 02:..:01, src 02:..:02) + IPv4 192.168.0.1 -> 10.0.0.2 with a valid
// header checksum, padded or cut to `len` bytes.
std::vector<uint8_t> ipv4_frame(size_t len) {
    std::vector<uint8_t> f(std::max<size_t>(len, 34), 0);
    const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
    const uint8_t ip[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 192, 168, 0, 1, 10, 0, 0, 2};
    std::memcpy(f.data(), eth, 14);
    std::memcpy(f.data() + 14, ip, 20);
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += uint32_t(ip[i] << 8 | ip[i + 1]);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    f[24] = uint8_t(~s >> 8), f[25] = uint8_t(~s);
    f.resize(len);
    return f;
}

bool ip_checksum_ok(const uint8_t* ip) {
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += uint32_t(ip[i] << 8 | ip[i + 1]);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return s == 0xffff;
}

} // namespace

TEST_CASE("clang XDP program swaps MACs and IPs and bounces the frame", "[clang][xdp]") {
    Interpreter in = load("xdp_swap", ProgramType::Xdp);
    for (uint32_t ifindex : {1u, 3u}) {
        XdpFrame f;
        REQUIRE(f.load(ipv4_frame(60), {ifindex, 0, 0}));
        engine_abi::ExecutionState state;
        auto regions = f.regions();
        auto r0 = in.run(f.ctx_address(), 0, regions, std::nullopt, state);
        if (!r0) FAIL(r0.error().to_string());
        auto v = xdp_verdict(*r0, state.redirect);
        const uint8_t* p = f.packet().data();
        CHECK(p[5] == 2);  // dst MAC is the old source
        CHECK(p[11] == 1); // src MAC is the old destination
        CHECK(p[26] == 10);
        CHECK(p[29] == 2);  // saddr = old daddr 10.0.0.2
        CHECK(p[30] == 192);
        if (ifindex == 3) {
            CHECK(v.action == XdpAction::Redirect);
            CHECK(v.redirect.ifindex == 7);
        } else {
            CHECK(v.action == XdpAction::Tx);
        }
    }
}

TEST_CASE("clang XDP program: non-IPv4 passes, runts drop", "[clang][xdp]") {
    Interpreter in = load("xdp_swap", ProgramType::Xdp);
    auto arp = ipv4_frame(60);
    arp[12] = 0x08, arp[13] = 0x06;
    XdpFrame f;
    REQUIRE(f.load(arp));
    auto regions = f.regions();
    CHECK(xdp_verdict(*in.run(f.ctx_address(), 0, regions), {}).action == XdpAction::Pass);
    XdpFrame runt;
    REQUIRE(runt.load(ipv4_frame(20)));
    auto regions2 = runt.regions();
    CHECK(xdp_verdict(*in.run(runt.ctx_address(), 0, regions2), {}).action == XdpAction::Drop);
}

TEST_CASE("clang XDP program writes metadata and trims the tail", "[clang][xdp]") {
    Interpreter in = load("xdp_meta_tail", ProgramType::Xdp);
    XdpFrame f;
    REQUIRE(f.load(ipv4_frame(200), {1, 5, 0}));
    auto regions = f.regions();
    auto r0 = in.run(f.ctx_address(), 0, regions);
    if (!r0) FAIL(r0.error().to_string());
    CHECK(*r0 == XDP_PASS);
    REQUIRE(f.metadata().size() == 4);
    uint32_t stamp;
    std::memcpy(&stamp, f.metadata().data(), 4);
    CHECK(stamp == 0x1005);
    CHECK(f.length() == 64);
}

TEST_CASE("clang tc program sets skb fields and rewrites the destination", "[clang][tc]") {
    Interpreter in = load("tc_rewrite", ProgramType::SchedCls);
    SkbPacket skb;
    SkbMetadata meta;
    meta.ingress_ifindex = 4;
    REQUIRE(skb.load(ipv4_frame(60), meta));
    engine_abi::ExecutionState state;
    auto regions = skb.regions();
    auto r0 = in.run(skb.ctx_address(), 0, regions, std::nullopt, state);
    if (!r0) FAIL(r0.error().to_string());
    CHECK(tc_verdict(*r0, state.redirect).outcome == TcOutcome::Pass);
    CHECK(skb.ctx()->uapi.mark == 0x77);
    CHECK(skb.ctx()->uapi.cb[0] == 4);
    const uint8_t* ip = skb.bytes().data() + 14;
    CHECK(ip[16] == 10);
    CHECK(ip[19] == 99);
    CHECK(ip_checksum_ok(ip));
}
