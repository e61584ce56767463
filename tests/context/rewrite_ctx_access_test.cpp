#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "engine_abi/ctx_layout.hpp"
#include "runtime/context/rewrite_ctx_access.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "verifier/structural_ctx_typing.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa;
using namespace ebpfjit::runtime;

namespace {

Instruction ldx(Size s, uint8_t dst, uint8_t base, int16_t off) { return Load{s, false, Reg{dst}, Reg{base}, off}; }
Instruction stx(Size s, uint8_t base, int16_t off, uint8_t src) { return Store{s, Reg{base}, off, Reg{src}}; }
Instruction st(Size s, uint8_t base, int16_t off, int32_t imm) { return Store{s, Reg{base}, off, Imm{imm}}; }
Instruction mov(uint8_t dst, uint8_t src) { return Alu{AluOp::Mov, true, Reg{dst}, Reg{src}}; }
Instruction movi(uint8_t dst, int32_t imm) { return Alu{AluOp::Mov, true, Reg{dst}, Imm{imm}}; }
Instruction addi(uint8_t dst, int32_t imm) { return Alu{AluOp::Add, true, Reg{dst}, Imm{imm}}; }
Instruction call_helper(int32_t id) { return Call{CallKind::Helper, id, -1}; }
Instruction exit_() { return Exit{}; }

Program prog(std::vector<Instruction> insns, std::vector<int32_t> subs = {0}) {
    return Program{std::move(insns), std::move(subs)};
}

// The structural verifier's ctx typing, then the rewrite from its facts (these tests
// were written for the dataflow that now lives in verifier/structural_ctx_typing.cpp;
// the CFG rules are left out so that small fragments do).
Result<Program> rewrite(const Program& p, ProgramType type) {
    auto typed = verifier::structural_ctx_typing(p, type);
    if (!typed) return fail(Error::at_insn(typed.error().insn, typed.error().violation.text));
    verifier::Facts facts;
    facts.ctx_access = std::move(*typed);
    return rewrite_ctx_access(p, type, facts);
}

const Load& load_at(const Program& p, size_t pc) { return std::get<Load>(p.insns.at(pc)); }

// What the rewritten load reads from a real ctx.
uint64_t read(uint64_t ctx, const Load& l) {
    uint64_t v = 0;
    std::memcpy(&v, reinterpret_cast<const void*>(ctx + l.off), size_t(l.size));
    return v;
}

} // namespace

TEST_CASE("XDP packet pointer loads become 64-bit loads of the real pointers", "[context][rewrite]") {
    auto p = prog({
        ldx(Size::W, 2, 1, offsetof(xdp_md, data_end)),
        ldx(Size::W, 3, 1, offsetof(xdp_md, data_meta)),
        ldx(Size::W, 4, 1, offsetof(xdp_md, ingress_ifindex)),
        ldx(Size::W, 1, 1, offsetof(xdp_md, data)),
        movi(0, 2),
        exit_(),
    });
    auto r = rewrite(p, ProgramType::Xdp);
    REQUIRE(r);
    REQUIRE(r->size() == p.size());

    XdpFrame f;
    std::vector<uint8_t> pkt(64, 0);
    REQUIRE(f.load(pkt, {7, 0, 0}));
    REQUIRE(f.adjust_meta(-4) == 0);
    const uint64_t ctx = f.ctx_address();
    CHECK(load_at(*r, 0).size == Size::DW);
    CHECK(read(ctx, load_at(*r, 0)) == reinterpret_cast<uint64_t>(f.packet().data() + 64));
    CHECK(read(ctx, load_at(*r, 1)) == reinterpret_cast<uint64_t>(f.metadata().data()));
    CHECK(read(ctx, load_at(*r, 3)) == reinterpret_cast<uint64_t>(f.packet().data()));
    CHECK(load_at(*r, 2) == std::get<Load>(p.insns[2])); // scalar field: unchanged
    CHECK(read(ctx, load_at(*r, 2)) == 7);
    CHECK(r->insns[4] == p.insns[4]);
}

TEST_CASE("the ctx is followed through copies, spills and subprogram calls", "[context][rewrite]") {
    auto p = prog({
        mov(6, 1),                                  // 0: r6 = ctx
        stx(Size::DW, 10, -16, 1),                  // 1: spill ctx
        call_helper(7),                             // 2: clobbers r1..r5
        ldx(Size::DW, 3, 10, -16),                  // 3: fill: r3 = ctx
        ldx(Size::W, 4, 3, 0),                      // 4: data via the filled copy
        ldx(Size::W, 5, 6, 4),                      // 5: data_end via r6
        mov(1, 6),                                  // 6
        Call{CallKind::Local, 2, 10},               // 7: subprogram with r1 = ctx
        exit_(),                                    // 8
        exit_(),                                    // 9
        ldx(Size::W, 0, 1, 4),                      // 10: callee reads data_end
        exit_(),                                    // 11
    }, {0, 10});
    auto r = rewrite(p, ProgramType::Xdp);
    REQUIRE(r);
    CHECK(load_at(*r, 4).off == engine_abi::kXdpHostPointers + 0);
    CHECK(load_at(*r, 4).size == Size::DW);
    CHECK(load_at(*r, 5).off == engine_abi::kXdpHostPointers + 8);
    CHECK(load_at(*r, 10).off == engine_abi::kXdpHostPointers + 8);
    CHECK(load_at(*r, 3) == std::get<Load>(p.insns[3])); // the stack fill itself is untouched
}

TEST_CASE("loads from other pointers at ctx offsets are left alone", "[context][rewrite]") {
    auto p = prog({
        ldx(Size::W, 2, 1, 0),   // 0: ctx->data: rewritten
        mov(3, 10),
        addi(3, -8),
        ldx(Size::W, 4, 3, 0),   // 3: stack: not ctx
        call_helper(1),
        ldx(Size::W, 5, 0, 0),   // 5: helper result: not ctx
        ldx(Size::W, 1, 2, 4),   // 6: packet: not ctx
        mov(1, 6),               // 7: r6 was never ctx
        ldx(Size::W, 0, 1, 0),   // 8
        exit_(),
    });
    auto r = rewrite(p, ProgramType::Xdp);
    REQUIRE(r);
    CHECK(load_at(*r, 0).size == Size::DW);
    for (size_t pc : {3, 5, 6, 8}) CHECK(r->insns[pc] == p.insns[pc]);
}

TEST_CASE("a spill slot overwritten by a narrow store no longer holds the ctx", "[context][rewrite]") {
    auto p = prog({
        stx(Size::DW, 10, -8, 1),
        st(Size::W, 10, -4, 0),
        ldx(Size::DW, 2, 10, -8),
        ldx(Size::W, 0, 2, 0),
        exit_(),
    });
    auto r = rewrite(p, ProgramType::Xdp);
    REQUIRE(r);
    CHECK(r->insns[3] == p.insns[3]);
}

TEST_CASE("invalid XDP ctx accesses are errors naming the instruction", "[context][rewrite]") {
    auto expect_error = [](Instruction bad, std::string_view what) {
        auto r = rewrite(prog({movi(0, 0), bad, exit_()}), ProgramType::Xdp);
        REQUIRE_FALSE(r);
        CHECK(r.error().insn == 1u);
        CHECK(r.error().message.find(what) != std::string::npos);
    };
    expect_error(ldx(Size::H, 2, 1, 0), "4-byte load");        // narrow packet pointer
    expect_error(ldx(Size::DW, 2, 1, 0), "no field");          // spans data and data_end
    expect_error(ldx(Size::W, 2, 1, 24), "no field");          // past the struct
    expect_error(ldx(Size::W, 2, 1, -4), "no field");
    expect_error(stx(Size::W, 1, 0, 2), "not writable");       // data
    expect_error(st(Size::W, 1, 12, 1), "not writable");       // ingress_ifindex
    expect_error(Atomic{AtomicOp::Add, false, false, Reg{1}, 12, Reg{2}}, "atomic");
    expect_error(Load{Size::W, true, Reg{2}, Reg{1}, 0}, "4-byte load"); // ldsx
    expect_error(ldx(Size::H, 2, 1, 13), "misaligned");
}

TEST_CASE("one access reached with the ctx and another pointer is an error", "[context][rewrite]") {
    auto p = prog({
        Jump{Cond::Eq, false, Reg{2}, Imm{0}, 2}, // 0
        mov(1, 10),                               // 1: r1 = stack on one path
        ldx(Size::W, 0, 1, -8),                   // 2: ctx or stack
        exit_(),
    });
    auto r = rewrite(p, ProgramType::Xdp);
    REQUIRE_FALSE(r);
    CHECK(r.error().insn == 2u);
}

TEST_CASE("__sk_buff: tc reads packet pointers, writes its writable fields", "[context][rewrite]") {
    auto p = prog({
        ldx(Size::W, 2, 1, offsetof(__sk_buff, data)),
        ldx(Size::W, 3, 1, offsetof(__sk_buff, data_end)),
        ldx(Size::W, 4, 1, offsetof(__sk_buff, len)),
        ldx(Size::B, 4, 1, offsetof(__sk_buff, protocol)),      // narrow scalar read
        ldx(Size::DW, 5, 1, offsetof(__sk_buff, cb)),           // 8 bytes of cb[]
        st(Size::W, 1, offsetof(__sk_buff, mark), 42),
        st(Size::B, 1, offsetof(__sk_buff, cb) + 3, 1),         // narrow cb write
        stx(Size::W, 1, offsetof(__sk_buff, tc_classid), 4),
        movi(0, 0),
        exit_(),
    });
    auto r = rewrite(p, ProgramType::SchedCls);
    REQUIRE(r);
    SkbPacket skb;
    std::vector<uint8_t> frame(64, 0);
    REQUIRE(skb.load(frame));
    CHECK(read(skb.ctx_address(), load_at(*r, 0)) == reinterpret_cast<uint64_t>(skb.bytes().data()));
    CHECK(read(skb.ctx_address(), load_at(*r, 1)) == reinterpret_cast<uint64_t>(skb.bytes().data() + 64));
    CHECK(read(skb.ctx_address(), load_at(*r, 2)) == 64);
    for (size_t pc = 2; pc < p.size(); ++pc) CHECK(r->insns[pc] == p.insns[pc]);
}

TEST_CASE("__sk_buff: socket filters see no packet pointers and write only cb[]", "[context][rewrite]") {
    auto check = [](Instruction insn, bool ok) {
        auto r = rewrite(prog({insn, exit_()}), ProgramType::SocketFilter);
        CHECK(bool(r) == ok);
        if (!r) CHECK(r.error().insn == 0u);
    };
    check(ldx(Size::W, 2, 1, offsetof(__sk_buff, len)), true);
    check(ldx(Size::W, 2, 1, offsetof(__sk_buff, data)), false);
    check(ldx(Size::W, 2, 1, offsetof(__sk_buff, data_end)), false);
    check(ldx(Size::W, 2, 1, offsetof(__sk_buff, tc_classid)), false);
    check(st(Size::W, 1, offsetof(__sk_buff, mark), 1), false);
    check(st(Size::W, 1, offsetof(__sk_buff, cb) + 16, 1), true);
    check(st(Size::W, 1, offsetof(__sk_buff, cb) + 20, 1), false); // hash, read-only
    check(st(Size::H, 1, offsetof(__sk_buff, priority), 1), false);
}

TEST_CASE("tc writes must be whole fields, reads no wider than the field", "[context][rewrite]") {
    auto r1 = rewrite(prog({st(Size::H, 1, offsetof(__sk_buff, mark), 1), exit_()}),
                                 ProgramType::SchedCls);
    REQUIRE_FALSE(r1);
    CHECK(r1.error().message.find("whole") != std::string::npos);
    auto r2 = rewrite(prog({ldx(Size::DW, 2, 1, offsetof(__sk_buff, mark)), exit_()}),
                                 ProgramType::SchedCls);
    CHECK_FALSE(r2);
    auto r3 = rewrite(prog({st(Size::W, 1, offsetof(__sk_buff, len), 1), exit_()}),
                                 ProgramType::SchedCls);
    CHECK_FALSE(r3);
}

TEST_CASE("tc reads and writes tstamp whole as a u64; socket filters not at all", "[context][rewrite]") {
    const int16_t ts = offsetof(__sk_buff, tstamp);
    auto whole = prog({ldx(Size::DW, 2, 1, ts), stx(Size::DW, 1, ts, 2), st(Size::DW, 1, ts, 5), exit_()});
    auto r = rewrite(whole, ProgramType::SchedCls);
    if (!r) FAIL(r.error().to_string());
    CHECK(r->insns == whole.insns); // a plain scalar in the uapi part: nothing to convert
    for (const Instruction& bad : {ldx(Size::W, 2, 1, ts), ldx(Size::W, 2, 1, int16_t(ts + 4)), stx(Size::W, 1, ts, 2),
                                   ldx(Size::B, 2, 1, ts)}) {
        auto rr = rewrite(prog({bad, exit_()}), ProgramType::SchedCls);
        CHECK_FALSE(rr);
    }
    auto sock = rewrite(prog({ldx(Size::DW, 2, 1, ts), exit_()}), ProgramType::SocketFilter);
    REQUIRE_FALSE(sock);
    CHECK(sock.error().message.find("tstamp is not readable for") != std::string::npos);
}

TEST_CASE("mem programs have no ctx layout and come back unchanged", "[context][rewrite]") {
    auto p = prog({ldx(Size::H, 0, 1, 0), stx(Size::DW, 1, 0, 0), exit_()});
    auto r = rewrite(p, ProgramType::Mem);
    REQUIRE(r);
    CHECK(r->insns == p.insns);
}

TEST_CASE("the layout tables agree with the uapi structs", "[context][rewrite]") {
    for (ProgramType t : {ProgramType::Xdp, ProgramType::SchedCls}) {
        const engine_abi::HostCtxLayout* l = engine_abi::host_ctx_layout(t);
        REQUIRE(l);
        for (const engine_abi::HostCtxField& f : l->fields) {
            CHECK(f.offset + f.size <= l->uapi_size);
            if (f.kind == engine_abi::CtxFieldKind::Scalar) {
                CHECK(f.host_offset == f.offset);
            } else if (f.kind == engine_abi::CtxFieldKind::SkbSocket) { // __sk_buff.sk: a u64, in place
                CHECK(f.size == 8);
                CHECK(f.host_offset == f.offset);
            } else {
                CHECK(f.size == 4);
                CHECK(f.host_size == 8);
                CHECK(f.host_offset + 8u <= l->host_size);
            }
        }
    }
    CHECK(engine_abi::host_ctx_layout(ProgramType::Mem) == nullptr);
}

// The rewrite reads the verifier's facts and nothing else.
namespace {
verifier::Facts facts_for(const Program& p, std::initializer_list<std::pair<uint32_t, verifier::CtxAccess>> at) {
    verifier::Facts f;
    f.ctx_access.assign(p.size(), verifier::CtxAccess{});
    for (const auto& [pc, acc] : at) f.ctx_access[pc] = acc;
    return f;
}
} // namespace

TEST_CASE("the rewrite converts exactly the slots the facts name", "[context][rewrite][facts]") {
    // r1 is the ctx at both loads, but the facts name only slot 1: slot 0 stays a u32 load.
    auto p = prog({ldx(Size::W, 2, 1, 0), ldx(Size::W, 3, 1, 4), exit_()});
    auto r = rewrite_ctx_access(p, ProgramType::Xdp, facts_for(p, {{1, {true, 4, 4}}}));
    REQUIRE(r);
    CHECK(r->insns[0] == p.insns[0]);
    CHECK(load_at(*r, 1).off == engine_abi::kXdpHostPointers + 8);
    CHECK(load_at(*r, 1).size == Size::DW);
    // A stack load the facts call a ctx access is converted too: which is why only the
    // verifier may say so.
    auto q = prog({mov(2, 10), ldx(Size::W, 0, 2, 0), exit_()});
    auto rq = rewrite_ctx_access(q, ProgramType::Xdp, facts_for(q, {{1, {true, 0, 4}}}));
    REQUIRE(rq);
    CHECK(load_at(*rq, 1).size == Size::DW);
}

TEST_CASE("the rewrite refuses missing facts and facts that do not fit the instruction", "[context][rewrite][facts]") {
    auto p = prog({ldx(Size::W, 2, 1, 0), exit_()});
    auto none = rewrite_ctx_access(p, ProgramType::Xdp, verifier::Facts{});
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("verify it") != std::string::npos);
    auto wrong_field = rewrite_ctx_access(p, ProgramType::Xdp, facts_for(p, {{0, {true, 4, 4}}}));
    REQUIRE_FALSE(wrong_field);
    CHECK(wrong_field.error().insn == 0u);
    auto not_an_access = rewrite_ctx_access(p, ProgramType::Xdp, facts_for(p, {{1, {true, 0, 4}}}));
    REQUIRE_FALSE(not_an_access);
    CHECK(not_an_access.error().insn == 1u);
    // Mem programs have no ctx: no facts needed.
    CHECK(rewrite_ctx_access(p, ProgramType::Mem, verifier::Facts{}));
}

// gso_segs / gso_size: read-only u32 fields of every __sk_buff program (the kernel's
// bpf_skb_is_valid_access default case: narrow reads, no writes); an skb here is never a
// GSO super-frame, so a loaded packet reads 0 in both, as a non-GSO skb does in the kernel.
TEST_CASE("__sk_buff gso_segs and gso_size: read-only, narrow reads, 0 on a loaded skb", "[context][rewrite]") {
    const int16_t segs = offsetof(__sk_buff, gso_segs), size = offsetof(__sk_buff, gso_size);
    for (ProgramType t : {ProgramType::SchedCls, ProgramType::SocketFilter}) {
        auto reads = prog({ldx(Size::W, 2, 1, segs), ldx(Size::W, 3, 1, size), ldx(Size::H, 4, 1, size),
                           ldx(Size::B, 5, 1, int16_t(size + 3)), exit_()});
        auto r = rewrite(reads, t);
        if (!r) FAIL(r.error().to_string());
        CHECK(r->insns == reads.insns); // plain scalars in the uapi part
        for (const Instruction& bad : {st(Size::W, 1, size, 1), stx(Size::W, 1, segs, 2), ldx(Size::DW, 2, 1, size)}) {
            auto rr = rewrite(prog({bad, exit_()}), t);
            CHECK_FALSE(rr);
        }
    }
    SkbPacket skb;
    REQUIRE(skb.load(std::vector<uint8_t>(1500, 0xab)));
    CHECK(read(skb.ctx_address(), load_at(prog({ldx(Size::W, 2, 1, segs)}), 0)) == 0);
    CHECK(read(skb.ctx_address(), load_at(prog({ldx(Size::W, 2, 1, size)}), 0)) == 0);
}
