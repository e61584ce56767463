// A borrowing XdpFrame over the embedder's buffer (ebpfjit/xdp_buffer.hpp): attach checks
// the buffer, the adjust helpers' limits are the buffer's own ends (no xdp_frame or
// skb_shared_info reserve), failures leave the packet as it was, and sync() writes the
// bounds back. The engines' runs over it are tests/object/xdp_zero_copy_test.cpp.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <vector>

#include "ebpfjit/xdp_frame.hpp"

using ebpfjit::XdpBuffer;
using ebpfjit::XdpFrame;

namespace {

constexpr uint32_t kCapacity = 512;
constexpr uint32_t kHeadroom = 64;
constexpr uint32_t kLen = 60;

// The embedder's buffer: 0xEE everywhere, the packet counting up from 1.
struct Buffer {
    std::vector<uint8_t> bytes = std::vector<uint8_t>(kCapacity, 0xEE);
    XdpBuffer desc{};
    explicit Buffer(uint32_t headroom = kHeadroom, uint32_t len = kLen, uint32_t meta = 0) {
        for (uint32_t i = 0; i < len; ++i) bytes[headroom + i] = uint8_t(i + 1);
        desc = XdpBuffer{bytes.data(), kCapacity, headroom, len, meta};
    }
};

} // namespace

TEST_CASE("a borrowing frame runs on the embedder's bytes, not a copy", "[context][xdp][zero-copy]") {
    Buffer b;
    XdpFrame f = XdpFrame::borrowing();
    CHECK(f.borrows());
    REQUIRE(f.attach(b.desc, {7, 2, 0}));
    CHECK(f.packet().data() == b.bytes.data() + kHeadroom);
    CHECK(f.length() == kLen);
    CHECK(f.headroom() == kHeadroom);
    CHECK(f.tailroom() == kCapacity - kHeadroom - kLen);
    CHECK(f.frame_size() == kCapacity);
    CHECK(f.ctx()->uapi.ingress_ifindex == 7);
    CHECK(f.ctx()->uapi.rx_queue_index == 2);
    CHECK(XdpFrame::from_ctx(f.ctx_address()) == &f);
    f.packet()[0] = 0x42;
    CHECK(b.bytes[kHeadroom] == 0x42);
    // The interpreter's buffer region is the embedder's whole buffer.
    const auto regions = f.regions();
    CHECK(regions[2].start == reinterpret_cast<uint64_t>(b.bytes.data()));
    CHECK(regions[2].size == kCapacity);
}

TEST_CASE("a borrowing frame refuses a load and an owning frame refuses an attach", "[context][xdp][zero-copy]") {
    Buffer b;
    XdpFrame borrowing = XdpFrame::borrowing();
    const std::vector<uint8_t> packet(60, 1);
    auto loaded = borrowing.load(packet);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().message.find("attach") != std::string::npos);
    // Not attached: no buffer, so every adjustment fails and nothing is touched.
    CHECK(borrowing.adjust_head(-4) == -EINVAL);
    CHECK(borrowing.adjust_meta(-4) == -EINVAL);
    CHECK(borrowing.adjust_tail(4) == -EINVAL);
    CHECK(borrowing.length() == 0);

    XdpFrame owning;
    auto attached = owning.attach(b.desc);
    REQUIRE_FALSE(attached);
    CHECK(attached.error().message.find("owns") != std::string::npos);
}

TEST_CASE("attach checks the buffer's fields against each other", "[context][xdp][zero-copy]") {
    Buffer b;
    XdpFrame f = XdpFrame::borrowing();
    auto refused = [&](XdpBuffer desc, const char* says) {
        auto attached = f.attach(desc);
        REQUIRE_FALSE(attached);
        INFO(attached.error().message);
        CHECK(attached.error().message.find(says) != std::string::npos);
    };
    refused(XdpBuffer{nullptr, kCapacity, 0, 0, 0}, "no base");
    refused(XdpBuffer{b.bytes.data(), kCapacity, kCapacity - 10, 11, 0}, "overruns");
    refused(XdpBuffer{b.bytes.data(), kCapacity, 0xFFFFFFFFu, 2, 0}, "overruns"); // no u32 wrap
    refused(XdpBuffer{b.bytes.data(), kCapacity, 8, kLen, 12}, "larger than its headroom");
    refused(XdpBuffer{b.bytes.data(), kCapacity, kHeadroom, kLen, 6}, "multiple of 4");
    refused(XdpBuffer{b.bytes.data(), kCapacity, kHeadroom, kLen, 36}, "at most 32");
    // The edges themselves are fine: the packet up to the last byte, metadata filling the headroom.
    XdpBuffer at_end{b.bytes.data(), kCapacity, kCapacity - kLen, kLen, 0};
    CHECK(f.attach(at_end));
    XdpBuffer full_meta{b.bytes.data(), kCapacity, 32, kLen, 32};
    CHECK(f.attach(full_meta));
    CHECK(f.metadata().size() == 32);
    CHECK(f.metadata().data() == b.bytes.data());
}

TEST_CASE("adjust_head within the embedder's buffer: down to its first byte, up to ETH_HLEN",
          "[context][xdp][zero-copy]") {
    Buffer b;
    XdpFrame f = XdpFrame::borrowing();
    REQUIRE(f.attach(b.desc));
    CHECK(f.adjust_head(-int32_t(kHeadroom) - 1) == -EINVAL); // one byte before the buffer
    CHECK(f.length() == kLen);
    REQUIRE(f.adjust_head(-int32_t(kHeadroom)) == 0);
    CHECK(f.packet().data() == b.bytes.data());
    CHECK(f.length() == kLen + kHeadroom);
    f.sync();
    CHECK(b.desc.headroom == 0);
    CHECK(b.desc.length == kLen + kHeadroom);
    REQUIRE(f.adjust_head(int32_t(kHeadroom + kLen - XdpFrame::kEthHeaderLen)) == 0);
    CHECK(f.length() == XdpFrame::kEthHeaderLen);
    CHECK(f.adjust_head(1) == -EINVAL);
    f.sync();
    CHECK(b.desc.headroom == kHeadroom + kLen - XdpFrame::kEthHeaderLen);
    CHECK(b.desc.length == XdpFrame::kEthHeaderLen);
}

TEST_CASE("adjust_head carries the metadata and keeps room for it", "[context][xdp][zero-copy]") {
    Buffer b(kHeadroom, kLen, 8);
    const uint8_t meta[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    std::memcpy(b.bytes.data() + kHeadroom - 8, meta, sizeof meta);
    XdpFrame f = XdpFrame::borrowing();
    REQUIRE(f.attach(b.desc));
    CHECK(f.adjust_head(-int32_t(kHeadroom - 8) - 1) == -EINVAL); // the metadata would leave the buffer
    REQUIRE(f.adjust_head(-int32_t(kHeadroom - 8)) == 0);
    f.sync();
    CHECK(b.desc.headroom == 8);
    CHECK(b.desc.meta_length == 8);
    CHECK(std::memcmp(b.bytes.data(), meta, sizeof meta) == 0); // moved to the buffer's start
}

TEST_CASE("adjust_meta within the embedder's buffer: 32 bytes, multiples of 4, not before its start",
          "[context][xdp][zero-copy]") {
    {
        Buffer b;
        XdpFrame f = XdpFrame::borrowing();
        REQUIRE(f.attach(b.desc));
        CHECK(f.adjust_meta(-36) == -EACCES);
        CHECK(f.adjust_meta(-6) == -EACCES);
        CHECK(f.adjust_meta(4) == -EINVAL); // past data
        REQUIRE(f.adjust_meta(-32) == 0);
        f.sync();
        CHECK(b.desc.meta_length == 32);
        CHECK(b.desc.headroom == kHeadroom);
    }
    {
        Buffer b(16); // less headroom than the metadata's limit: the buffer's start is the limit
        XdpFrame f = XdpFrame::borrowing();
        REQUIRE(f.attach(b.desc));
        CHECK(f.adjust_meta(-20) == -EINVAL);
        CHECK(f.metadata().empty());
        REQUIRE(f.adjust_meta(-16) == 0);
        CHECK(f.metadata().data() == b.bytes.data());
    }
}

TEST_CASE("adjust_tail within the embedder's buffer: to its last byte, zeroing what it grows",
          "[context][xdp][zero-copy]") {
    Buffer b;
    XdpFrame f = XdpFrame::borrowing();
    REQUIRE(f.attach(b.desc));
    const int32_t room = int32_t(kCapacity - kHeadroom - kLen);
    CHECK(f.adjust_tail(room + 1) == -EINVAL);
    CHECK(b.bytes[kHeadroom + kLen] == 0xEE); // a refused grow touches nothing
    REQUIRE(f.adjust_tail(room) == 0);
    CHECK(f.tailroom() == 0);
    for (uint32_t i = kHeadroom + kLen; i < kCapacity; ++i) REQUIRE(b.bytes[i] == 0);
    CHECK(f.adjust_tail(-int32_t(kLen + room - XdpFrame::kEthHeaderLen) - 1) == -EINVAL);
    REQUIRE(f.adjust_tail(-int32_t(kLen + room - XdpFrame::kEthHeaderLen)) == 0);
    f.sync();
    CHECK(b.desc.length == XdpFrame::kEthHeaderLen);
    CHECK(b.desc.headroom == kHeadroom);
}
