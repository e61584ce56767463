// isa/call_graph.hpp: recursion and call depth, as the verifier and the jit both check them.
#include <catch2/catch.hpp>

#include "isa/call_graph.hpp"

using namespace ebpfjit::isa;

TEST_CASE("call_frames: the longest chain from each subprogram", "[isa][call_graph]") {
    // 0 -> 1 -> 3, 0 -> 2 -> 3 (a diamond), 4 unreachable.
    std::vector<std::vector<CallEdge>> g{{{1, 1}, {2, 2}}, {{3, 10}}, {{3, 20}}, {}, {{0, 40}}};
    auto frames = call_frames(g, 8);
    REQUIRE(frames);
    CHECK(*frames == std::vector<uint32_t>{3, 2, 2, 1, 0});
    CHECK_FALSE(call_frames(g, 2));
    CHECK(call_frames(std::vector<std::vector<CallEdge>>{}, 8));
}

TEST_CASE("call_frames: recursion names the call that closes the cycle", "[isa][call_graph]") {
    // 0 -> 1 -> 2 -> 1 (slot 25 closes it); a self-call too.
    std::vector<std::vector<CallEdge>> g{{{1, 3}}, {{2, 12}}, {{1, 25}}};
    auto r = call_frames(g, 8);
    REQUIRE_FALSE(r);
    CHECK(r.error().recursion);
    CHECK(r.error().slot == 25);
    CHECK(r.error().callee == 1);
    auto self = call_frames({{{0, 7}}}, 8);
    REQUIRE_FALSE(self);
    CHECK(self.error().slot == 7);
}

TEST_CASE("call_frames: too deep names the call opening the first frame beyond the limit", "[isa][call_graph]") {
    // A chain 0 -> 1 -> ... -> 9 (10 frames); the side branch 0 -> 10 is shallow.
    std::vector<std::vector<CallEdge>> g(11);
    g[0].push_back({10, 1});
    for (uint32_t s = 0; s < 9; ++s) g[s].push_back({s + 1, 100 + s});
    auto r = call_frames(g, 8);
    REQUIRE_FALSE(r);
    CHECK_FALSE(r.error().recursion);
    CHECK(r.error().frames == 10);
    CHECK(r.error().slot == 107); // the call in subprogram 7 opens frame 9
    CHECK(call_frames(g, 10));
}

TEST_CASE("call_frames: a chain of 200,000 subprograms does not recurse on the host stack", "[isa][call_graph]") {
    const uint32_t n = 200'000;
    std::vector<std::vector<CallEdge>> g(n);
    for (uint32_t s = 0; s + 1 < n; ++s) g[s].push_back({s + 1, s});
    auto r = call_frames(g, 8);
    REQUIRE_FALSE(r);
    CHECK(r.error().frames == n);
    CHECK(r.error().slot == 7);
}
