// The zero-copy burst's per-frame plans (runtime/xdp_burst_plan.hpp): each program gets
// the plan its code and helpers call for (decided when it is prepared), and the loop of
// that plan gives exactly what the general loop and the interpreter give, verdicts,
// bounds and every byte of the embedder's buffers, through the C++ face (XdpVerdict) and
// the C face (ebpfjit_xdp_result): programs that do nothing, read the packet, read every
// ctx field, adjust the packet, and redirect.
#include <functional>

#include "ebpfjit/ebpfjit.h"
#include "engine_abi/execution_state.hpp"
#include "object_test_support.hpp"
#include "runtime/object_impl.hpp"
#include "runtime/prepared_program.hpp"

using namespace ebpfjit;
using namespace object_test;
using runtime::XdpBurstPlan;
using Bounds = XdpBurstPlan::Bounds;

namespace {

constexpr uint32_t kCapacity = 256;
constexpr uint8_t kFill = 0xEE; // the embedder's bytes outside the packet and metadata
const XdpRxInfo kRx{7, 3, 0};

struct FrameSpec {
    std::vector<uint8_t> packet;
    uint32_t headroom = 64;
    std::vector<uint8_t> meta; // right before the packet, inside the headroom
};

// The embedder's buffers for one run, built afresh from the specs (each run starts from
// the same bytes).
struct Burst {
    std::vector<std::vector<uint8_t>> slots;
    std::vector<XdpBuffer> buffers;
    explicit Burst(const std::vector<FrameSpec>& specs) {
        for (const FrameSpec& s : specs) {
            std::vector<uint8_t> slot(kCapacity, kFill);
            std::copy(s.packet.begin(), s.packet.end(), slot.begin() + s.headroom);
            std::copy(s.meta.begin(), s.meta.end(), slot.begin() + s.headroom - s.meta.size());
            buffers.push_back(XdpBuffer{slot.data(), kCapacity, s.headroom, uint32_t(s.packet.size()),
                                        uint32_t(s.meta.size())});
            slots.push_back(std::move(slot)); // (the bytes stay where they are)
        }
    }
};

// What a burst gave: C results either way (the C++ verdicts are converted as the C API's
// documentation says), the bounds and the bytes.
struct Outcome {
    std::vector<ebpfjit_xdp_result> results;
    std::vector<std::array<uint32_t, 3>> bounds; // headroom, length, meta_length
    std::vector<std::vector<uint8_t>> slots;
};

ebpfjit_xdp_result to_c(const XdpVerdict& v) {
    const bool redirected = v.action == XdpAction::Redirect;
    return {uint32_t(v.action), v.returned, redirected ? v.redirect.ifindex : 0,
            redirected ? v.redirect.flags : 0};
}

Outcome outcome_of(const Burst& burst, std::vector<ebpfjit_xdp_result> results) {
    Outcome o{std::move(results), {}, burst.slots};
    for (const XdpBuffer& b : burst.buffers) o.bounds.push_back({b.headroom, b.length, b.meta_length});
    return o;
}

// A C++ run: verdicts into XdpVerdicts, and those whose action is not a redirect must keep
// the redirect at its default (the documented value outside XDP_REDIRECT).
using CxxRun = std::function<Result<void>(std::span<XdpBuffer>, std::span<XdpVerdict>)>;
Outcome run_cxx(const std::vector<FrameSpec>& specs, const CxxRun& run) {
    Burst burst(specs);
    std::vector<XdpVerdict> out(specs.size());
    for (XdpVerdict& v : out) v.redirect = RedirectDecision{true, 99, 99, nullptr, 99, 99, {}}; // not what a run writes
    if (auto ran = run(burst.buffers, out); !ran) FAIL(ran.error().to_string());
    std::vector<ebpfjit_xdp_result> results;
    for (const XdpVerdict& v : out) {
        if (v.action != XdpAction::Redirect) {
            CHECK_FALSE(v.redirect.set);
            CHECK(v.redirect.ifindex == 0);
            CHECK(v.redirect.flags == 0);
            CHECK(v.redirect.map == nullptr);
        }
        results.push_back(to_c(v));
    }
    return outcome_of(burst, std::move(results));
}

using CRun = std::function<Result<void>(std::span<XdpBuffer>, std::span<ebpfjit_xdp_result>)>;
Outcome run_c(const std::vector<FrameSpec>& specs, const CRun& run) {
    Burst burst(specs);
    std::vector<ebpfjit_xdp_result> out(specs.size(), ebpfjit_xdp_result{99, 99, 99, 99});
    if (auto ran = run(burst.buffers, out); !ran) FAIL(ran.error().to_string());
    return outcome_of(burst, std::move(out));
}

void check_same(const Outcome& got, const Outcome& want) {
    REQUIRE(got.results.size() == want.results.size());
    for (size_t i = 0; i < got.results.size(); ++i) {
        INFO("frame " << i);
        CHECK(got.results[i].action == want.results[i].action);
        CHECK(got.results[i].r0 == want.results[i].r0);
        CHECK(got.results[i].redirect_port == want.results[i].redirect_port);
        CHECK(got.results[i].redirect_flags == want.results[i].redirect_flags);
        CHECK(got.bounds[i] == want.bounds[i]);
        CHECK(got.slots[i] == want.slots[i]);
    }
}

const runtime::PreparedProgram& prepared_of(const Program& program) { return *state_of(program).prepared; }

// Every way a burst runs: the program's own plan and the general loop (both faces, the
// JIT), the public C++ burst, and the C API over its own handle; the interpreter is the
// oracle all must agree with.
struct Loops {
    Object object;
    Program program;
    ebpfjit_object* c_object = nullptr;
    ebpfjit_program* c_program = nullptr;

    Loops(const std::string& stem, const std::string& name)
        : object(open_object(stem)), program(program_of(object, name)) {
        char err[256] = "";
        c_object = ebpfjit_object_open(prog_path(stem).c_str(), nullptr, err, sizeof err);
        REQUIRE(c_object != nullptr);
        c_program = ebpfjit_object_program(c_object, name.c_str(), err, sizeof err);
        REQUIRE(c_program != nullptr);
    }
    ~Loops() { ebpfjit_object_close(c_object); }
    Loops(const Loops&) = delete;
    Loops& operator=(const Loops&) = delete;

    const runtime::PreparedProgram& prepared() const { return prepared_of(program); }

    // The PreparedProgram's burst with a given plan (the general one: what every program may
    // take), on the JIT.
    Outcome jit_with(const std::vector<FrameSpec>& specs, const XdpBurstPlan& plan) const {
        return run_cxx(specs, [&](std::span<XdpBuffer> b, std::span<XdpVerdict> out) -> Result<void> {
            engine_abi::ExecutionState state;
            size_t done = 0;
            return prepared().run_xdp_burst(Engine::Jit, b, kRx, out, state, done, plan);
        });
    }
    Outcome jit_c_with(const std::vector<FrameSpec>& specs, const XdpBurstPlan& plan) const {
        return run_c(specs, [&](std::span<XdpBuffer> b, std::span<ebpfjit_xdp_result> out) -> Result<void> {
            engine_abi::ExecutionState state;
            size_t done = 0;
            return prepared().run_xdp_burst(Engine::Jit, b, kRx, out, state, done, plan);
        });
    }

    void check_all_agree(const std::vector<FrameSpec>& specs) const {
        const Outcome interpreter = run_cxx(specs, [&](std::span<XdpBuffer> b, std::span<XdpVerdict> out) {
            return program.run_xdp_burst(b, out, kRx, RunOptions{Engine::Interpreter});
        });
        SECTION("the public C++ burst (the program's plan)") {
            check_same(run_cxx(specs,
                               [&](std::span<XdpBuffer> b, std::span<XdpVerdict> out) {
                                   return program.run_xdp_burst(b, out, kRx, RunOptions{Engine::Jit});
                               }),
                       interpreter);
        }
        SECTION("the program's plan, C++ verdicts") { check_same(jit_with(specs, prepared().xdp_burst_plan()), interpreter); }
        SECTION("the general loop, C++ verdicts") { check_same(jit_with(specs, XdpBurstPlan::general()), interpreter); }
        SECTION("the program's plan, C results") { check_same(jit_c_with(specs, prepared().xdp_burst_plan()), interpreter); }
        SECTION("the general loop, C results") { check_same(jit_c_with(specs, XdpBurstPlan::general()), interpreter); }
        SECTION("the C API") {
            check_same(run_c(specs,
                             [&](std::span<XdpBuffer> b, std::span<ebpfjit_xdp_result> out) -> Result<void> {
                                 char err[256] = "";
                                 if (ebpfjit_program_run_xdp_buffers(c_program, b.data(), b.size(), kRx.ingress_ifindex,
                                                                     kRx.rx_queue_index, out.data(), err, sizeof err) != 0)
                                     return fail(Error::plain(err));
                                 return {};
                             }),
                       interpreter);
        }
    }
};

// A frame whose packet starts with `first` bytes, then counts up; `len` bytes in all.
FrameSpec frame(std::vector<uint8_t> first, size_t len, uint32_t headroom = 64, std::vector<uint8_t> meta = {}) {
    std::vector<uint8_t> p = ether_frame(0x0800, len);
    std::copy(first.begin(), first.begin() + std::min(first.size(), len), p.begin());
    return {std::move(p), headroom, std::move(meta)};
}

// Frames of every shape a plan could get wrong: every verdict byte, no headroom, metadata
// of 0, 4 and 32 bytes, packets too short for the program, an empty one.
std::vector<FrameSpec> mixed_frames() {
    std::vector<FrameSpec> specs;
    for (uint8_t first : {0, 1, 2, 3, 4, 5, 200})
        specs.push_back(frame({first, 9}, 60));
    specs.push_back(frame({2}, 60, 0));
    specs.push_back(frame({3, 5}, 40, 32, {0x44, 0x33, 0x22, 0x11}));
    specs.push_back(frame({1, 12}, 100, 40, std::vector<uint8_t>(32, 0x77)));
    specs.push_back(frame({2}, 15, 8));
    specs.push_back(frame({1}, 1));
    specs.push_back(frame({}, 0, 16));
    specs.push_back(frame({4}, 60, kCapacity - 60)); // the packet ends at the buffer's end
    return specs;
}

} // namespace

TEST_CASE("zero-copy bursts: each program gets the plan its code and helpers call for", "[object][xdp][zero-copy]") {
    Object plans = open_object("xdp_plans");
    CHECK(prepared_of(program_of(plans, "nothing")).xdp_burst_plan().bounds == Bounds::None);
    CHECK(prepared_of(program_of(plans, "reads_packet")).xdp_burst_plan().bounds == Bounds::Packet);
    CHECK(prepared_of(program_of(plans, "reads_every")).xdp_burst_plan().bounds == Bounds::Frame);
    // The specialised loops are the lean ones: these three run there.
    for (const char* name : {"nothing", "reads_packet", "reads_every"})
        CHECK(prepared_of(program_of(plans, name)).lean_native());
    CHECK_FALSE(prepared_of(program_of(plans, "redirects")).lean_native()); // bpf_redirect writes the run state
    const runtime::PreparedProgram& looping = prepared_of(program_of(plans, "loops"));
    CHECK(looping.xdp_burst_plan().bounds == Bounds::Packet);
    CHECK(looping.lean_native().stack); // the loops that set up and test a RunStatus per frame

    // The adjust helpers keep the safe default of using the run state, so such a program
    // runs the scoped loop, which writes the bounds back whatever the plan says.
    Object adjust = open_object("xdp_adjust");
    const runtime::PreparedProgram& adjusting = prepared_of(program_of(adjust, "adjust"));
    CHECK(adjusting.xdp_burst_plan().bounds == Bounds::FrameAndBack);
    CHECK_FALSE(adjusting.lean_native());

    // Without the full verifier's facts, or with a tail call, the general plan.
    Object again = open_object("xdp_plans");
    auto structural = again.program("nothing", ProgramOptions{Engine::Jit, VerifyLevel::Structural});
    INFO((structural ? std::string() : structural.error().to_string()));
    REQUIRE(structural);
    CHECK(prepared_of(*structural).xdp_burst_plan() == XdpBurstPlan::general());
    Object dispatch = open_object("xdp_dispatch");
    CHECK(prepared_of(program_of(dispatch, "dispatch")).xdp_burst_plan() == XdpBurstPlan::general());
}

TEST_CASE("zero-copy bursts: a program that does nothing, on every loop", "[object][xdp][zero-copy]") {
    Loops("xdp_plans", "nothing").check_all_agree(mixed_frames());
}

TEST_CASE("zero-copy bursts: a program that reads the packet, on every loop", "[object][xdp][zero-copy]") {
    Loops("xdp_plans", "reads_packet").check_all_agree(mixed_frames());
}

TEST_CASE("zero-copy bursts: a program that reads every ctx field, on every loop", "[object][xdp][zero-copy]") {
    Loops("xdp_plans", "reads_every").check_all_agree(mixed_frames());
}

TEST_CASE("zero-copy bursts: a program that redirects, on every loop", "[object][xdp][zero-copy]") {
    Loops("xdp_plans", "redirects").check_all_agree(mixed_frames());
}

TEST_CASE("zero-copy bursts: a program on the stack, on every loop", "[object][xdp][zero-copy]") {
    Loops("xdp_plans", "loops").check_all_agree(mixed_frames());
}

// Each frame gets the whole budget (the plan's loop restarts it per frame, as the general
// loop does), and the frame that exceeds it stops the burst at its index in every loop.
TEST_CASE("zero-copy bursts: an instruction budget is per frame, and a frame over it stops every loop",
          "[object][xdp][zero-copy]") {
    OpenOptions options;
    options.hardening.instruction_budget = 600; // charged per loop trip: its length
    auto object = Object::open(prog_path("xdp_plans"), options);
    REQUIRE(object);
    const Program program = program_of(*object, "loops");
    const runtime::PreparedProgram& p = prepared_of(program);
    REQUIRE(p.lean_native().stack);
    REQUIRE(p.lean_native().budget == 600);
    std::vector<FrameSpec> specs;
    // 140 trips in all before the fifth frame, which alone needs more than the budget.
    for (uint8_t trips : {40, 20, 50, 30, 250, 10}) specs.push_back(frame({trips}, 60));
    for (const XdpBurstPlan& plan : {p.xdp_burst_plan(), XdpBurstPlan::general()}) {
        INFO("plan " << runtime::to_string(plan.bounds));
        Burst burst(specs);
        std::vector<XdpVerdict> out(specs.size());
        engine_abi::ExecutionState state;
        size_t done = 99;
        auto ran = p.run_xdp_burst(Engine::Jit, burst.buffers, kRx, out, state, done, plan);
        REQUIRE_FALSE(ran);
        CHECK(done == 4);
        CHECK_THAT(ran.error().message, Catch::Matchers::Contains("instruction budget of 600 exceeded"));
        for (size_t i = 0; i < 4; ++i) {
            const uint32_t n = specs[i].packet[0];
            CHECK(out[i].action == ((n * (n - 1) / 2) & 1 ? XdpAction::Pass : XdpAction::Drop));
        }
    }
}

TEST_CASE("zero-copy bursts: a program that adjusts the packet, on every loop", "[object][xdp][zero-copy]") {
    std::vector<FrameSpec> specs;
    for (const auto& [op, delta] : std::vector<std::pair<uint8_t, int16_t>>{
             {1, -64}, {1, -65}, {1, 20}, {1, 47}, {2, -4}, {2, -32}, {2, -36}, {2, -3}, {3, 100}, {3, -40},
             {3, 200}, {3, -47}, {9, 0}})
        specs.push_back({xdp_adjust_command(op, delta, 60), 64, {}});
    specs.push_back({xdp_adjust_command(1, -8, 60), 64, {1, 2, 3, 4, 5, 6, 7, 8}}); // the metadata moves along
    specs.push_back({xdp_adjust_command(2, -4, 60), 4, {}});                         // meta into the last room
    Loops("xdp_adjust", "adjust").check_all_agree(specs);
}

TEST_CASE("zero-copy bursts: an invalid buffer stops every loop at its frame", "[object][xdp][zero-copy]") {
    for (const char* name : {"nothing", "reads_packet", "reads_every"}) {
        DYNAMIC_SECTION(name) {
            const Loops loops("xdp_plans", name);
            for (const XdpBurstPlan& plan : {loops.prepared().xdp_burst_plan(), XdpBurstPlan::general()}) {
                Burst burst(mixed_frames());
                burst.buffers[3].meta_length = 2; // not a multiple of 4
                std::vector<XdpVerdict> out(burst.buffers.size());
                engine_abi::ExecutionState state;
                size_t done = 99;
                auto ran = loops.prepared().run_xdp_burst(Engine::Jit, burst.buffers, kRx, out, state, done, plan);
                REQUIRE_FALSE(ran);
                CHECK(done == 3);
                CHECK_THAT(ran.error().message, Catch::Matchers::Contains("multiple of 4"));
                for (uint32_t bad : {uint32_t(36), uint32_t(65)}) { // over 32; over the headroom
                    Burst other(mixed_frames());
                    other.buffers[5].meta_length = bad;
                    done = 99;
                    CHECK_FALSE(loops.prepared().run_xdp_burst(Engine::Jit, other.buffers, kRx, out, state, done, plan));
                    CHECK(done == 5);
                }
                Burst no_base(mixed_frames());
                no_base.buffers[0].base = nullptr;
                CHECK_FALSE(loops.prepared().run_xdp_burst(Engine::Jit, no_base.buffers, kRx, out, state, done, plan));
                CHECK(done == 0);
                Burst overrun(mixed_frames());
                overrun.buffers.back().length += 1;
                CHECK_FALSE(loops.prepared().run_xdp_burst(Engine::Jit, overrun.buffers, kRx, out, state, done, plan));
                CHECK(done == overrun.buffers.size() - 1);
            }
        }
    }
}
