// XDP over the embedder's own buffers (zero copy: ebpfjit/xdp_buffer.hpp) through
// Program::run_xdp / run_xdp_burst, on both engines and on each native path (lean code,
// scoped code with helpers and tail calls, checked code): the program changes the
// embedder's bytes in place, adjust_head/meta/tail work up to the buffer's own ends and
// fail one byte past them, each buffer's bounds come back, verdicts and redirects are per
// frame, and a bad buffer stops the burst naming its frame.
#include <algorithm>

#include "object_test_support.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

constexpr uint32_t kCapacity = 512;
constexpr uint32_t kHeadroom = 64;
constexpr uint32_t kLen = 60;
constexpr uint8_t kFill = 0xEE; // the embedder's bytes outside the packet

// One embedder buffer per frame, 0xEE outside the packet.
struct Pool {
    std::vector<std::vector<uint8_t>> slots;
    std::vector<XdpBuffer> buffers;
    void add(const std::vector<uint8_t>& packet, uint32_t headroom = kHeadroom, uint32_t capacity = kCapacity) {
        std::vector<uint8_t> slot(capacity, kFill);
        std::copy(packet.begin(), packet.end(), slot.begin() + headroom);
        // (Moving a slot into `slots` keeps its bytes where they are.)
        buffers.push_back(XdpBuffer{slot.data(), capacity, headroom, uint32_t(packet.size()), 0});
        slots.push_back(std::move(slot));
    }
    uint8_t* packet(size_t i) { return buffers[i].base + buffers[i].headroom; }
};

std::vector<uint8_t> command(uint8_t op, int16_t delta) { return xdp_adjust_command(op, delta, kLen); }

struct Outcome {
    XdpAction action;
    XdpBuffer after;
    std::vector<uint8_t> slot;
};

Outcome adjust(const Program& program, Engine engine, uint8_t op, int16_t delta, uint32_t headroom = kHeadroom) {
    Pool pool;
    pool.add(command(op, delta), headroom);
    auto verdict = program.run_xdp(pool.buffers[0], {}, RunOptions{engine});
    if (!verdict) FAIL(verdict.error().to_string());
    return {verdict->action, pool.buffers[0], pool.slots[0]};
}

} // namespace

TEST_CASE("zero copy: adjust_head/meta/tail reach the embedder's buffer ends and not one byte past",
          "[object][xdp][zero-copy]") {
    Object object = open_object("xdp_adjust");
    Program program = program_of(object, "adjust");
    const int head_room = int(kHeadroom);                     // the whole headroom: no xdp_frame reserve
    const int tail_room = int(kCapacity - kHeadroom - kLen);  // the whole tail: no skb_shared_info reserve
    const int shrink_max = int(kLen - 14);                    // ETH_HLEN stays

    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Outcome grown = adjust(program, engine, 1, int16_t(-head_room));
            CHECK(grown.action == XdpAction::Pass);
            CHECK(grown.after.headroom == 0);
            CHECK(grown.after.length == kLen + kHeadroom);
            CHECK(grown.slot[0] == 0x5A); // the program wrote the buffer's first byte
            Outcome refused = adjust(program, engine, 1, int16_t(-head_room - 1));
            CHECK(refused.action == XdpAction::Drop);
            CHECK(refused.after.headroom == kHeadroom); // unchanged
            CHECK(refused.after.length == kLen);
            Outcome shrunk = adjust(program, engine, 1, int16_t(shrink_max));
            CHECK(shrunk.action == XdpAction::Pass);
            CHECK(shrunk.after.headroom == kHeadroom + kLen - 14);
            CHECK(shrunk.after.length == 14);
            CHECK(adjust(program, engine, 1, int16_t(shrink_max + 1)).action == XdpAction::Drop);

            Outcome meta = adjust(program, engine, 2, -32);
            CHECK(meta.action == XdpAction::Pass);
            CHECK(meta.after.meta_length == 32);
            CHECK(meta.after.headroom == kHeadroom);
            CHECK(meta.slot[kHeadroom - 32] == 0xA5);
            CHECK(adjust(program, engine, 2, -36).action == XdpAction::Drop); // -EACCES: over 32
            CHECK(adjust(program, engine, 2, -6).action == XdpAction::Drop);  // -EACCES: not a multiple of 4
            CHECK(adjust(program, engine, 2, 4).action == XdpAction::Drop);   // -EINVAL: past data
            // A headroom smaller than 32 bytes: the buffer's start is the limit.
            Outcome small = adjust(program, engine, 2, -12, 12);
            CHECK(small.action == XdpAction::Pass);
            CHECK(small.after.meta_length == 12);
            CHECK(small.slot[0] == 0xA5);
            CHECK(adjust(program, engine, 2, -16, 12).action == XdpAction::Drop);

            Outcome tail = adjust(program, engine, 3, int16_t(tail_room));
            CHECK(tail.action == XdpAction::Pass);
            CHECK(tail.after.length == kCapacity - kHeadroom);
            CHECK(std::all_of(tail.slot.begin() + kHeadroom + kLen, tail.slot.end(), [](uint8_t b) { return b == 0; }));
            Outcome past = adjust(program, engine, 3, int16_t(tail_room + 1));
            CHECK(past.action == XdpAction::Drop);
            CHECK(past.slot[kHeadroom + kLen] == kFill); // a refused grow zeroes nothing
            Outcome cut = adjust(program, engine, 3, int16_t(-shrink_max));
            CHECK(cut.action == XdpAction::Pass);
            CHECK(cut.after.length == 14);
            CHECK(adjust(program, engine, 3, int16_t(-shrink_max - 1)).action == XdpAction::Drop);
        }
    }
}

TEST_CASE("zero copy in checked code: the JIT agrees with the interpreter at every delta",
          "[object][xdp][zero-copy][checked]") {
    Object object = open_object("xdp_adjust");
    ProgramOptions structural;
    structural.verify = VerifyLevel::Structural;
    auto program = object.program("adjust", structural);
    REQUIRE(program);
    for (uint8_t op : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
        for (int delta = -80; delta <= 400; delta += 4) {
            INFO("op " << int(op) << " delta " << delta);
            const Outcome jit = adjust(*program, Engine::Jit, op, int16_t(delta));
            const Outcome interp = adjust(*program, Engine::Interpreter, op, int16_t(delta));
            CHECK(jit.action == interp.action);
            CHECK(jit.after.headroom == interp.after.headroom);
            CHECK(jit.after.length == interp.after.length);
            CHECK(jit.after.meta_length == interp.after.meta_length);
            CHECK(jit.slot == interp.slot);
        }
    }
}

TEST_CASE("zero copy: a burst of mixed verdicts and redirects, changed in place", "[object][xdp][zero-copy]") {
    // dispatch: IPv4 -> MACs swapped, XDP_TX; IPv6 -> the DEVMAP port of the ingress
    // (XDP_REDIRECT); ARP -> XDP_PASS; a runt -> XDP_DROP. Helpers, maps and tail calls:
    // the scoped native path.
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("xdp_dispatch");
            Program program = program_of(object, "dispatch");
            MapRef ports = map_of(object, "ports");
            REQUIRE(ports.update(bytes_of(uint32_t{4}), bytes_of(uint32_t{11})) == 0);

            const uint16_t types[] = {0x0800, 0x86dd, 0x0806, 0x0800, 0x86dd, 0x0000};
            Pool pool;
            for (uint16_t type : types) pool.add(ether_frame(type, type ? kLen : 10));
            std::vector<XdpResult> out(pool.buffers.size());
            REQUIRE(program.run_xdp_burst(pool.buffers, out, XdpRxInfo{4, 0, 0}, RunOptions{engine}));

            const XdpAction expected[] = {XdpAction::Tx, XdpAction::Redirect, XdpAction::Pass,
                                          XdpAction::Tx, XdpAction::Redirect, XdpAction::Drop};
            for (size_t i = 0; i < out.size(); ++i) {
                INFO("frame " << i);
                CHECK(out[i].action == expected[i]);
                CHECK(pool.buffers[i].headroom == kHeadroom);
                CHECK(pool.buffers[i].length == (i + 1 < out.size() ? kLen : 10u));
                CHECK(pool.slots[i][kHeadroom - 1] == kFill); // nothing written outside the packet
                CHECK(pool.slots[i][kHeadroom + pool.buffers[i].length] == kFill);
            }
            CHECK(out[1].redirect.ifindex == 11);
            CHECK(out[4].redirect.ifindex == 11);
            CHECK_FALSE(out[0].redirect.set); // a redirect does not leak into the next frame's verdict
            CHECK_FALSE(out[2].redirect.set);
            // IPv4: MACs swapped in the embedder's bytes (dst was 02:..:01, src 02:..:02).
            CHECK(pool.packet(0)[5] == 2);
            CHECK(pool.packet(0)[11] == 1);
            CHECK(pool.packet(2)[5] == 1); // ARP untouched
            CHECK(u64_at(map_of(object, "stage_hits"), 0) == 2);
            CHECK(u64_at(map_of(object, "stage_hits"), 1) == 2);
        }
    }
}

TEST_CASE("zero copy: lean code runs each frame in place", "[object][xdp][zero-copy]") {
    Object object = open_object("xdp_inplace");
    Program program = program_of(object, "inplace");
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Pool pool;
            for (uint8_t pick = 0; pick < 6; ++pick) {
                std::vector<uint8_t> p = ether_frame(0x0800, kLen);
                p[14] = pick;
                p[15] = uint8_t(0xC0 + pick);
                pool.add(p, kHeadroom);
            }
            std::vector<XdpResult> out(pool.buffers.size());
            REQUIRE(program.run_xdp_burst(pool.buffers, out, {}, RunOptions{engine}));
            const XdpAction expected[] = {XdpAction::Aborted, XdpAction::Drop, XdpAction::Pass,
                                          XdpAction::Tx,      XdpAction::Pass, XdpAction::Pass};
            for (size_t i = 0; i < out.size(); ++i) {
                INFO("frame " << i);
                CHECK(out[i].action == expected[i]);
                CHECK(pool.packet(i)[0] == 0xC0 + i);
                CHECK(pool.packet(i)[1] == 1); // ether_frame's byte 1 was 0
            }
            // One buffer on its own, and a runt.
            Pool one;
            one.add(std::vector<uint8_t>(15, 7));
            auto verdict = program.run_xdp(one.buffers[0], {}, RunOptions{engine});
            REQUIRE(verdict);
            CHECK(verdict->action == XdpAction::Drop);
            CHECK(one.packet(0)[0] == 7);
        }
    }
}

TEST_CASE("zero copy: an invalid buffer stops the burst naming its frame", "[object][xdp][zero-copy]") {
    Object object = open_object("xdp_inplace");
    Program program = program_of(object, "inplace");
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Pool pool;
            for (int i = 0; i < 4; ++i) pool.add(ether_frame(0x0800, kLen));
            for (size_t i = 0; i < 4; ++i) pool.packet(i)[14] = 1; // XDP_DROP
            pool.buffers[2].length = kCapacity; // overruns
            std::vector<XdpResult> out(4);
            auto ran = program.run_xdp_burst(pool.buffers, out, {}, RunOptions{engine});
            REQUIRE_FALSE(ran);
            CHECK(ran.error().to_string().find("frame 2: the XdpBuffer's packet") != std::string::npos);
            CHECK(out[0].action == XdpAction::Drop);
            CHECK(out[1].action == XdpAction::Drop);
            CHECK(pool.packet(3)[0] == 2); // frame 3 never ran (ether_frame's byte 0 is 2)

            size_t completed = 99;
            pool.buffers[2].length = kLen;
            pool.buffers[3].meta_length = 2;
            REQUIRE_FALSE(program.run_xdp_burst(pool.buffers, out, completed, {}, RunOptions{engine}));
            CHECK(completed == 3);

            std::vector<XdpResult> short_out(2);
            auto too_few = program.run_xdp_burst(pool.buffers, short_out, {}, RunOptions{engine});
            REQUIRE_FALSE(too_few);
            CHECK(too_few.error().to_string().find("room for 2 results") != std::string::npos);
        }
    }
    Object mem = open_object("run_paths", OpenOptions{ProgramType::Mem});
    Program constant = program_of(mem, "constant");
    Pool pool;
    pool.add(ether_frame(0x0800, kLen));
    auto wrong_type = constant.run_xdp(pool.buffers[0]);
    REQUIRE_FALSE(wrong_type);
    CHECK(wrong_type.error().to_string().find("cannot run it") != std::string::npos);
}

TEST_CASE("zero copy and owning frames give the same verdicts and bytes", "[object][xdp][zero-copy]") {
    Object object = open_object("xdp_dispatch");
    Program program = program_of(object, "dispatch");
    REQUIRE(map_of(object, "ports").update(bytes_of(uint32_t{4}), bytes_of(uint32_t{11})) == 0);
    for (uint16_t type : {uint16_t{0x0800}, uint16_t{0x86dd}, uint16_t{0x0806}}) {
        INFO("ether type " << type);
        const std::vector<uint8_t> packet = ether_frame(type, kLen);
        XdpFrame frame;
        REQUIRE(frame.load(packet, {4, 0, 0}));
        auto owned = program.run_xdp(frame);
        Pool pool;
        pool.add(packet);
        auto borrowed = program.run_xdp(pool.buffers[0], {4, 0, 0});
        REQUIRE(owned);
        REQUIRE(borrowed);
        CHECK(owned->action == borrowed->action);
        CHECK(owned->redirect.ifindex == borrowed->redirect.ifindex);
        CHECK(std::equal(frame.packet().begin(), frame.packet().end(), pool.packet(0)));
    }
}
