#include <arpa/inet.h>
#include <linux/bpf.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "helper_test_support.hpp"
#include "helpers/checksum.hpp"
#include "ebpfjit/skb_packet.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

constexpr size_t kIp = 14, kTcp = 34;
constexpr size_t kIpCsum = kIp + 10, kIpDst = kIp + 16, kTcpCsum = kTcp + 16, kTcpDport = kTcp + 2;

// RFC 1071 from scratch, over big-endian 16-bit words.
uint16_t rfc1071(const std::vector<uint8_t>& bytes, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += uint32_t(bytes[i] << 8 | bytes[i + 1]);
    if (bytes.size() & 1) sum += uint32_t(bytes.back() << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }

uint16_t ip_checksum(const uint8_t* pkt) {
    std::vector<uint8_t> h(pkt + kIp, pkt + kIp + 20);
    h[10] = h[11] = 0;
    return rfc1071(h);
}

uint16_t tcp_checksum(const uint8_t* pkt, size_t len) {
    std::vector<uint8_t> seg(pkt + kTcp, pkt + len);
    seg[16] = seg[17] = 0;
    uint32_t pseudo = get16(pkt + kIp + 12) + get16(pkt + kIp + 14) + get16(pkt + kIp + 16) +
                      get16(pkt + kIp + 18) + 6 + uint32_t(seg.size());
    return rfc1071(seg, pseudo);
}

// Ethernet + IPv4 + TCP (20-byte header) + 6 bytes of payload, checksums correct.
std::vector<uint8_t> tcp_packet() {
    std::vector<uint8_t> p(kTcp + 26, 0);
    p[12] = 0x08;
    p[kIp] = 0x45;
    put16(&p[kIp + 2], 46);
    p[kIp + 8] = 64;
    p[kIp + 9] = 6;
    const uint8_t src[4] = {192, 168, 1, 10}, dst[4] = {10, 0, 0, 1};
    std::memcpy(&p[kIp + 12], src, 4);
    std::memcpy(&p[kIp + 16], dst, 4);
    put16(&p[kTcp], 40000);
    put16(&p[kTcp + 2], 80);
    p[kTcp + 12] = 0x50;
    std::memcpy(&p[kTcp + 20], "hello!", 6);
    put16(&p[kIpCsum], ip_checksum(p.data()));
    put16(&p[kTcpCsum], tcp_checksum(p.data(), p.size()));
    return p;
}

struct Skb {
    runtime::SkbPacket skb;
    explicit Skb(const std::vector<uint8_t>& frame, runtime::SkbMetadata meta = {}) {
        REQUIRE(skb.load(frame, meta));
    }
    uint64_t ctx() { return skb.ctx_address(); }
    uint8_t* data() { return skb.bytes().data(); }
};

} // namespace

TEST_CASE("skb_load_bytes copies from the whole packet", "[helpers][skb]") {
    auto frame = tcp_packet();
    runtime::SkbMetadata meta;
    meta.linear_length = 20; // non-linear: the helper still reads everything
    Skb s(frame, meta);
    uint8_t buf[6];
    CHECK(call(BPF_FUNC_skb_load_bytes, s.ctx(), kTcp + 20, addr(buf), 6) == 0);
    CHECK(std::memcmp(buf, "hello!", 6) == 0);
    std::memset(buf, 0xee, sizeof buf);
    CHECK(as_long(call(BPF_FUNC_skb_load_bytes, s.ctx(), frame.size() - 5, addr(buf), 6)) == -EFAULT);
    for (uint8_t b : buf) CHECK(b == 0);
    CHECK(as_long(call(BPF_FUNC_skb_load_bytes, s.ctx(), uint64_t(INT_MAX) + 1, addr(buf), 1)) == -EFAULT);
}

TEST_CASE("skb_store_bytes writes, pulls and honours its flags", "[helpers][skb]") {
    auto frame = tcp_packet();
    runtime::SkbMetadata meta;
    meta.hash = 0x1234;
    meta.linear_length = 14;
    Skb s(frame, meta);
    const uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
    CHECK(call(BPF_FUNC_skb_store_bytes, s.ctx(), 20, addr(mac), 6, 0) == 0);
    CHECK(std::memcmp(s.data() + 20, mac, 6) == 0);
    CHECK(s.skb.linear_length() == 26); // made writable = pulled into the linear part
    CHECK(s.skb.ctx()->uapi.hash == 0x1234);
    CHECK(call(BPF_FUNC_skb_store_bytes, s.ctx(), 0, addr(mac), 6, BPF_F_INVALIDATE_HASH) == 0);
    CHECK(s.skb.ctx()->uapi.hash == 0);
    CHECK(as_long(call(BPF_FUNC_skb_store_bytes, s.ctx(), 0, addr(mac), 6, 4)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_store_bytes, s.ctx(), frame.size() - 2, addr(mac), 6, 0)) == -EFAULT);
    CHECK(as_long(call(BPF_FUNC_skb_store_bytes, s.ctx(), uint64_t(INT_MAX) + 1, addr(mac), 1, 0)) == -EFAULT);
}

TEST_CASE("skb_store_bytes with BPF_F_RECOMPUTE_CSUM keeps CHECKSUM_COMPLETE in step", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    s.skb.set_checksum_complete(helpers::csum::partial(s.data(), frame.size(), 0));
    const uint8_t odd[3] = {0xde, 0xad, 0xbe};
    CHECK(call(BPF_FUNC_skb_store_bytes, s.ctx(), 7, addr(odd), 3, BPF_F_RECOMPUTE_CSUM) == 0);
    CHECK(helpers::csum::fold(s.skb.csum()) ==
          helpers::csum::fold(helpers::csum::partial(s.data(), frame.size(), 0)));
}

TEST_CASE("l3 and l4 csum_replace keep IPv4 and TCP checksums valid", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    uint32_t old_dst, new_dst = htonl(0x0a000063); // 10.0.0.99
    std::memcpy(&old_dst, s.data() + kIpDst, 4);

    SECTION("4-byte field, pseudo header") {
        CHECK(call(BPF_FUNC_skb_store_bytes, s.ctx(), kIpDst, addr(&new_dst), 4, 0) == 0);
        CHECK(call(BPF_FUNC_l3_csum_replace, s.ctx(), kIpCsum, old_dst, new_dst, 4) == 0);
        CHECK(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, old_dst, new_dst,
                   BPF_F_PSEUDO_HDR | 4) == 0);
    }
    SECTION("2-byte field") {
        uint16_t old_port, new_port = htons(8080);
        std::memcpy(&old_port, s.data() + kTcpDport, 2);
        CHECK(call(BPF_FUNC_skb_store_bytes, s.ctx(), kTcpDport, addr(&new_port), 2, 0) == 0);
        CHECK(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, old_port, new_port, 2) == 0);
        CHECK(get16(s.data() + kTcpDport) == 8080);
    }
    SECTION("a difference from csum_diff") {
        int64_t diff = as_long(call(BPF_FUNC_csum_diff, addr(&old_dst), 4, addr(&new_dst), 4, 0));
        REQUIRE(diff >= 0);
        CHECK(call(BPF_FUNC_skb_store_bytes, s.ctx(), kIpDst, addr(&new_dst), 4, 0) == 0);
        CHECK(call(BPF_FUNC_l3_csum_replace, s.ctx(), kIpCsum, 0, diff, 0) == 0);
        CHECK(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, 0, diff, BPF_F_PSEUDO_HDR) == 0);
    }
    CHECK(get16(s.data() + kIpCsum) == ip_checksum(s.data()));
    CHECK(get16(s.data() + kTcpCsum) == tcp_checksum(s.data(), frame.size()));
}

TEST_CASE("l3/l4 csum_replace errors", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    CHECK(as_long(call(BPF_FUNC_l3_csum_replace, s.ctx(), kIpCsum, 1, 2, 3)) == -EINVAL);     // size 3
    CHECK(as_long(call(BPF_FUNC_l3_csum_replace, s.ctx(), kIpCsum, 1, 2, 0)) == -EINVAL);     // from != 0
    CHECK(as_long(call(BPF_FUNC_l3_csum_replace, s.ctx(), kIpCsum, 1, 2, 0x10 | 2)) == -EINVAL); // flags
    CHECK(as_long(call(BPF_FUNC_l3_csum_replace, s.ctx(), kIpCsum + 1, 1, 2, 2)) == -EFAULT); // odd
    CHECK(as_long(call(BPF_FUNC_l3_csum_replace, s.ctx(), frame.size(), 1, 2, 2)) == -EFAULT);
    CHECK(as_long(call(BPF_FUNC_l3_csum_replace, s.ctx(), 0x10000, 1, 2, 2)) == -EFAULT);
    CHECK(as_long(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, 1, 2, 1ull << 7)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, 1, 2, 8)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum + 1, 1, 2, 2)) == -EFAULT);
    CHECK(get16(s.data() + kIpCsum) == ip_checksum(s.data())); // nothing changed
}

TEST_CASE("l4_csum_replace with BPF_F_MARK_MANGLED_0", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    uint16_t zero = 0;
    std::memcpy(s.data() + kTcpCsum, &zero, 2); // e.g. UDP without a checksum
    CHECK(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, 1, 2, BPF_F_MARK_MANGLED_0 | 2) == 0);
    CHECK(get16(s.data() + kTcpCsum) == 0); // left alone
    CHECK(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, 0, 0,
               BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE) == 0);
    CHECK(get16(s.data() + kTcpCsum) == 0xffff); // CSUM_MANGLED_0 instead of 0
}

TEST_CASE("l4_csum_replace with a pseudo header updates CHECKSUM_COMPLETE", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    s.skb.set_checksum_complete(0x12345);
    CHECK(call(BPF_FUNC_l4_csum_replace, s.ctx(), kTcpCsum, 0, 0x100, BPF_F_PSEUDO_HDR) == 0);
    CHECK(s.skb.csum() == ~helpers::csum::add(0x100, ~0x12345u));
}

TEST_CASE("csum_diff sums ~from and to words plus the seed", "[helpers][skb]") {
    const uint32_t a[2] = {0x11112222, 0x33334444};
    const uint32_t b[1] = {0x55556666};
    uint64_t push = call(BPF_FUNC_csum_diff, 0, 0, addr(b), 4, 7);
    CHECK(helpers::csum::fold(uint32_t(push)) == helpers::csum::fold(helpers::csum::add(0x55556666, 7)));
    uint64_t d = call(BPF_FUNC_csum_diff, addr(a), 8, addr(b), 4, 0);
    uint32_t expect = helpers::csum::add(helpers::csum::add(~a[0], ~a[1]), b[0]);
    CHECK(helpers::csum::fold(uint32_t(d)) == helpers::csum::fold(expect));
    CHECK(call(BPF_FUNC_csum_diff, 0, 0, 0, 0, 0x99) == 0x99);
    CHECK(as_long(call(BPF_FUNC_csum_diff, addr(a), 6, addr(b), 4, 0)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_csum_diff, addr(a), 4, addr(b), 2, 0)) == -EINVAL);
    std::vector<uint8_t> big(516);
    CHECK(as_long(call(BPF_FUNC_csum_diff, addr(big.data()), 4, addr(big.data()), 512, 0)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_csum_diff, addr(big.data()), 256, addr(big.data()), 256, 0)) >= 0);
}

TEST_CASE("csum_update needs CHECKSUM_COMPLETE", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    CHECK(as_long(call(BPF_FUNC_csum_update, s.ctx(), 5)) == -524); // ENOTSUPP
    s.skb.set_checksum_complete(0xfffffff0);
    CHECK(call(BPF_FUNC_csum_update, s.ctx(), 0x20) == 0x11); // end-around carry
    CHECK(s.skb.csum() == 0x11);
}

TEST_CASE("skb_pull_data makes bytes linear", "[helpers][skb]") {
    auto frame = tcp_packet();
    runtime::SkbMetadata meta;
    meta.linear_length = 14;
    Skb s(frame, meta);
    auto* c = s.skb.ctx();
    CHECK(c->ptr.data_end - c->ptr.data == 14);
    CHECK(call(BPF_FUNC_skb_pull_data, s.ctx(), 0) == 0); // 0: the linear part, already there
    CHECK(c->ptr.data_end - c->ptr.data == 14);
    CHECK(call(BPF_FUNC_skb_pull_data, s.ctx(), 34) == 0);
    CHECK(c->ptr.data_end - c->ptr.data == 34);
    CHECK(call(BPF_FUNC_skb_pull_data, s.ctx(), 20) == 0); // never shrinks
    CHECK(c->ptr.data_end - c->ptr.data == 34);
    CHECK(as_long(call(BPF_FUNC_skb_pull_data, s.ctx(), frame.size() + 1)) == -ENOMEM);
    CHECK(call(BPF_FUNC_skb_pull_data, s.ctx(), frame.size()) == 0);
    CHECK(c->ptr.data_end - c->ptr.data == frame.size());
}

TEST_CASE("skb helpers' program types follow the kernel", "[helpers][skb]") {
    const auto tc = mask_of(ProgramType::SchedCls);
    CHECK(helper(BPF_FUNC_skb_load_bytes).allowed == (tc | mask_of(ProgramType::SocketFilter)));
    CHECK(helper(BPF_FUNC_skb_store_bytes).allowed == tc);
    CHECK(helper(BPF_FUNC_l3_csum_replace).allowed == tc);
    CHECK(helper(BPF_FUNC_l4_csum_replace).allowed == tc);
    CHECK(helper(BPF_FUNC_csum_update).allowed == tc);
    CHECK(helper(BPF_FUNC_skb_pull_data).allowed == tc);
    CHECK(helper(BPF_FUNC_csum_diff).allowed == (tc | mask_of(ProgramType::Xdp)));
}

TEST_CASE("during a run, skb helpers accept only the run's own skb ctx", "[helpers][skb]") {
    auto frame = tcp_packet();
    Skb s(frame);
    uint8_t buf[4];
    std::memset(buf, 0xee, sizeof buf);
    {
        RunScope run(ProgramType::SchedCls, s.skb.ctx());
        CHECK(call(BPF_FUNC_skb_load_bytes, s.ctx(), 0, addr(buf), 4) == 0);
        CHECK(as_long(call(BPF_FUNC_skb_load_bytes, addr(buf), 0, addr(buf), 4)) == -EINVAL);
        for (uint8_t b : buf) CHECK(b == 0); // cleared, as on the kernel's error path
        CHECK(as_long(call(BPF_FUNC_skb_pull_data, addr(buf), 0)) == -EINVAL);
        CHECK(as_long(call(BPF_FUNC_l3_csum_replace, addr(buf), kIpCsum, 1, 2, 2)) == -EINVAL);
    }
    {
        RunScope run(ProgramType::Xdp, s.skb.ctx());
        CHECK(as_long(call(BPF_FUNC_skb_store_bytes, s.ctx(), 0, addr(buf), 4, 0)) == -EINVAL);
    }
}
