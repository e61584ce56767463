// isa/liveness.hpp: the one register liveness the verifier and the jit share, and the
// two points where their former copies disagreed (xchg, LD_ABS).
#include <catch2/catch.hpp>

#include "isa/assembler.hpp"
#include "isa/liveness.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa;

namespace {

constexpr uint16_t bit(int r) { return uint16_t(1u << r); }

Program assembled(const char* text) {
    auto p = assemble(text);
    if (!p) FAIL(p.error().to_string());
    return *p;
}

} // namespace

TEST_CASE("xchg defines its source register, with or without the fetch flag", "[isa][liveness]") {
    // BPF_XCHG always returns the old value in src; an Instruction built in code may
    // leave `fetch` false (the decoder sets it).
    for (bool fetch : {true, false}) {
        const Atomic xchg{AtomicOp::Xchg, fetch, true, Reg{10}, -8, Reg{3}};
        const UseDef ud = use_def(xchg);
        CHECK(ud.use == (bit(10) | bit(3)));
        CHECK(ud.def == bit(3));
    }
    // A non-fetching add does not.
    CHECK(use_def(Atomic{AtomicOp::Add, false, true, Reg{10}, -8, Reg{3}}).def == 0);
    // r3 is dead before an xchg that overwrites it... only in its own value: it is still
    // read (the value stored), so live.
    Program p{{Store{Size::DW, Reg{10}, -8, Imm{0}}, Atomic{AtomicOp::Xchg, false, true, Reg{10}, -8, Reg{3}},
               Exit{}},
              {0}};
    RegisterLiveness live(p);
    CHECK((live.live_in(1) & bit(3)) != 0);
    CHECK((live.live_out(1) & bit(3)) == 0);
}

TEST_CASE("LD_ABS / LD_IND read r6 (the ctx) and the offset register, and clobber r0..r5", "[isa][liveness]") {
    const UseDef abs = use_def(PacketLoad{Size::B, false, Reg{0}, 12});
    CHECK(abs.use == bit(6));
    CHECK(abs.def == 0x3f);
    const UseDef ind = use_def(PacketLoad{Size::H, true, Reg{7}, 0});
    CHECK(ind.use == (bit(6) | bit(7)));
    // r6 set at 0 is live until the packet load at 2.
    Program p = assembled("mov %r6, %r1\nmov %r0, 0\nldabsb 12\nexit\n");
    RegisterLiveness live(p);
    CHECK((live.live_in(1) & bit(6)) != 0);
    CHECK((live.live_in(0) & bit(1)) != 0);
    CHECK((live.live_in(0) & bit(6)) == 0);
}

TEST_CASE("helper calls read what HelperReads says, else r1..r5", "[isa][liveness]") {
    Program p = assembled("mov %r1, 1\nmov %r2, 2\ncall 7\nexit\n");
    CHECK(RegisterLiveness(p).live_in(2) == 0x3e);
    HelperReads none = [](int32_t) -> uint16_t { return 0; };
    CHECK(RegisterLiveness(p, none).live_in(2) == 0);
    // Local calls always read r1..r5; every call defines r0..r5.
    CHECK(use_def(Call{CallKind::Local, 1, 5}, none).use == 0x3e);
    CHECK(use_def(Call{CallKind::Helper, 7, -1}).def == 0x3f);
}

TEST_CASE("liveness follows branches and loops, and given use/defs replace the instructions'", "[isa][liveness]") {
    Program p = assembled(R"(
        mov %r2, 0
    loop:
        add %r2, %r3
        jlt %r2, 100, loop
        mov %r0, %r2
        exit
    )");
    RegisterLiveness live(p);
    CHECK(live.live_in(0) == bit(3));
    CHECK(live.live_in(1) == (bit(2) | bit(3)));
    CHECK(live.live_out(2) == (bit(2) | bit(3)));
    // The jit's view: slot 1 emits nothing.
    std::vector<UseDef> ud;
    for (const Instruction& insn : p.insns) ud.push_back(use_def(insn));
    ud[1] = {};
    CHECK(RegisterLiveness(p, ud).live_in(0) == 0);
}
