#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <vector>

#include "ebpfjit/xdp_frame.hpp"
#include "engine_abi/ctx_layout.hpp"

using namespace ebpfjit;

namespace {

std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i + 1);
    return v;
}

// Usable room in front of a freshly loaded frame: the headroom minus struct xdp_frame.
constexpr int32_t kMaxGrowHead = int32_t(XdpFrame::kHeadroom - XdpFrame::kFrameReserve); // 216

} // namespace

TEST_CASE("an XDP frame starts at XDP_PACKET_HEADROOM with no metadata", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(100), {3, 1, 0}));
    CHECK(f.headroom() == 256);
    CHECK(f.length() == 100);
    CHECK(f.metadata().empty());
    CHECK(f.packet()[0] == 1);
    CHECK(f.ctx()->uapi.ingress_ifindex == 3);
    CHECK(f.ctx()->uapi.rx_queue_index == 1);
    CHECK(f.tailroom() == 4096 - 320 - 256 - 100);
    CHECK(XdpFrame::from_ctx(f.ctx_address()) == &f);
}

// Found by the pipeline fuzzer under UBSan: an empty span's data() is nullptr, and memcpy
// from nullptr is undefined even for 0 bytes (this test fails only in sanitizer builds).
TEST_CASE("an empty packet loads as a frame of length 0", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(std::span<const uint8_t>{}));
    CHECK(f.length() == 0);
    CHECK(f.packet().empty());
}

TEST_CASE("a frame too large for the buffer is refused", "[context][xdp]") {
    XdpFrame f(2048);
    CHECK(f.load(bytes(2048 - 256 - 320)));
    auto r = f.load(bytes(2048 - 256 - 320 + 1));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("does not fit") != std::string::npos);
}

TEST_CASE("adjust_head grows to the kernel's limit and no further", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    CHECK(f.adjust_head(-(kMaxGrowHead + 1)) == -EINVAL);
    CHECK(f.length() == 60);
    CHECK(f.adjust_head(-kMaxGrowHead) == 0);
    CHECK(f.length() == 60 + 216);
    CHECK(f.packet()[216] == 1); // the old first byte
    CHECK(f.adjust_head(-1) == -EINVAL);
}

TEST_CASE("adjust_head shrinks down to ETH_HLEN and no further", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    CHECK(f.adjust_head(60 - 13) == -EINVAL);
    CHECK(f.adjust_head(60 - 14) == 0);
    CHECK(f.length() == 14);
    CHECK(f.packet()[0] == 47);
    CHECK(f.adjust_head(1) == -EINVAL);
}

TEST_CASE("adjust_head moves the metadata with the data", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    REQUIRE(f.adjust_meta(-8) == 0);
    std::memcpy(f.metadata().data(), "METADATA", 8);
    CHECK(f.adjust_head(-(kMaxGrowHead - 8) - 1) == -EINVAL); // the metadata takes 8 bytes of room
    CHECK(f.adjust_head(-(kMaxGrowHead - 8)) == 0);
    REQUIRE(f.metadata().size() == 8);
    CHECK(std::memcmp(f.metadata().data(), "METADATA", 8) == 0);
    CHECK(f.adjust_head(20) == 0);
    CHECK(std::memcmp(f.metadata().data(), "METADATA", 8) == 0);
}

TEST_CASE("adjust_meta: at most 32 bytes, multiples of 4, not past data", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    CHECK(f.adjust_meta(-32) == 0);
    CHECK(f.metadata().size() == 32);
    CHECK(f.adjust_meta(-4) == -EACCES); // 36 bytes
    CHECK(f.adjust_meta(2) == -EACCES);  // 30 bytes
    CHECK(f.adjust_meta(32) == 0);       // back to none
    CHECK(f.adjust_meta(4) == -EINVAL);  // past data
    CHECK(f.metadata().empty());
}

TEST_CASE("adjust_meta cannot reach into struct xdp_frame", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    REQUIRE(f.adjust_head(-kMaxGrowHead) == 0);
    CHECK(f.adjust_meta(-4) == -EINVAL);
}

TEST_CASE("adjust_tail grows to the tail reserve, zero-filling, and shrinks to ETH_HLEN", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    const int32_t room = int32_t(f.tailroom());
    CHECK(room == 4096 - 320 - 256 - 60);
    CHECK(f.adjust_tail(room + 1) == -EINVAL);
    CHECK(f.adjust_tail(room) == 0);
    CHECK(f.length() == uint32_t(60 + room));
    CHECK(f.packet()[59] == 60);
    bool zeroed = true;
    for (size_t i = 60; i < f.length(); ++i) zeroed &= f.packet()[i] == 0;
    CHECK(zeroed);
    CHECK(f.adjust_tail(1) == -EINVAL);
    CHECK(f.adjust_tail(-(int32_t(f.length()) - 13)) == -EINVAL);
    CHECK(f.adjust_tail(-(int32_t(f.length()) - 14)) == 0);
    CHECK(f.length() == 14);
}

TEST_CASE("a shrunk tail that grows again is zeroed, not the old bytes", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    REQUIRE(f.adjust_tail(-10) == 0);
    REQUIRE(f.adjust_tail(10) == 0);
    CHECK(f.packet()[55] == 0);
}

TEST_CASE("moving a frame keeps its ctx pointing at it", "[context][xdp]") {
    XdpFrame a;
    REQUIRE(a.load(bytes(60)));
    XdpFrame b(std::move(a));
    CHECK(XdpFrame::from_ctx(b.ctx_address()) == &b);
    CHECK(b.length() == 60);
    std::vector<XdpFrame> frames;
    frames.emplace_back();
    frames.emplace_back();
    for (auto& f : frames) CHECK(XdpFrame::from_ctx(f.ctx_address()) == &f);
}

TEST_CASE("the frame's regions cover the ctx, its pointers and the buffer", "[context][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(60)));
    auto r = f.regions();
    CHECK(r[0].start == f.ctx_address());
    CHECK(r[0].size == sizeof(xdp_md));
    CHECK(r[1].start == f.ctx_address() + engine_abi::kXdpHostPointers);
    CHECK_FALSE(r[1].writable);
    CHECK(r[2].writable);
    CHECK(r[2].start <= reinterpret_cast<uint64_t>(f.packet().data()));
    CHECK(r[2].start + r[2].size >= reinterpret_cast<uint64_t>(f.packet().data() + f.length()));
}
