// The packet runner over small assembled programs on the interpreter: verdict counts,
// per-frame r0, frames as the program left them, redirect ports, socket-filter trimming,
// threads and replays, and errors that name the frame.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "isa/assembler.hpp"
#include "runtime/context/rewrite_ctx_access.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/percpu.hpp"
#include "packet/frame_engine.hpp"
#include "packet/packet_runner.hpp"
#include "tests/verified_rewrite.hpp"

using namespace ebpfjit;
namespace pkt = packet;

namespace {

// Assembles, rewrites ctx accesses for `type` (verified at structural level: some of these
// programs read the packet unchecked, or fault on purpose; the interpreter checks every
// access), and wraps an interpreter.
std::unique_ptr<runtime::Interpreter> interpreter_for(const std::string& source, ProgramType type) {
    auto program = isa::assemble(source);
    INFO((program ? "" : program.error().to_string()));
    REQUIRE(program.has_value());
    auto rewritten = test::verified_rewrite(*program, type, verifier::Level::Structural);
    INFO((rewritten ? "" : rewritten.error().to_string()));
    REQUIRE(rewritten.has_value());
    runtime::InterpreterOptions options;
    options.program_type = type;
    return std::make_unique<runtime::Interpreter>(*rewritten, helpers::ProgramBindings{}, options);
}

// Frames of 40, 41, ..., 40 + n - 1 bytes; byte 0 = frame number, byte 12-13 = 0x0800.
pkt::Capture synthetic(size_t n) {
    pkt::Capture capture;
    for (size_t i = 0; i < n; ++i) {
        std::vector<uint8_t> frame(40 + i, uint8_t(0xa0 + i % 16));
        frame[0] = uint8_t(i);
        frame[12] = 0x08;
        frame[13] = 0x00;
        capture.append(frame, 0, 1000 + int64_t(i), 0);
    }
    return capture;
}

// XDP: frames shorter than 60 bytes are dropped; others get byte 1 = 0xee and pass.
const char* kDropShort = R"(
ldxw %r2, [%r1+0]
ldxw %r3, [%r1+4]
mov %r4, %r2
add %r4, 60
jgt %r4, %r3, drop
stb [%r2+1], 0xee
mov %r0, 2
exit
drop:
mov %r0, 1
exit
)";

// XDP: bpf_redirect(port = data[0] % 3, 0) for even frame numbers, XDP_TX for odd ones.
const char* kRedirectEven = R"(
ldxw %r2, [%r1+0]
ldxb %r1, [%r2+0]
mov %r3, %r1
and %r3, 1
jne %r3, 0, odd
mod %r1, 3
mov %r2, 0
call 23
exit
odd:
mov %r0, 3
exit
)";

// Socket filter: keep 20 bytes of IPv4 frames (LD_ABS ethertype), drop the rest.
const char* kTrimIpv4 = R"(
mov %r6, %r1
ldabsh 12
jne %r0, 0x0800, drop
mov %r0, 20
exit
drop:
mov %r0, 0
exit
)";

} // namespace

TEST_CASE("runner: XDP verdicts, r0 per frame and the frames as the program left them", "[runner]") {
    auto interp = interpreter_for(kDropShort, ProgramType::Xdp);
    const auto capture = synthetic(40);
    auto report = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture);
    REQUIRE(report.has_value());
    CHECK(report->packets == 40);
    CHECK(report->verdicts == std::map<std::string, uint64_t>{{"XDP_DROP", 20}, {"XDP_PASS", 20}});
    REQUIRE(report->r0.size() == 40);
    REQUIRE(report->outputs.size() == 20);
    for (size_t i = 0; i < 40; ++i) {
        CHECK(report->r0[i] == (40 + i < 60 ? 1u : 2u));
        CHECK(report->frame_verdicts[i] == (40 + i < 60 ? "XDP_DROP" : "XDP_PASS"));
    }
    for (size_t k = 0; k < 20; ++k) {
        const auto& out = report->outputs[k];
        CHECK(out.index == 20 + k);
        CHECK_FALSE(out.redirect.has_value());
        REQUIRE(out.bytes.size() == 60 + k);
        CHECK(out.bytes[0] == uint8_t(20 + k));
        CHECK(out.bytes[1] == 0xee);
        CHECK(std::equal(out.bytes.begin() + 2, out.bytes.end(), capture.frame(20 + k).begin() + 2));
    }
    CHECK(report->ns_per_packet() > 0);
}

TEST_CASE("runner: threads and replays count every pass and keep the first pass's frames", "[runner]") {
    // Three workers need three per-CPU slots at once, besides this thread's (2-CPU hosts too).
    if (maps::possible_cpus() < 4) REQUIRE(maps::set_possible_cpus(4));
    auto interp = interpreter_for(kDropShort, ProgramType::Xdp);
    const auto capture = synthetic(37);
    auto one = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture);
    pkt::RunOptions options;
    options.threads = 3;
    options.repeat = 4;
    uint64_t last_progress = 0;
    options.progress = [&](uint64_t done, uint64_t total) {
        CHECK(done <= total);
        last_progress = done;
    };
    auto many = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture, options);
    REQUIRE(one.has_value());
    REQUIRE(many.has_value());
    CHECK(many->packets == 4 * 37);
    for (const auto& [name, count] : one->verdicts) CHECK(many->verdicts[name] == 4 * count);
    CHECK(many->r0 == one->r0);
    REQUIRE(many->outputs.size() == one->outputs.size());
    for (size_t i = 0; i < one->outputs.size(); ++i) {
        CHECK(many->outputs[i].index == one->outputs[i].index);
        CHECK(many->outputs[i].bytes == one->outputs[i].bytes);
    }
    CHECK(last_progress <= 4 * 37);
}

// Found under TSan: workers registered their per-CPU slots as each started, so 3 threads on
// 2 possible CPUs failed or passed depending on whether a worker had finished before the
// last one started. Now all hold their slots before any runs: too few slots fail every time.
TEST_CASE("runner: more threads than free per-CPU slots fail every time, naming the slots", "[runner][threads]") {
    const uint32_t before = maps::possible_cpus();
    REQUIRE(maps::set_possible_cpus(2));
    auto interp = interpreter_for(kDropShort, ProgramType::Xdp);
    const auto capture = synthetic(3); // tiny shares: an early worker used to finish first
    pkt::RunOptions options;
    options.threads = 3;
    for (int attempt = 0; attempt < 20; ++attempt) {
        auto ran = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture, options);
        REQUIRE_FALSE(ran.has_value());
        CHECK_THAT(ran.error().to_string(), Catch::Contains("per-CPU slot"));
    }
    options.threads = 2;
    maps::unregister_worker_thread(); // this thread's slot, if an earlier test took one
    CHECK(pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture, options).has_value());
    REQUIRE(maps::set_possible_cpus(std::max(before, 4u)));
}

TEST_CASE("runner: redirects carry the port bpf_redirect chose", "[runner]") {
    auto interp = interpreter_for(kRedirectEven, ProgramType::Xdp);
    const auto capture = synthetic(12);
    auto report = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture);
    REQUIRE(report.has_value());
    CHECK(report->verdicts == std::map<std::string, uint64_t>{{"XDP_REDIRECT", 6}, {"XDP_TX", 6}});
    REQUIRE(report->outputs.size() == 12);
    for (size_t i = 0; i < 12; ++i) {
        const auto& out = report->outputs[i];
        CHECK(out.index == i);
        if (i % 2 == 0) {
            REQUIRE(out.redirect.has_value());
            CHECK(*out.redirect == i % 3);
        } else {
            CHECK_FALSE(out.redirect.has_value());
        }
    }
}

TEST_CASE("runner: socket filters keep the bytes r0 names, reading with LD_ABS", "[runner]") {
    auto interp = interpreter_for(kTrimIpv4, ProgramType::SocketFilter);
    auto capture = synthetic(6);
    std::vector<uint8_t> arp(60, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    capture.append(arp, 0);
    capture.append(std::vector<uint8_t>(10, 0x08), 0); // LD_ABS past the end: r0 = 0
    auto report = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::SocketFilter,
                                   capture);
    REQUIRE(report.has_value());
    CHECK(report->verdicts == std::map<std::string, uint64_t>{{"SOCKET_TRIM", 6}, {"SOCKET_DROP", 2}});
    REQUIRE(report->outputs.size() == 6);
    for (const auto& out : report->outputs) {
        CHECK(out.bytes.size() == 20);
        CHECK(std::equal(out.bytes.begin(), out.bytes.end(), capture.frame(out.index).begin()));
    }
}

TEST_CASE("runner: a faulting run names its frame; mem programs are refused", "[runner]") {
    // Reads far past the frame buffer (no bounds check): the interpreter stops it.
    auto interp = interpreter_for("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+20000]\nexit\n", ProgramType::Xdp);
    const auto capture = synthetic(3);
    auto report = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture);
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().to_string().find("frame 0") != std::string::npos);

    auto mem = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Mem, capture);
    REQUIRE_FALSE(mem.has_value());
    CHECK(mem.error().to_string().find("xdp, tc or socket") != std::string::npos);
}

namespace {

// XDP, by frame number (byte 0) mod 4: 0 grows the head by the whole room an owning frame
// gives (256 - 40 bytes) and marks the new first byte; 1 grows 32 bytes of metadata, writes
// its first word and bounces the frame (XDP_TX); 2 grows the tail to the buffer's last
// packet byte (every other such frame one byte further: refused, XDP_DROP); 3 grows the
// head one byte past the room (refused). Frames a program grows show what the buffer held
// around the packet.
const char* kAdjustEveryWay = R"(
mov %r6, %r1
ldxw %r2, [%r6+0]
ldxw %r3, [%r6+4]
mov %r4, %r2
add %r4, 1
jgt %r4, %r3, abort
ldxb %r7, [%r2+0]
mov %r8, %r7
and %r8, 3
jeq %r8, 0, head
jeq %r8, 1, meta
jeq %r8, 2, tail
mov %r1, %r6
mov %r2, -217
call 44
jne %r0, 0, drop
mov %r0, 2
exit
head:
mov %r1, %r6
mov %r2, -216
call 44
jne %r0, 0, drop
ldxw %r2, [%r6+0]
stb [%r2+0], 0x5a
mov %r0, 2
exit
meta:
mov %r1, %r6
mov %r2, -32
call 54
jne %r0, 0, drop
ldxw %r2, [%r6+8]
stw [%r2+0], 0x11223344
mov %r0, 3
exit
tail:
ldxw %r2, [%r6+0]
ldxw %r3, [%r6+4]
sub %r3, %r2
mov %r2, 3520
sub %r2, %r3
mov %r4, %r7
rsh %r4, 2
and %r4, 1
add %r2, %r4
mov %r1, %r6
call 65
jne %r0, 0, drop
mov %r0, 2
exit
drop:
mov %r0, 1
exit
abort:
mov %r0, 0
exit
)";

// What the runner gave before it ran zero-copy buffers, worked out the old way: owning
// XdpFrames of 4096 bytes, each loaded with XdpFrame::load, frame k of every burst of 32
// in frames[k]; r0 per frame and the frames that go on (XDP_PASS, XDP_TX) as left.
struct OwningRun {
    std::vector<uint64_t> r0;
    std::vector<std::vector<uint8_t>> emitted;
};

OwningRun run_owning(runtime::Interpreter& interp, const pkt::Capture& capture) {
    std::vector<XdpFrame> frames;
    for (size_t k = 0; k < 32; ++k) frames.emplace_back(4096);
    engine_abi::ExecutionState state;
    OwningRun run;
    for (size_t i = 0; i < capture.size(); ++i) {
        XdpFrame& f = frames[i % 32];
        REQUIRE(f.load(capture.frame(i)).has_value());
        const auto regions = f.regions();
        auto r0 = interp.run(f.ctx_address(), 0, regions, std::nullopt, state);
        REQUIRE(r0.has_value());
        run.r0.push_back(*r0);
        if (*r0 == 2 || *r0 == 3) run.emitted.emplace_back(f.packet().begin(), f.packet().end());
    }
    return run;
}

} // namespace

TEST_CASE("runner: zero-copy bursts give what owning frames gave, adjusts to the last byte included", "[runner]") {
    auto interp = interpreter_for(kAdjustEveryWay, ProgramType::Xdp);
    const auto capture = synthetic(75); // three bursts: slots are reused
    const OwningRun owning = run_owning(*interp, capture);
    auto report = pkt::run_capture(*pkt::interpreter_frame_engine(*interp), ProgramType::Xdp, capture);
    REQUIRE(report.has_value());
    CHECK(report->r0 == owning.r0);
    REQUIRE(report->outputs.size() == owning.emitted.size());
    for (size_t i = 0; i < owning.emitted.size(); ++i) {
        INFO("output " << i << ", frame " << report->outputs[i].index);
        CHECK(report->outputs[i].bytes == owning.emitted[i]);
    }
    // Every case happened: grown heads (216 bytes longer), bounced frames, grown and refused tails.
    CHECK(report->verdicts["XDP_PASS"] > 0);
    CHECK(report->verdicts["XDP_TX"] > 0);
    CHECK(report->verdicts["XDP_DROP"] > 0);
    CHECK(std::ranges::any_of(report->outputs, [](const auto& o) { return o.bytes.size() == 40 + 216; }));
    CHECK(std::ranges::any_of(report->outputs, [](const auto& o) { return o.bytes.size() == 3520; }));
}
