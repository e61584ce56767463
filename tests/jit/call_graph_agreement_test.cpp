// The verifier (structural level) and the jit's lowering check the call graph with the
// same analysis (isa/call_graph.hpp): they reject the same programs at the same slot.
#include <catch2/catch.hpp>

#include "jit/lowering.hpp"
#include "tests/callbacks/callback_support.hpp"
#include "verifier/verifier.hpp"

using namespace ebpfjit;

namespace {

struct Verdicts {
    std::optional<uint32_t> verifier; // rejected at, or accepted
    std::optional<uint32_t> jit;
};

Verdicts verdicts(const std::string& text) {
    const isa::Program p = test::program(text);
    verifier::VerifierInput in;
    in.type = ProgramType::Mem;
    in.level = verifier::Level::Structural;
    in.helpers = &helpers::HelperTable::builtin();
    Verdicts v;
    verifier::Report r = verifier::check(p, in);
    if (!r.ok()) v.verifier = r.rejection->insn;
    const helpers::ProgramBindings bindings;
    jit::LoweringOptions options;
    options.bindings = &bindings;
    auto lowered = jit::lower(p, verifier::Facts{}, options);
    if (!lowered) v.jit = lowered.error().insn;
    return v;
}

// A chain main -> f1 -> ... -> f<n-1>: n frames.
std::string chain(int frames) {
    std::string text = "call local f1\nexit\n";
    for (int i = 1; i < frames; ++i) {
        text += "f" + std::to_string(i) + ":\n";
        text += i + 1 < frames ? "call local f" + std::to_string(i + 1) + "\n" : "mov %r0, 0\n";
        text += "exit\n";
    }
    return text;
}

} // namespace

TEST_CASE("verifier and jit agree on recursion and call depth, callbacks included", "[jit][calls][call_graph]") {
    const Verdicts ok = verdicts(chain(8));
    CHECK_FALSE(ok.verifier);
    CHECK_FALSE(ok.jit);

    const Verdicts deep = verdicts(chain(9));
    REQUIRE(deep.verifier);
    CHECK(deep.verifier == deep.jit);
    CHECK(*deep.verifier == 14); // the call in f7 opens the 9th frame

    // main -> f -> g -> f: the call in g closes the cycle.
    const Verdicts cycle = verdicts("call local f\nexit\nf:\ncall local g\nexit\ng:\ncall local f\nexit\n");
    REQUIRE(cycle.verifier);
    CHECK(cycle.verifier == cycle.jit);
    CHECK(*cycle.verifier == 4);

    // A callback that hands itself to bpf_loop again: a cycle through an LDDW src 4 edge.
    const Verdicts callback = verdicts(R"(
        mov %r1, 1
        ldfunc %r2, cb
        mov %r3, 0
        mov %r4, 0
        call 181
        exit
    cb:
        mov %r1, 1
        ldfunc %r2, cb
        mov %r3, 0
        mov %r4, 0
        call 181
        mov %r0, 0
        exit
    )");
    REQUIRE(callback.verifier);
    CHECK(callback.verifier == callback.jit);
    CHECK(*callback.verifier == 8);
}

// The eBPF stack (engine_abi/ebpf_stack_layout.hpp) has room for isa::kMaxCallDepth frames per chain: a
// lowering asked for more would let the deepest frame overlap the next callback chain.
TEST_CASE("the lowering refuses a call depth the eBPF stack has no room for", "[jit][stack]") {
    const isa::Program p = test::program(chain(2));
    const helpers::ProgramBindings bindings;
    jit::LoweringOptions options;
    options.bindings = &bindings;
    options.max_call_depth = isa::kMaxCallDepth + 1;
    auto lowered = jit::lower(p, verifier::Facts{}, options);
    REQUIRE_FALSE(lowered);
    CHECK(lowered.error().message.find("frames per chain") != std::string::npos);
    options.max_call_depth = isa::kMaxCallDepth;
    CHECK(jit::lower(p, verifier::Facts{}, options));
}
