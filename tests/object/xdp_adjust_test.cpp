// bpf_xdp_adjust_head / meta / tail at the kernel's limits, through a full clang program
// on both engines. The limits are worked out here from the frame layout:
//   head grow <= headroom - sizeof(struct xdp_frame) (256 - 40), shrink keeps >= ETH_HLEN;
//   meta grow <= 32 in multiples of 4; tail grow up to the tail reserve (320 B).
#include "object_test_support.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

constexpr uint32_t kLen = 60;

std::vector<uint8_t> command(uint8_t op, int16_t delta) { return xdp_adjust_command(op, delta, kLen); }

struct Outcome {
    XdpAction action;
    uint32_t length;
    uint32_t meta_length;
    uint8_t first;
    uint8_t meta_first;
};

Outcome adjust(const Program& program, Engine engine, uint8_t op, int16_t delta) {
    XdpFrame frame;
    REQUIRE(frame.load(command(op, delta)));
    auto verdict = program.run_xdp(frame, RunOptions{engine});
    if (!verdict) FAIL(verdict.error().to_string());
    return {verdict->action, frame.length(), uint32_t(frame.metadata().size()),
            frame.length() ? frame.packet()[0] : uint8_t(0),
            frame.metadata().empty() ? uint8_t(0) : frame.metadata()[0]};
}

} // namespace

TEST_CASE("xdp adjust_head/meta/tail at their limits on both engines", "[object][xdp][adjust]") {
    Object object = open_object("xdp_adjust");
    Program program = program_of(object, "adjust");
    const int head_room = int(XdpFrame::kHeadroom - XdpFrame::kFrameReserve);                    // 216
    const int tail_room = int(XdpFrame::kDefaultFrameSize - XdpFrame::kTailReserve - XdpFrame::kHeadroom - kLen);
    const int shrink_max = int(kLen - XdpFrame::kEthHeaderLen);                                   // 46

    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            // head: grow into all the headroom, not one byte more; shrink to ETH_HLEN.
            Outcome grown = adjust(program, engine, 1, int16_t(-head_room));
            CHECK(grown.action == XdpAction::Pass);
            CHECK(grown.length == kLen + head_room);
            CHECK(grown.first == 0x5A);
            CHECK(adjust(program, engine, 1, int16_t(-head_room - 1)).action == XdpAction::Drop);
            Outcome shrunk = adjust(program, engine, 1, int16_t(shrink_max));
            CHECK(shrunk.action == XdpAction::Pass);
            CHECK(shrunk.length == XdpFrame::kEthHeaderLen);
            CHECK(adjust(program, engine, 1, int16_t(shrink_max + 1)).action == XdpAction::Drop);

            // meta: 32 bytes at most, 4-byte multiples; growing writes the first byte.
            Outcome meta = adjust(program, engine, 2, -32);
            CHECK(meta.action == XdpAction::Pass);
            CHECK(meta.meta_length == 32);
            CHECK(meta.meta_first == 0xA5);
            CHECK(meta.length == kLen);
            CHECK(adjust(program, engine, 2, -36).action == XdpAction::Drop);
            CHECK(adjust(program, engine, 2, -6).action == XdpAction::Drop);
            CHECK(adjust(program, engine, 2, 4).action == XdpAction::Drop); // no metadata to shrink

            // tail: grow to the reserve, shrink to ETH_HLEN.
            Outcome tail = adjust(program, engine, 3, int16_t(tail_room));
            CHECK(tail.action == XdpAction::Pass);
            CHECK(tail.length == kLen + tail_room);
            CHECK(adjust(program, engine, 3, int16_t(tail_room + 1)).action == XdpAction::Drop);
            Outcome cut = adjust(program, engine, 3, int16_t(-shrink_max));
            CHECK(cut.action == XdpAction::Pass);
            CHECK(cut.length == XdpFrame::kEthHeaderLen);
            CHECK(adjust(program, engine, 3, int16_t(-shrink_max - 1)).action == XdpAction::Drop);
        }
    }
}

// The same program verified structurally only: every packet and ctx access is checked at
// run time, through the checked accesses' region cache (jit/access_cache.hpp). The helper
// moves data between a ctx read (read-only region) and the writes after it; the JIT must
// give the interpreter's answers at every delta, the limits included.
TEST_CASE("xdp adjust_head/meta/tail in checked code: the JIT agrees with the interpreter",
          "[object][xdp][adjust][checked]") {
    Object object = open_object("xdp_adjust");
    ProgramOptions structural;
    structural.verify = VerifyLevel::Structural;
    auto program = object.program("adjust", structural);
    REQUIRE(program);
    for (uint8_t op : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
        for (int delta = -260; delta <= 260; delta += 2) {
            INFO("op " << int(op) << " delta " << delta);
            const Outcome jit = adjust(*program, Engine::Jit, op, int16_t(delta));
            const Outcome interp = adjust(*program, Engine::Interpreter, op, int16_t(delta));
            CHECK(jit.action == interp.action);
            CHECK(jit.length == interp.length);
            CHECK(jit.meta_length == interp.meta_length);
            CHECK(jit.first == interp.first);
            CHECK(jit.meta_first == interp.meta_first);
        }
    }
    CHECK(adjust(*program, Engine::Jit, 1, -16).first == 0x5A);
    CHECK(adjust(*program, Engine::Jit, 2, -4).meta_first == 0xA5);
}
