// Packet programs run end to end on the reference interpreter: ctx rewrite, contexts,
// helpers from the builtin table, verdicts.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cstring>
#include <string>
#include <vector>

#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"
#include "runtime/context/rewrite_ctx_access.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "runtime/context/verdict.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map_factory.hpp"
#include "tests/verified_rewrite.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime;

namespace {

isa::Program load(const std::string& text, ProgramType type) {
    auto p = isa::assemble(text);
    if (!p) FAIL(p.error().to_string());
    auto r = test::verified_rewrite(*p, type);
    if (!r) FAIL(r.error().to_string());
    return *r;
}

struct XdpRun {
    uint64_t r0;
    XdpVerdict verdict;
};

XdpRun run_xdp(const std::string& text, XdpFrame& frame, helpers::ProgramBindings bindings = {}) {
    Interpreter in(load(text, ProgramType::Xdp), std::move(bindings), {0, ProgramType::Xdp});
    engine_abi::ExecutionState state;
    auto regions = frame.regions();
    auto r0 = in.run(frame.ctx_address(), 0, regions, std::nullopt, state);
    if (!r0) FAIL(r0.error().to_string());
    return {*r0, xdp_verdict(*r0, state.redirect)};
}

std::vector<uint8_t> frame_bytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i);
    return v;
}

// An XDP frame holding frame_bytes(n).
XdpFrame frame_of(size_t n, const XdpRxInfo& rx = {}) {
    XdpFrame f;
    REQUIRE(f.load(frame_bytes(n), rx));
    return f;
}

} // namespace

TEST_CASE("XDP: bounds check with data/data_end, rewrite a byte, XDP_TX", "[context][e2e]") {
    const std::string prog = R"(
        ldxw %r2, [%r1+4]
        ldxw %r1, [%r1+0]
        mov %r3, %r1
        add %r3, 14
        jgt %r3, %r2, drop
        stb [%r1+0], 0xaa
        mov %r0, 3
        exit
    drop:
        mov %r0, 1
        exit
    )";
    XdpFrame f = frame_of(60);
    auto r = run_xdp(prog, f);
    CHECK(r.verdict.action == XdpAction::Tx);
    CHECK(f.packet()[0] == 0xaa);

    XdpFrame small = frame_of(10);
    CHECK(run_xdp(prog, small).verdict.action == XdpAction::Drop);
    CHECK(small.packet()[0] == 0);
}

TEST_CASE("XDP: grow the head for an outer header, pointers re-read after the helper", "[context][e2e]") {
    const std::string prog = R"(
        mov %r6, %r1
        mov %r2, -8
        call 44
        jne %r0, 0, drop
        ldxw %r2, [%r6+4]
        ldxw %r1, [%r6+0]
        mov %r3, %r1
        add %r3, 8
        jgt %r3, %r2, drop
        stdw [%r1+0], 0x11223344
        mov %r0, 2
        exit
    drop:
        mov %r0, 1
        exit
    )";
    XdpFrame f = frame_of(60);
    auto r = run_xdp(prog, f);
    CHECK(r.verdict.action == XdpAction::Pass);
    REQUIRE(f.length() == 68);
    uint64_t outer;
    std::memcpy(&outer, f.packet().data(), 8);
    CHECK(outer == 0x11223344);
    CHECK(f.packet()[8] == 0); // the old first byte follows the new header
    CHECK(f.packet()[9] == 1);
}

TEST_CASE("XDP: shrink the tail and report the new length", "[context][e2e]") {
    const std::string prog = R"(
        mov %r6, %r1
        mov %r2, -20
        call 65
        jne %r0, 0, drop
        ldxw %r2, [%r6+4]
        ldxw %r1, [%r6+0]
        mov %r0, %r2
        sub %r0, %r1
        exit
    drop:
        mov %r0, 0
        exit
    )";
    XdpFrame f = frame_of(60);
    CHECK(run_xdp(prog, f).r0 == 40);
    XdpFrame tiny = frame_of(30);
    CHECK(run_xdp(prog, tiny).r0 == 0); // 10 bytes would be under ETH_HLEN: -EINVAL
}

TEST_CASE("XDP: bpf_redirect reaches the verdict", "[context][e2e]") {
    XdpFrame f = frame_of(60, {1, 0, 0});
    auto r = run_xdp(R"(
        mov %r1, 9
        mov %r2, 0
        call 23
        exit
    )", f);
    CHECK(r.verdict.action == XdpAction::Redirect);
    CHECK(r.verdict.redirect.ifindex == 9);
}

TEST_CASE("XDP: bpf_redirect_map over a DEVMAP picks the slot's port", "[context][e2e]") {
    maps::MapDefinition def;
    def.type = BPF_MAP_TYPE_DEVMAP;
    def.key_size = 4;
    def.value_size = 4;
    def.max_entries = 4;
    def.name = "ports";
    auto devmap = maps::create_map(def);
    REQUIRE(devmap);
    uint32_t key = 2, port = 42;
    REQUIRE((*devmap)->update(&key, &port, BPF_ANY) == 0);
    helpers::ProgramBindings b;
    b.maps.push_back({devmap->get(), nullptr, 0});

    // The queue index picks the slot; an empty slot falls back to XDP_PASS.
    const std::string prog = R"(
        ldxw %r2, [%r1+16]
        lddw %r1, 0
        mov %r3, 2
        call 51
        exit
    )";
    auto p = isa::assemble(prog);
    REQUIRE(p);
    std::get<isa::LoadImm64>(p->insns[1]).kind = isa::LddwKind::MapFd; // map 0
    auto rewritten = test::verified_rewrite(*p, ProgramType::Xdp, verifier::Level::Full, {def});
    if (!rewritten) FAIL(rewritten.error().to_string());
    Interpreter in(*rewritten, b, {0, ProgramType::Xdp});

    for (uint32_t queue : {2u, 1u}) {
        XdpFrame f = frame_of(60, {1, queue, 0});
        engine_abi::ExecutionState state;
        auto regions = f.regions();
        auto r0 = in.run(f.ctx_address(), 0, regions, std::nullopt, state);
        REQUIRE(r0);
        auto v = xdp_verdict(*r0, state.redirect);
        if (queue == 2) {
            CHECK(v.action == XdpAction::Redirect);
            CHECK(v.redirect.ifindex == 42);
        } else {
            CHECK(v.action == XdpAction::Pass);
        }
    }
}

TEST_CASE("tc: set the mark, rewrite the IPv4 destination with a checksum fix", "[context][e2e]") {
    // Ethernet + 20-byte IPv4 header with a correct checksum.
    std::vector<uint8_t> frame(34, 0);
    frame[12] = 0x08;
    const uint8_t ip[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    std::memcpy(&frame[14], ip, 20);
    auto ip_sum = [](const uint8_t* h) {
        uint32_t s = 0;
        for (int i = 0; i < 20; i += 2)
            if (i != 10) s += uint32_t(h[i] << 8 | h[i + 1]);
        while (s >> 16) s = (s & 0xffff) + (s >> 16);
        return uint16_t(~s);
    };
    const uint16_t sum = ip_sum(&frame[14]);
    frame[24] = uint8_t(sum >> 8), frame[25] = uint8_t(sum);

    // new daddr 10.0.0.99 at offset 30; old value loaded with skb_load_bytes.
    const std::string prog = R"(
        mov %r6, %r1
        stw [%r6+8], 7
        mov %r1, %r6
        mov %r2, 30
        mov %r3, %r10
        add %r3, -8
        mov %r4, 4
        call 26
        jne %r0, 0, shot
        stw [%r10-4], 0x6300000a
        mov %r1, %r6
        mov %r2, 30
        mov %r3, %r10
        add %r3, -4
        mov %r4, 4
        mov %r5, 0
        call 9
        jne %r0, 0, shot
        mov %r1, %r6
        mov %r2, 24
        ldxw %r3, [%r10-8]
        ldxw %r4, [%r10-4]
        mov %r5, 4
        call 10
        jne %r0, 0, shot
        mov %r0, 0
        exit
    shot:
        mov %r0, 2
        exit
    )";
    SkbPacket skb;
    REQUIRE(skb.load(frame));
    Interpreter in(load(prog, ProgramType::SchedCls), {}, {0, ProgramType::SchedCls});
    engine_abi::ExecutionState state;
    auto regions = skb.regions();
    auto r0 = in.run(skb.ctx_address(), 0, regions, std::nullopt, state);
    if (!r0) FAIL(r0.error().to_string());
    CHECK(tc_verdict(*r0, state.redirect).outcome == TcOutcome::Pass);
    CHECK(skb.ctx()->uapi.mark == 7);
    const uint8_t* h = skb.bytes().data() + 14;
    CHECK(h[19] == 99);
    CHECK(uint16_t(h[10] << 8 | h[11]) == ip_sum(h));
}

TEST_CASE("socket filter: LD_ABS on the ethertype keeps IPv4, drops the rest", "[context][e2e]") {
    const std::string prog = R"(
        mov %r6, %r1
        ldabsh 12
        jne %r0, 0x0800, drop
        ldxw %r0, [%r6+0]
        exit
    drop:
        mov %r0, 0
        exit
    )";
    Interpreter in(load(prog, ProgramType::SocketFilter), {}, {0, ProgramType::SocketFilter});
    for (uint8_t hi : {uint8_t(0x08), uint8_t(0x86)}) {
        std::vector<uint8_t> frame(60, 0);
        frame[12] = hi;
        SkbPacket skb;
        REQUIRE(skb.load(frame));
        auto regions = skb.regions();
        const MemoryRegion packet{reinterpret_cast<uint64_t>(skb.bytes().data()), skb.length(), false};
        auto r0 = in.run(skb.ctx_address(), 0, regions, packet);
        REQUIRE(r0);
        CHECK(socket_filter_keep_bytes(*r0, skb.length()) == (hi == 0x08 ? 60u : 0u));
    }
}
