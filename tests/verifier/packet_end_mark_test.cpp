// A comparison that proves a packet pointer past the packet's end (`p > end`, `p >= end`)
// marks that register (the kernel's mark_pkt_end: BEYOND_PKT_END / AT_PKT_END), and a later
// comparison of it with the end has one feasible edge (is_pkt_ptr_branch_taken). Each
// program below reads 100 bytes into a 14-byte packet on the edge in question: accepted
// only if the verifier knows that edge is dead.
#include <catch2/catch.hpp>

#include <string>

#include "isa/assembler.hpp"
#include "verifier/pruning.hpp"
#include "verifier/verifier.hpp"
#include "verify_text.hpp"

namespace ebpfjit::verifier::test {

namespace {

// r1 = data, r2 = data_end, r3 = data + 14; `first` compares r3 with the end (jumping to
// `past` on the edge where it is past the end), `second` at `past` compares it with the
// end loaded again (so only the mark can relate the two) and jumps to `bad` on the edge
// the mark should rule out; `between` runs in between.
struct Outcome {
    Report report;
    size_t size; // instructions in the program
};

Outcome verify_xdp(const std::string& first, const std::string& second, const std::string& between = "") {
    const std::string text = "mov %r6, %r1\nldxw %r2, [%r1+4]\nldxw %r1, [%r1+0]\nmov %r3, %r1\nadd %r3, 14\n" +
                             first + "\nmov %r0, 2\nexit\npast:\nldxw %r2, [%r6+4]\n" + between + "\n" + second +
                             "\nmov %r0, 1\nexit\nbad:\nldxb %r0, [%r1+100]\nexit";
    auto program = isa::assemble(text);
    REQUIRE(program);
    return {verify_text(text, ProgramType::Xdp), program->size()};
}

} // namespace

TEST_CASE("packet end marks: a pointer proven past the end stays past it", "[verifier][packet]") {
    struct Case {
        const char* first;
        const char* second;
    };
    const Case decided[] = {
        {"jgt %r3, %r2, past", "jle %r3, %r2, bad"}, // p > end, then p <= end: never
        {"jgt %r3, %r2, past", "jlt %r3, %r2, bad"}, //            p < end: never
        {"jgt %r3, %r2, past", "jeq %r3, %r2, bad"}, //            p == end: never
        {"jgt %r3, %r2, past", "jne %r3, %r2, +1\nja bad"}, // p != end: always
        {"jlt %r2, %r3, past", "jge %r2, %r3, bad"}, // end < p, then end >= p: never
        {"jle %r3, %r2, +1\nja past", "jle %r3, %r2, bad"}, // the fall-through of p <= end
        {"jge %r3, %r2, past", "jlt %r3, %r2, bad"}, // p >= end, then p < end: never
        {"jle %r2, %r3, past", "jgt %r2, %r3, bad"}, // end <= p, then end > p: never
    };
    for (const Case& c : decided) {
        auto [r, size] = verify_xdp(c.first, c.second);
        INFO(c.first << " / " << c.second << ": " << headline(r));
        CHECK(r.ok());
        // By the walk alone, the dead edge never walked: fewer instructions processed than
        // the program has (the loop pass, whose relations would also see the edge dead,
        // runs only after the walk fails).
        CHECK(r.stats.processed_insns < size);
    }
}

TEST_CASE("packet end marks: what a mark does not prove", "[verifier][packet]") {
    struct Case {
        const char* first;
        const char* second;
        const char* between;
    };
    const Case open[] = {
        {"jge %r3, %r2, past", "jle %r3, %r2, bad", ""},        // p >= end allows p == end
        {"jge %r3, %r2, past", "jeq %r3, %r2, bad", ""},
        {"jgt %r3, %r2, past", "jle %r3, %r2, bad", "add %r3, -10"}, // arithmetic forgets it
        {"jgt %r3, %r2, past", "jle %r4, %r2, bad", "mov %r4, %r1\nadd %r4, 10"}, // another pointer
        {"jle %r3, %r2, past", "jle %r3, %r2, bad", ""},        // p <= end proves nothing past it
    };
    for (const Case& c : open) {
        const Report r = verify_xdp(c.first, c.second, c.between).report;
        INFO(c.first << " / " << c.between << " / " << c.second << ": " << headline(r));
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::PacketOutOfBounds);
    }
}

TEST_CASE("packet end marks: pruning keeps a mark a continuation relied on", "[verifier][packet]") {
    auto with_mark = [](EndMark m) {
        AbstractState s;
        s.frames.resize(1);
        s.frames[0].regs[3] = RegState::pointer(RegType::Packet, 14);
        s.frames[0].regs[3].end_mark = m;
        return s;
    };
    LiveMasks live{};
    live[0] = uint16_t(1u << 3);
    uint64_t work = 0;
    // The old path may have decided a comparison by its mark: the new one needs it too.
    CHECK_FALSE(state_subsumes(with_mark(EndMark::BeyondEnd), with_mark(EndMark::None), false, live, work));
    CHECK_FALSE(state_subsumes(with_mark(EndMark::BeyondEnd), with_mark(EndMark::AtEnd), false, live, work));
    CHECK_FALSE(state_subsumes(with_mark(EndMark::AtEnd), with_mark(EndMark::None), false, live, work));
    // A stronger mark, or one nothing needed, is fine.
    CHECK(state_subsumes(with_mark(EndMark::AtEnd), with_mark(EndMark::BeyondEnd), false, live, work));
    CHECK(state_subsumes(with_mark(EndMark::None), with_mark(EndMark::BeyondEnd), false, live, work));
    // Exact comparison: the same mark only.
    CHECK_FALSE(state_subsumes(with_mark(EndMark::None), with_mark(EndMark::BeyondEnd), true, live, work));
}

} // namespace ebpfjit::verifier::test

namespace ebpfjit::verifier::test {

TEST_CASE("packet ranges: p < end proves the byte at p, p <= end only those before it", "[verifier][packet]") {
    // r3 = data + 14; the fall-through of `r3 >= end` (r3 < end) may read data[14], as the
    // kernel's find_good_pkt_pointers with range_right_open; that of `r3 > end` may not.
    const std::string head = "ldxw %r2, [%r1+4]\nldxw %r1, [%r1+0]\nmov %r3, %r1\nadd %r3, 14\n";
    const std::string tail = "\nldxb %r0, [%r1+14]\nexit\nout:\nmov %r0, 0\nexit";
    for (const char* jump : {"jge %r3, %r2, out", "jle %r2, %r3, out"}) {
        const std::string text = head + jump + tail;
        Report r = verify_text(text, ProgramType::Xdp);
        INFO(jump << ": " << headline(r));
        CHECK(r.ok());
        // By the walk, each instruction once (the loop pass, whose relations would prove
        // the read too, runs only after the walk fails).
        CHECK(r.stats.processed_insns <= isa::assemble(text)->size());
    }
    for (const char* jump : {"jgt %r3, %r2, out", "jlt %r2, %r3, out"}) {
        Report r = verify_text(head + jump + tail, ProgramType::Xdp);
        INFO(jump << ": " << headline(r));
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::PacketOutOfBounds);
    }
}

} // namespace ebpfjit::verifier::test
