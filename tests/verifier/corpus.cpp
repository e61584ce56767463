// The corpus. Each case is built with the in-test Builder; rejected cases record the
// instruction the rejection must name (captured with b.size() right before it).
#include "corpus.hpp"

#include <fmt/format.h>

#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

using isa::AtomicOp;
using isa::EndianOp;
constexpr auto B = Size::B;
constexpr auto H = Size::H;
constexpr auto W = Size::W;
constexpr auto DW = Size::DW;
constexpr auto Xdp = ProgramType::Xdp;
constexpr auto Tc = ProgramType::SchedCls;
constexpr auto Sock = ProgramType::SocketFilter;
constexpr auto Mem = ProgramType::Mem;

class Corpus {
public:
    void accept(std::string name, ProgramType t, const Builder& b) {
        cases.push_back({std::move(name), t, b.build(), true});
    }
    void reject(std::string name, ProgramType t, const Builder& b, Reason r, size_t insn) {
        cases.push_back({std::move(name), t, b.build(), false, r, uint32_t(insn)});
    }
    std::vector<CorpusCase> cases;
};

// r2 = data, r3 = data_end (slots 0, 1).
Builder xdp_start() {
    Builder b;
    b.ldx(W, r2, r1, 0).ldx(W, r3, r1, 4);
    return b;
}
// if data + n > data_end goto drop (3 slots)
Builder& check_len(Builder& b, int32_t n, R ptr = r2, R tmp = r4) {
    return b.mov(tmp, ptr).add(tmp, n).j(Cond::Gt, tmp, r3, "drop");
}
// pass: return XDP_PASS; drop: return XDP_DROP
Builder& finish(Builder& b) { return b.label("pass").mov(r0, 2).exit().label("drop").mov(r0, 1).exit(); }
// *(u32 *)(fp - 4) = key; r2 = fp - 4; r1 = map; call map_lookup_elem  (6 slots + 1 for lddw)
Builder& lookup(Builder& b, int32_t map, int32_t key = 0) {
    return b.st(W, r10, -4, key).mov(r2, r10).add(r2, -4).ld_map(r1, map).call(1);
}

void accept_xdp_parsers(Corpus& c) {
    { Builder b; b.mov(r0, 2).exit(); c.accept("xdp_pass", Xdp, b); }
    { // ethernet: read the ethertype
        Builder b = xdp_start();
        check_len(b, 14).ldx(H, r5, r2, 12).j(Cond::Ne, r5, 0x0008, "pass").ja("drop");
        finish(b);
        c.accept("eth_ethertype", Xdp, b);
    }
    { // ipv4 protocol
        Builder b = xdp_start();
        check_len(b, 34).ldx(H, r5, r2, 12).j(Cond::Ne, r5, 0x0008, "pass").ldx(B, r5, r2, 23)
            .j(Cond::Eq, r5, 17, "drop");
        finish(b);
        c.accept("ipv4_protocol", Xdp, b);
    }
    { // ipv4 with variable header length, then the UDP destination port
        Builder b = xdp_start();
        check_len(b, 34).ldx(B, r5, r2, 14).and_(r5, 0xf).lsh(r5, 2).mov(r6, r2).add(r6, 14).add(r6, r5)
            .mov(r7, r6).add(r7, 8).j(Cond::Gt, r7, r3, "drop").ldx(H, r0, r6, 2).j(Cond::Eq, r0, 0x3500, "drop");
        finish(b);
        c.accept("ipv4_ihl_udp_port", Xdp, b);
    }
    { // ipv6 next header
        Builder b = xdp_start();
        check_len(b, 54).ldx(H, r5, r2, 12).j(Cond::Ne, r5, 0xdd86, "pass").ldx(B, r5, r2, 20)
            .j(Cond::Eq, r5, 6, "drop");
        finish(b);
        c.accept("ipv6_next_header", Xdp, b);
    }
    { // tcp flags at 14 + 20 + 13
        Builder b = xdp_start();
        check_len(b, 54).ldx(B, r5, r2, 23).j(Cond::Ne, r5, 6, "pass").ldx(B, r5, r2, 47).and_(r5, 0x02)
            .j(Cond::Ne, r5, 0, "drop");
        finish(b);
        c.accept("tcp_syn", Xdp, b);
    }
    { // udp: both ports
        Builder b = xdp_start();
        check_len(b, 42).ldx(H, r5, r2, 34).ldx(H, r6, r2, 36).j(Cond::Eq, r5, r6, "drop");
        finish(b);
        c.accept("udp_ports", Xdp, b);
    }
    { // one vlan tag
        Builder b = xdp_start();
        check_len(b, 14).ldx(H, r5, r2, 12).j(Cond::Ne, r5, 0x0081, "pass");
        check_len(b, 18).ldx(H, r5, r2, 16).j(Cond::Eq, r5, 0x0008, "drop");
        finish(b);
        c.accept("vlan", Xdp, b);
    }
    { // two vlan tags, the header pointer advanced each time (pointer += const keeps range)
        Builder b = xdp_start();
        b.mov(r6, r2).add(r6, 12);
        check_len(b, 14).ldx(H, r5, r6, 0).j(Cond::Ne, r5, 0x0081, "pass").add(r6, 4);
        b.mov(r4, r6).add(r4, 2).j(Cond::Gt, r4, r3, "drop").ldx(H, r5, r6, 0).j(Cond::Ne, r5, 0x0081, "pass")
            .add(r6, 4).mov(r4, r6).add(r4, 2).j(Cond::Gt, r4, r3, "drop").ldx(H, r0, r6, 0);
        finish(b);
        c.accept("qinq", Xdp, b);
    }
    { // comparison written the other way round: data_end < data + 14
        Builder b = xdp_start();
        b.mov(r4, r2).add(r4, 14).j(Cond::Lt, r3, r4, "drop").ldx(B, r0, r2, 13).ja("pass");
        finish(b);
        c.accept("end_lt_ptr", Xdp, b);
    }
    { // data + 14 <= data_end on the taken edge
        Builder b = xdp_start();
        b.mov(r4, r2).add(r4, 14).j(Cond::Le, r4, r3, "ok").ja("drop").label("ok").ldx(H, r0, r2, 12).ja("pass");
        finish(b);
        c.accept("ptr_le_end", Xdp, b);
    }
    { // data + 14 >= data_end taken means nothing; fall-through means < end
        Builder b = xdp_start();
        b.mov(r4, r2).add(r4, 14).j(Cond::Ge, r4, r3, "drop").ldx(W, r0, r2, 10).ja("pass");
        finish(b);
        c.accept("ptr_ge_end", Xdp, b);
    }
    { // variable offset: index from the packet, masked, then range checked
        Builder b = xdp_start();
        check_len(b, 1).ldx(B, r5, r2, 0).and_(r5, 63).mov(r6, r2).add(r6, r5).mov(r7, r6).add(r7, 4)
            .j(Cond::Gt, r7, r3, "drop").ldx(W, r0, r6, 0);
        finish(b);
        c.accept("variable_offset_after_check", Xdp, b);
    }
    { // packet metadata: data_meta + 4 <= data
        Builder b = xdp_start();
        b.ldx(W, r5, r1, 8).mov(r4, r5).add(r4, 4).j(Cond::Gt, r4, r2, "drop").ldx(W, r0, r5, 0);
        finish(b);
        c.accept("xdp_meta", Xdp, b);
    }
    { // write to the packet: swap MAC bytes
        Builder b = xdp_start();
        check_len(b, 14).ldx(W, r5, r2, 0).ldx(W, r6, r2, 6).stx(W, r2, 0, r6).stx(W, r2, 6, r5).st(H, r2, 12, 0);
        finish(b);
        c.accept("packet_write", Xdp, b);
    }
    { // rx queue and ifindex from ctx
        Builder b;
        b.ldx(W, r2, r1, 12).ldx(W, r3, r1, 16).ldx(W, r4, r1, 20).mov(r0, r2).add(r0, r3).add(r0, r4)
            .and_(r0, 3).exit();
        c.accept("xdp_ctx_scalars", Xdp, b);
    }
    { // the ctx pointer survives a copy and `+= 0` (a nonzero offset: ctx_copy_offset below)
        Builder b;
        b.mov(r6, r1).add(r6, 0).ldx(W, r3, r6, 4).ldx(W, r2, r6, 0);
        check_len(b, 1).ldx(B, r0, r2, 0).ja("pass");
        finish(b);
        c.accept("ctx_copy_add_zero", Xdp, b);
    }
    { // be16 of a packet field
        Builder b = xdp_start();
        check_len(b, 14).ldx(H, r5, r2, 12).endian(EndianOp::ToBe, 16, r5).j(Cond::Eq, r5, 0x0800, "drop");
        finish(b);
        c.accept("be16_ethertype", Xdp, b);
    }
    { // xdp_adjust_head, then reload the pointers
        Builder b;
        b.mov(r6, r1).mov(r2, 14).call(44).mov(r1, r6).ldx(W, r2, r1, 0).ldx(W, r3, r1, 4);
        check_len(b, 4).ldx(W, r0, r2, 0).ja("pass");
        finish(b);
        c.accept("adjust_head_reload", Xdp, b);
    }
    { // redirect through a devmap
        Builder b;
        b.ld_map(r1, kDevMap).mov(r2, 0).mov(r3, 0).call(51).exit();
        c.accept("redirect_map", Xdp, b);
    }
}

void accept_maps(Corpus& c) {
    { // counter: lookup, NULL check, atomic add
        Builder b;
        lookup(b, kHashMap).j(Cond::Eq, r0, 0, "out").mov(r1, 1).atomic(AtomicOp::Add, false, true, r0, 0, r1);
        b.label("out").mov(r0, 2).exit();
        c.accept("map_counter_atomic", Xdp, b);
    }
    { // counter: load, add, store
        Builder b;
        lookup(b, kHashMap).j(Cond::Eq, r0, 0, "out").ldx(DW, r1, r0, 0).add(r1, 1).stx(DW, r0, 0, r1);
        b.label("out").mov(r0, 2).exit();
        c.accept("map_counter_rmw", Xdp, b);
    }
    { // null check written as != 0
        Builder b;
        lookup(b, kArrayMap).j(Cond::Ne, r0, 0, "hit").mov(r0, 0).exit().label("hit").ldx(DW, r0, r0, 8).exit();
        c.accept("map_null_check_ne", Xdp, b);
    }
    { // the NULL check on one copy covers the other
        Builder b;
        lookup(b, kArrayMap).mov(r6, r0).j(Cond::Eq, r0, 0, "out").ldx(W, r0, r6, 12).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("null_check_copy", Xdp, b);
    }
    { // map_update with key and value on the stack
        Builder b;
        b.st(W, r10, -4, 7).st(DW, r10, -16, 0).mov(r2, r10).add(r2, -4).mov(r3, r10).add(r3, -16)
            .ld_map(r1, kHashMap).mov(r4, 0).call(2).mov(r0, 2).exit();
        c.accept("map_update", Xdp, b);
    }
    { // map_delete
        Builder b;
        b.st(W, r10, -4, 7).mov(r2, r10).add(r2, -4).ld_map(r1, kHashMap).call(3).mov(r0, 2).exit();
        c.accept("map_delete", Xdp, b);
    }
    { // variable index into an array value, bounded by a mask
        Builder b = xdp_start();
        check_len(b, 1).ldx(B, r6, r2, 0);
        lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "pass").and_(r6, 7).add(r0, r6).ldx(B, r0, r0, 8).ja("pass");
        finish(b);
        c.accept("map_value_variable_offset", Xdp, b);
    }
    { // variable index bounded by a comparison
        Builder b;
        b.call(7).mov(r6, r0);
        lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").j(Cond::Gt, r6, 12, "out").add(r0, r6).ldx(W, r0, r0, 0).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("map_value_index_compared", Xdp, b);
    }
    { // global data (.data) through a direct value LDDW
        Builder b;
        b.ld_map_value(r1, kGlobalData, 8).ldx(DW, r2, r1, 0).add(r2, 1).stx(DW, r1, 0, r2).ldx(DW, r0, r1, 48).exit();
        c.accept("global_data", Xdp, b);
    }
    { // read-only data may be read
        Builder b;
        b.ld_map_value(r1, kReadOnlyMap, 0).ldx(DW, r0, r1, 8).exit();
        c.accept("rodata_read", Xdp, b);
    }
    { // key built from packet bytes
        Builder b = xdp_start();
        check_len(b, 34).ldx(W, r5, r2, 26).stx(W, r10, -4, r5).mov(r2, r10).add(r2, -4).ld_map(r1, kHashMap)
            .call(1).j(Cond::Eq, r0, 0, "pass").ja("drop");
        finish(b);
        c.accept("key_from_packet", Xdp, b);
    }
    { // ringbuf reserve / submit
        Builder b;
        b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out").st(DW, r0, 0, 1)
            .st(DW, r0, 8, 2).mov(r1, r0).mov(r2, 0).call(132);
        b.label("out").mov(r0, 0).exit();
        c.accept("ringbuf_reserve_submit", Xdp, b);
    }
    { // ringbuf reserve, then submit on one path and discard on the other
        Builder b;
        b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out").mov(r6, r0)
            .call(7).mov(r1, r6).mov(r2, 0).j(Cond::Gt, r0, 100, "discard").call(132).ja("out");
        b.label("discard").call(133);
        b.label("out").mov(r0, 0).exit();
        c.accept("ringbuf_submit_or_discard", Xdp, b);
    }
    { // ringbuf output from the stack
        Builder b;
        b.st(DW, r10, -8, 5).ld_map(r1, kRingbufMap).mov(r2, r10).add(r2, -8).mov(r3, 8).mov(r4, 0).call(130)
            .mov(r0, 0).exit();
        c.accept("ringbuf_output", Xdp, b);
    }
    { // perf_event_output with the ctx
        Builder b;
        b.st(DW, r10, -8, 5).ld_map(r2, kPerfArray).lddw(r3, 0xffffffffULL).mov(r4, r10).add(r4, -8).mov(r5, 8)
            .call(25).mov(r0, 2).exit();
        c.accept("perf_event_output", Xdp, b);
    }
    { // trace_printk of a .rodata string (the unprivileged rules read the format: no %s)
        Builder b;
        b.ld_map_value(r1, kReadOnlyMap, 0).mov(r2, 4).call(6).mov(r0, 0).exit();
        c.accept("trace_printk", Xdp, b);
    }
}

void accept_control_flow(Corpus& c) {
    { Builder b; b.mov(r1, 0).label("l").add(r1, 1).j(Cond::Lt, r1, 10, "l").mov(r0, r1).exit();
      c.accept("bounded_loop_10", Xdp, b); }
    { Builder b; b.mov(r1, 0).mov(r0, 0).label("l").add(r0, r1).add(r1, 1).j(Cond::Lt, r1, 1000, "l").exit();
      c.accept("bounded_loop_1000", Xdp, b); }
    { Builder b; b.mov32(r1, 0).label("l").alu(AluOp::Add, r1, 1, false).j(Cond::Lt, r1, 100, "l", true).mov(r0, 0).exit();
      c.accept("bounded_loop_jmp32", Xdp, b); }
    { // count down
      Builder b; b.mov(r1, 50).label("l").sub(r1, 1).j(Cond::Ne, r1, 0, "l").mov(r0, 0).exit();
      c.accept("countdown_loop", Xdp, b); }
    { // loop over packet bytes with a check each iteration
        Builder b = xdp_start();
        b.mov(r0, 0).mov(r6, 0).label("l").mov(r4, r2).add(r4, r6).mov(r5, r4).add(r5, 1).j(Cond::Gt, r5, r3, "done")
            .ldx(B, r5, r4, 0).add(r0, r5).add(r6, 1).j(Cond::Lt, r6, 16, "l").label("done").exit();
        c.accept("packet_loop", Xdp, b);
    }
    { // local call
        Builder b;
        b.mov(r1, 21).call_local("double").exit().label("double").mov(r0, r1).lsh(r0, 1).exit();
        c.accept("local_call", Xdp, b);
    }
    { // callee reads and writes its caller's stack
        Builder b;
        b.st(DW, r10, -8, 3).mov(r1, r10).add(r1, -8).call_local("f").ldx(DW, r0, r10, -8).exit()
            .label("f").ldx(DW, r2, r1, 0).add(r2, 1).stx(DW, r1, 0, r2).mov(r0, 0).exit();
        c.accept("call_stack_pointer_arg", Xdp, b);
    }
    { // calls three deep, each with its own frame
        Builder b;
        b.mov(r1, 1).call_local("a").exit();
        b.label("a").st(DW, r10, -8, 1).call_local("b").add(r0, 1).exit();
        b.label("b").st(DW, r10, -8, 2).call_local("c").add(r0, 1).exit();
        b.label("c").mov(r0, r1).exit();
        c.accept("nested_calls", Xdp, b);
    }
    { // callee checks a packet pointer it is given (ctx passed along)
        Builder b;
        b.call_local("parse").exit();
        b.label("parse").ldx(W, r2, r1, 0).ldx(W, r3, r1, 4);
        check_len(b, 14).ldx(H, r0, r2, 12).exit().label("drop").mov(r0, 1).exit();
        c.accept("call_parser", Xdp, b);
    }
    { // callee-saved registers survive a call
        Builder b;
        b.mov(r6, r1).mov(r1, 5).call_local("f").ldx(W, r2, r6, 0).mov(r0, 2).exit()
            .label("f").mov(r0, r1).exit();
        c.accept("callee_saved", Xdp, b);
    }
    { // tail call then fall back
        Builder b;
        b.ld_map(r2, kProgArray).mov(r3, 1).call(12).mov(r0, 2).exit();
        c.accept("tail_call", Xdp, b);
    }
    { // tail call with an index from the packet
        Builder b = xdp_start();
        check_len(b, 1).ldx(B, r3, r2, 0).ld_map(r2, kProgArray).call(12).ja("pass");
        finish(b);
        c.accept("tail_call_packet_index", Xdp, b);
    }
    { // dead branch: the verifier knows r1 == 5
        Builder b;
        b.mov(r1, 5).j(Cond::Gt, r1, 10, "bad").mov(r0, 0).exit().label("bad").mov(r0, r9).exit();
        c.accept("dead_branch", Xdp, b);
    }
    { // diamonds: pruning keeps 2^20 paths linear
        Builder b;
        b.call(7).mov(r6, r0).mov(r0, 0);
        for (int i = 0; i < 20; ++i) {
            std::string l = fmt::format("d{}", i);
            b.mov(r7, r6).rsh(r7, i).and_(r7, 1).j(Cond::Eq, r7, 0, l).add(r0, 1).label(l);
        }
        b.and_(r0, 0xff).exit();
        c.accept("diamonds_20", Xdp, b);
    }
    { // JSET
        Builder b;
        b.call(7).j(Cond::Set, r0, 4, "set").mov(r0, 0).exit().label("set").mov(r0, 1).exit();
        c.accept("jset", Xdp, b);
    }
    { // signed bounds
        Builder b;
        Builder b2;
        b2.call(7).alu(AluOp::MovSx8, r1, r0).j(Cond::SLt, r1, 0, "neg").mov(r0, r1).exit()
            .label("neg").alu(AluOp::Neg, r1, 0).mov(r0, r1).exit();
        c.accept("signed_branch", Xdp, b2);
    }
    { // division and modulo by constants and registers
        Builder b;
        b.call(7).mov(r6, r0).alu(AluOp::Div, r6, 10).alu(AluOp::Mod, r0, 7).call(7).mov(r2, r0)
            .alu(AluOp::Div, r6, r2).alu(AluOp::SMod, r6, r2).mov(r0, r6).exit();
        c.accept("division", Xdp, b);
    }
    { // 32-bit ALU on 64-bit values
        Builder b;
        b.lddw(r1, 0x1234567890ULL).alu(AluOp::Add, r1, 1, false).alu(AluOp::Lsh, r1, 3, false)
            .alu(AluOp::Arsh, r1, 2, false).mov32(r0, r1).exit();
        c.accept("alu32", Xdp, b);
    }
    { // spilled packet pointers survive the stack
        Builder b = xdp_start();
        b.stx(DW, r10, -8, r2).stx(DW, r10, -16, r3).mov(r2, 0).mov(r3, 0).ldx(DW, r2, r10, -8).ldx(DW, r3, r10, -16);
        check_len(b, 4).ldx(W, r0, r2, 0).ja("pass");
        finish(b);
        c.accept("spill_packet_pointers", Xdp, b);
    }
    { // a range proven before the spill is still there after the fill
        Builder b = xdp_start();
        check_len(b, 8).stx(DW, r10, -8, r2).ldx(DW, r5, r10, -8).ldx(DW, r0, r5, 0).ja("pass");
        finish(b);
        c.accept("spill_keeps_range", Xdp, b);
    }
    { // spilled maybe-NULL pointer, checked after the fill
        Builder b;
        lookup(b, kArrayMap).stx(DW, r10, -16, r0).ldx(DW, r6, r10, -16).j(Cond::Eq, r6, 0, "out")
            .ldx(DW, r0, r6, 0).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("spill_or_null", Xdp, b);
    }
    { // checking the register also validates the spilled copy
        Builder b;
        lookup(b, kArrayMap).stx(DW, r10, -16, r0).j(Cond::Eq, r0, 0, "out").ldx(DW, r6, r10, -16)
            .ldx(DW, r0, r6, 0).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("null_check_spilled_copy", Xdp, b);
    }
    { // variable-offset stack read within an initialised buffer
        Builder b;
        b.st(DW, r10, -8, 1).st(DW, r10, -16, 2).call(7).and_(r0, 7).mov(r1, r10).add(r1, -16).add(r1, r0)
            .ldx(B, r0, r1, 0).exit();
        c.accept("stack_variable_offset", Xdp, b);
    }
    { // bounds learnt on a copy apply to the original
        Builder b = xdp_start();
        check_len(b, 1).ldx(B, r5, r2, 0).mov(r6, r5).j(Cond::Gt, r6, 8, "drop").add(r2, r5).mov(r4, r2).add(r4, 2)
            .j(Cond::Gt, r4, r3, "drop").ldx(H, r0, r2, 0).ja("pass");
        finish(b);
        c.accept("scalar_copy_bounds", Xdp, b);
    }
    { // 32-bit comparison bounds a zero-extended value
        Builder b;
        b.call(7).mov32(r6, r0);
        lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").j(Cond::Gt, r6, 8, "out", true).add(r0, r6)
            .ldx(DW, r0, r0, 0).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("jmp32_bounds", Xdp, b);
    }
    { // atomic fetch-add on the stack
        Builder b;
        b.st(DW, r10, -8, 0).mov(r1, 1).atomic(AtomicOp::Add, true, true, r10, -8, r1).mov(r0, r1).exit();
        c.accept("stack_atomic_fetch", Xdp, b);
    }
    { // cmpxchg on a map value
        Builder b;
        lookup(b, kHashMap).j(Cond::Eq, r0, 0, "out").mov(r1, r0).mov(r0, 0).mov(r2, 1)
            .atomic(AtomicOp::CmpXchg, true, true, r1, 0, r2).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("map_cmpxchg", Xdp, b);
    }
    { // 32-bit atomic at map value + 4, and 64-bit atomics at a variable offset whose low
      // three bits are known zero: aligned, as the kernel's strict alignment check wants
        Builder b;
        lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").mov(r1, 1).atomic(AtomicOp::Add, false, false, r0, 4, r1)
            .mov(r6, r0).call(7).and_(r0, 8).add(r6, r0).mov(r1, 1).atomic(AtomicOp::Or, false, true, r6, 0, r1);
        b.label("out").mov(r0, 2).exit();
        c.accept("map_value_atomics_aligned", Xdp, b);
    }
}

void accept_other_types(Corpus& c) {
    { // tc: read len and mark, write mark and priority
        Builder b;
        b.ldx(W, r2, r1, 0).ldx(W, r3, r1, 8).add(r3, r2).stx(W, r1, 8, r3).st(W, r1, 32, 1).mov(r0, 0).exit();
        c.accept("tc_mark", Tc, b);
    }
    { // tc: direct packet access
        Builder b;
        b.ldx(W, r2, r1, 76).ldx(W, r3, r1, 80);
        check_len(b, 14).ldx(H, r0, r2, 12).ja("pass");
        finish(b);
        c.accept("tc_packet", Tc, b);
    }
    { // tc: cb[] scratch
        Builder b;
        b.st(W, r1, 48, 1).st(W, r1, 64, 2).ldx(W, r0, r1, 52).exit();
        c.accept("tc_cb", Tc, b);
    }
    { // socket filter: LD_ABS / LD_IND
        Builder b;
        b.mov(r6, r1).ld_abs(H, 12).j(Cond::Ne, r0, 0x0800, "out").mov(r7, 14).ld_ind(B, r7, 9).exit();
        b.label("out").mov(r0, 0).exit();
        c.accept("socket_ld_abs", Sock, b);
    }
    { // the callback program ld_abs_with_a_callback without its LD_ABS: bpf_loop is allowed here
        Builder b;
        b.mov(r6, r1).mov(r1, 4).ld_func(r2, "cb").mov(r3, 0).mov(r4, 0).call(181).mov(r0, 0).exit();
        b.label("cb").mov(r0, 0).exit();
        c.accept("socket_loop_without_ld_abs", Sock, b);
    }
    { // socket filter: skb_load_bytes into the stack
        Builder b;
        b.mov(r2, 12).mov(r3, r10).add(r3, -8).mov(r4, 2).call(26).ldx(H, r0, r10, -8).exit();
        c.accept("socket_load_bytes", Sock, b);
    }
    { // socket filter: read skb->len, write cb
        Builder b;
        b.ldx(W, r0, r1, 0).st(W, r1, 48, 0).exit();
        c.accept("socket_len", Sock, b);
    }
    { // mem: length check, then read
        Builder b;
        b.j(Cond::Lt, r2, 8, "out").ldx(DW, r0, r1, 0).exit().label("out").mov(r0, 0).exit();
        c.accept("mem_len_check", Mem, b);
    }
    { // mem: end pointer
        Builder b;
        b.mov(r3, r1).add(r3, r2).mov(r4, r1).add(r4, 4).j(Cond::Gt, r4, r3, "out").ldx(W, r0, r1, 0).exit()
            .label("out").mov(r0, 0).exit();
        c.accept("mem_end_pointer", Mem, b);
    }
    { // mem: sum up to 32 bytes of the buffer
        Builder b;
        b.mov(r3, r1).add(r3, r2).mov(r0, 0).mov(r6, 0).label("l").mov(r4, r1).add(r4, 1).j(Cond::Gt, r4, r3, "out")
            .ldx(B, r5, r1, 0).add(r0, r5).mov(r1, r4).add(r6, 1).j(Cond::Lt, r6, 32, "l").label("out").exit();
        c.accept("mem_sum_loop", Mem, b);
    }
    { // mem: pure compute, no memory
        Builder b;
        b.mov(r0, 1).mov(r1, 10).label("l").alu(AluOp::Mul, r0, 3).sub(r1, 1).j(Cond::Ne, r1, 0, "l").exit();
        c.accept("mem_compute", Mem, b);
    }
}

// One program per rule.
void reject_rules(Corpus& c) {
    // Was accepted here once; the kernel rejects it ("dereference of modified ctx ptr R6
    // off=4 disallowed"), and the ctx rewrite knows a field from insn.off alone.
    { Builder b; b.mov(r6, r1).add(r6, 4); size_t at = b.size(); b.ldx(W, r3, r6, 0).mov(r0, 2).exit();
      c.reject("ctx_copy_offset", Xdp, b, Reason::ContextAccess, at); }
    { Builder b; size_t at = b.size(); b.mov(r0, r5).exit();
      c.reject("uninit_register", Xdp, b, Reason::UninitializedRegister, at); }
    { Builder b; b.mov(r1, 0); size_t at = b.size(); b.exit();
      c.reject("exit_r0_uninit", Xdp, b, Reason::UninitializedRegister, at); }
    { Builder b; lookup(b, kHashMap); size_t at = b.size(); b.mov(r0, r1).exit();
      c.reject("args_clobbered_by_call", Xdp, b, Reason::UninitializedRegister, at); }
    { Builder b; size_t at = b.size(); b.mov(r10, 0).mov(r0, 0).exit();
      c.reject("write_r10", Xdp, b, Reason::WriteToFramePointer, at); }
    { Builder b; size_t at = b.size(); b.alu(AluOp::Mul, r1, 2).mov(r0, 0).exit();
      c.reject("ptr_mul", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; b.mov(r2, r1); size_t at = b.size(); b.add(r2, r1).mov(r0, 0).exit();
      c.reject("ptr_plus_ptr", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; size_t at = b.size(); b.alu(AluOp::Add, r1, 4, false).mov(r0, 0).exit();
      c.reject("ptr_alu32", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; lookup(b, kHashMap); size_t at = b.size(); b.add(r0, 4).mov(r0, 0).exit();
      c.reject("ptr_arith_or_null", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b = xdp_start(); size_t at = b.size(); b.add(r3, 1).mov(r0, 0).exit();
      c.reject("ptr_arith_pkt_end", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; b.mov(r6, r1).call(7).ldx(W, r2, r6, 0); size_t at = b.size(); b.add(r2, r0).mov(r0, 0).exit();
      c.reject("ptr_plus_unbounded", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; b.call(7).mov(r2, r0); size_t at = b.size(); b.sub(r2, r10).mov(r0, 0).exit();
      // scalar - pointer
      c.reject("scalar_minus_ptr", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; size_t at = b.size(); b.ld_map(r1, kHashMap).add(r1, 8).mov(r0, 0).exit();
      c.reject("ptr_arith_map_ptr", Xdp, b, Reason::PointerArithmetic, at + 2); }
    { Builder b; size_t at = b.size(); b.j(Cond::Gt, r1, 5, "x").label("x").mov(r0, 0).exit();
      c.reject("ptr_compare_scalar", Xdp, b, Reason::PointerComparison, at); }
    { Builder b = xdp_start(); size_t at = b.size(); b.j(Cond::Gt, r2, r10, "x").label("x").mov(r0, 0).exit();
      c.reject("ptr_compare_regions", Xdp, b, Reason::PointerComparison, at); }
    { Builder b = xdp_start(); size_t at = b.size(); b.j(Cond::Gt, r2, r3, "x", true).label("x").mov(r0, 0).exit();
      c.reject("ptr_compare_jmp32", Xdp, b, Reason::PointerComparison, at); }
    { Builder b; b.mov(r1, 100); size_t at = b.size(); b.ldx(B, r0, r1, 0).exit();
      c.reject("deref_scalar", Xdp, b, Reason::InvalidMemoryAccess, at); }
    { Builder b = xdp_start(); size_t at = b.size(); b.ldx(B, r0, r3, 0).exit();
      c.reject("deref_pkt_end", Xdp, b, Reason::InvalidMemoryAccess, at); }
    { Builder b; b.ld_map(r1, kHashMap); size_t at = b.size(); b.ldx(DW, r0, r1, 0).exit();
      c.reject("deref_map_ptr", Xdp, b, Reason::InvalidMemoryAccess, at); }
    { Builder b = xdp_start(); check_len(b, 8).mov(r5, 1); size_t at = b.size(); b.atomic(AtomicOp::Add, false, true, r2, 0, r5);
      finish(b); c.reject("atomic_on_packet", Xdp, b, Reason::InvalidMemoryAccess, at); }
    // Xchg and cmpxchg always load the old value (into src / r0), with or without the
    // fetch flag in the IR (isa/instruction.hpp; the interpreter and isa/liveness agree):
    // the register is no longer the constant it was. Here it would be 100, fp+92.
    { Builder b; b.st(DW, r10, -8, 100).mov(r1, 0).atomic(AtomicOp::Xchg, false, true, r10, -8, r1)
          .mov(r2, r10).add(r2, -8); size_t at = b.size(); b.add(r2, r1).ldx(DW, r0, r2, 0).exit();
      c.reject("xchg_without_fetch_flag_writes_src", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; b.st(DW, r10, -8, 100).mov(r0, 0).mov(r1, 5).atomic(AtomicOp::CmpXchg, false, true, r10, -8, r1)
          .mov(r2, r10).add(r2, -8); size_t at = b.size(); b.add(r2, r0).ldx(DW, r0, r2, 0).exit();
      c.reject("cmpxchg_without_fetch_flag_writes_r0", Xdp, b, Reason::PointerArithmetic, at); }
    // Atomics are checked with strict alignment (the kernel's check_atomic ->
    // check_mem_access(..., strict_alignment_once = true)): the interpreter refuses a
    // misaligned atomic and ARM64 raises SIGBUS. From fuzz finding atomic_misaligned.
    { Builder b; lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").mov(r7, r0).add(r7, 4).mov(r2, 1); size_t at = b.size();
      b.atomic(AtomicOp::Or, false, true, r7, 0, r2).label("out").mov(r0, 0).exit();
      c.reject("atomic_map_value_plus_4", Xdp, b, Reason::MisalignedAccess, at); }
    { Builder b; lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").mov(r2, 1); size_t at = b.size();
      b.atomic(AtomicOp::Add, true, false, r0, 2, r2).label("out").mov(r0, 0).exit();
      c.reject("atomic32_map_value_plus_2", Xdp, b, Reason::MisalignedAccess, at); }
    { // variable offset in [0, 12] with bit 2 unknown: 4 is possible
      Builder b; lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").mov(r6, r0).call(7).and_(r0, 12).add(r6, r0).mov(r2, 1);
      size_t at = b.size(); b.atomic(AtomicOp::Add, false, true, r6, 0, r2).label("out").mov(r0, 0).exit();
      c.reject("atomic_map_value_variable_misaligned", Xdp, b, Reason::MisalignedAccess, at); }
    { Builder b; b.st(DW, r10, -16, 0).st(DW, r10, -8, 0).mov(r2, 1); size_t at = b.size();
      b.atomic(AtomicOp::Xchg, true, true, r10, -12, r2).mov(r0, 0).exit();
      c.reject("atomic_stack_fp_minus_12", Xdp, b, Reason::MisalignedAccess, at); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out").mov(r2, 1);
      size_t at = b.size(); b.atomic(AtomicOp::Add, false, true, r0, 4, r2).mov(r1, r0).mov(r2, 0).call(132)
          .label("out").mov(r0, 0).exit();
      c.reject("atomic_ringbuf_record_plus_4", Xdp, b, Reason::MisalignedAccess, at); }
    { Builder b; lookup(b, kHashMap); size_t at = b.size(); b.ldx(DW, r0, r0, 0).exit();
      c.reject("map_value_no_null_check", Xdp, b, Reason::NullPointerDereference, at); }
    { Builder b; lookup(b, kHashMap).mov(r6, r0).j(Cond::Eq, r0, 0, "out"); b.label("out"); size_t at = b.size();
      b.ldx(DW, r0, r6, 0).exit();
      c.reject("null_branch_deref", Xdp, b, Reason::NullPointerDereference, at); } // NULL on the taken edge
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131); size_t at = b.size();
      b.st(DW, r0, 0, 1).mov(r0, 0).exit();
      c.reject("ringbuf_no_null_check", Xdp, b, Reason::NullPointerDereference, at); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out")
          .st(DW, r0, 0, 1).label("out").mov(r0, 0); size_t at = b.size(); b.exit();
      c.reject("ringbuf_leak", Xdp, b, Reason::ReferenceLeak, at); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out").mov(r6, r0)
          .call(7).j(Cond::Gt, r0, 100, "out").mov(r1, r6).mov(r2, 0).call(132).label("out").mov(r0, 0);
      size_t at = b.size(); b.exit();
      c.reject("ringbuf_leak_one_path", Xdp, b, Reason::ReferenceLeak, at); }
    { Builder b; b.mov(r6, r1).ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out")
          .mov(r1, r6).ld_map(r2, kProgArray).mov(r3, 0); size_t at = b.size(); b.call(12)
          .label("out").mov(r0, 0).exit();
      c.reject("ringbuf_leak_tail_call", Xdp, b, Reason::ReferenceLeak, at); }
    { Builder b; size_t at = b.size(); b.st(DW, r10, -520, 0).mov(r0, 0).exit();
      c.reject("stack_below_512", Xdp, b, Reason::StackOutOfBounds, at); }
    { Builder b; size_t at = b.size(); b.st(DW, r10, 0, 0).mov(r0, 0).exit();
      c.reject("stack_above_fp", Xdp, b, Reason::StackOutOfBounds, at); }
    { Builder b; b.st(DW, r10, -8, 0).st(DW, r10, -16, 0).call(7).and_(r0, 15).mov(r1, r10).add(r1, -16).add(r1, r0);
      size_t at = b.size(); b.ldx(DW, r0, r1, 0).exit();
      c.reject("stack_variable_overflow", Xdp, b, Reason::StackOutOfBounds, at); }
    { Builder b; size_t at = b.size(); b.ldx(DW, r0, r10, -8).exit();
      c.reject("stack_uninit_read", Xdp, b, Reason::UninitializedStackRead, at); }
    { Builder b; b.st(W, r10, -8, 0); size_t at = b.size(); b.ldx(DW, r0, r10, -8).exit();
      c.reject("stack_half_init_read", Xdp, b, Reason::UninitializedStackRead, at); }
    { Builder b; b.mov(r2, r10).add(r2, -4).ld_map(r1, kHashMap); size_t at = b.size(); b.call(1).mov(r0, 0).exit();
      c.reject("lookup_uninit_key", Xdp, b, Reason::UninitializedStackRead, at); }
    { Builder b; b.stx(DW, r10, -8, r1); size_t at = b.size(); b.ldx(W, r0, r10, -8).exit();
      c.reject("partial_fill_of_pointer", Xdp, b, Reason::InvalidSpillAccess, at); }
    { Builder b; size_t at = b.size(); b.stx(W, r10, -8, r1).mov(r0, 0).exit();
      c.reject("partial_spill_of_pointer", Xdp, b, Reason::InvalidSpillAccess, at); }
    { Builder b; size_t at = b.size(); b.ldx(W, r0, r1, 24).exit();
      c.reject("ctx_past_end", Xdp, b, Reason::ContextAccess, at); }
    { Builder b; size_t at = b.size(); b.ldx(H, r0, r1, 0).exit();
      c.reject("ctx_data_narrow", Xdp, b, Reason::ContextAccess, at); }
    { Builder b; size_t at = b.size(); b.ldxs(W, r2, r1, 0).mov(r0, 0).exit();
      c.reject("ctx_data_sign_extended", Xdp, b, Reason::ContextAccess, at); }
    { Builder b; size_t at = b.size(); b.st(W, r1, 12, 0).mov(r0, 0).exit();
      c.reject("ctx_write_readonly", Xdp, b, Reason::ContextAccess, at); }
    { Builder b; size_t at = b.size(); b.ldx(W, r0, r1, 76).exit();
      c.reject("socket_no_direct_packet", Sock, b, Reason::ContextAccess, at); }
    { Builder b; size_t at = b.size(); b.st(W, r1, 8, 1).mov(r0, 0).exit();
      c.reject("socket_write_mark", Sock, b, Reason::ContextAccess, at); }
    { Builder b; b.mov(r6, r1).call(7).and_(r0, 4).mov(r2, r6); size_t at = b.size(); b.add(r2, r0);
      b.mov(r0, 0).exit();
      c.reject("ctx_variable_offset", Xdp, b, Reason::PointerArithmetic, at); }
    { Builder b; b.mov(r6, r1).ld_abs(B, 0).mov(r0, 0); size_t at = 1; b.exit();
      c.reject("ld_abs_in_xdp", Xdp, b, Reason::Unsupported, at); }
    { // LD_ABS in a program with a callback (the kernel: "cannot be mixed with bpf-to-bpf calls");
      // without the callback this program verifies (socket_ld_abs_no_callback below)
      Builder b; b.mov(r6, r1); size_t at = b.size(); b.ld_abs(B, 0).mov(r1, 4).ld_func(r2, "cb").mov(r3, 0).mov(r4, 0)
          .call(181).mov(r0, 0).exit();
      b.label("cb").mov(r0, 0).exit();
      c.reject("ld_abs_with_a_callback", Sock, b, Reason::Unsupported, at); }
    { Builder b = xdp_start(); check_len(b, 14); size_t at = b.size(); b.ldx(W, r1, r2, 14); finish(b);
      c.reject("packet_past_check", Xdp, b, Reason::PacketOutOfBounds, at); }
    { Builder b = xdp_start(); size_t at = b.size(); b.ldx(B, r0, r2, 0).exit();
      c.reject("packet_no_check", Xdp, b, Reason::PacketOutOfBounds, at); }
    { Builder b = xdp_start(); check_len(b, 14); size_t at = b.size(); b.ldx(B, r0, r2, -1); finish(b);
      c.reject("packet_negative_offset", Xdp, b, Reason::PacketOutOfBounds, at); }
    { Builder b = xdp_start(); check_len(b, 14); b.ja("pass"); finish(b); // the check on the wrong edge
      Builder w = xdp_start(); w.mov(r4, r2).add(r4, 14).j(Cond::Gt, r4, r3, "ok").ja("drop"); w.label("ok");
      size_t at = w.size(); w.ldx(B, r0, r2, 0); finish(w);
      c.reject("packet_check_wrong_edge", Xdp, w, Reason::PacketOutOfBounds, at); }
    { Builder b = xdp_start(); check_len(b, 1).ldx(B, r5, r2, 0).add(r2, r5).mov(r4, r2).add(r4, 4)
          .j(Cond::Gt, r4, r3, "drop"); size_t at = b.size(); b.ldx(W, r0, r2, 1); finish(b);
      c.reject("packet_variable_past_check", Xdp, b, Reason::PacketOutOfBounds, at); }
    { Builder b = xdp_start(); check_len(b, 14).mov(r5, r2).add(r5, 14); size_t at = b.size(); b.ldx(B, r0, r5, 0);
      finish(b); c.reject("packet_stale_range_after_add", Xdp, b, Reason::PacketOutOfBounds, at); }
    { Builder b = xdp_start(); check_len(b, 14).mov(r6, r1).mov(r2, 4).call(44); size_t at = b.size();
      b.ldx(B, r0, r2, 0).exit().label("drop").mov(r0, 1).exit();
      c.reject("packet_pointer_after_adjust_head", Xdp, b, Reason::UninitializedRegister, at); }
    { Builder b = xdp_start(); check_len(b, 14).mov(r7, r2).mov(r6, r1).mov(r2, 4).call(44); size_t at = b.size();
      b.ldx(B, r0, r7, 0).exit().label("drop").mov(r0, 1).exit();
      // The kernel's clear_all_pkt_pointers -> mark_reg_invalid: uninitialised unless
      // pointer leaks are allowed (a number would hold the packet's address).
      c.reject("saved_packet_pointer_after_adjust_head", Xdp, b, Reason::UninitializedRegister, at); }
    { Builder b; lookup(b, kHashMap).j(Cond::Eq, r0, 0, "out"); size_t at = b.size(); b.ldx(DW, r0, r0, 1).exit();
      b.label("out").mov(r0, 0).exit();
      c.reject("map_value_past_end", Xdp, b, Reason::MapValueOutOfBounds, at); }
    { Builder b; lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out"); size_t at = b.size(); b.ldx(W, r0, r0, -4).exit();
      b.label("out").mov(r0, 0).exit();
      c.reject("map_value_negative", Xdp, b, Reason::MapValueOutOfBounds, at); }
    { Builder b; b.call(7).mov(r6, r0); lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").and_(r6, 15).add(r0, r6);
      size_t at = b.size(); b.ldx(DW, r0, r0, 0).exit(); b.label("out").mov(r0, 0).exit();
      c.reject("map_value_variable_overflow", Xdp, b, Reason::MapValueOutOfBounds, at); }
    { Builder b; b.call(7).mov(r6, r0); lookup(b, kArrayMap).j(Cond::Eq, r0, 0, "out").j(Cond::Gt, r6, 12, "out");
      size_t at = b.size(); b.add(r0, r6).ldx(W, r0, r0, 1).exit(); b.label("out").mov(r0, 0).exit();
      c.reject("map_value_index_off_by_one", Xdp, b, Reason::MapValueOutOfBounds, at + 1); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out");
      size_t at = b.size(); b.st(DW, r0, 16, 1).mov(r1, r0).mov(r2, 0).call(132); b.label("out").mov(r0, 0).exit();
      c.reject("ringbuf_record_overflow", Xdp, b, Reason::MemoryOutOfBounds, at); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 16).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out")
          .mov(r6, r0).mov(r1, r0).mov(r2, 0).call(132); size_t at = b.size(); b.st(DW, r6, 0, 1);
      b.label("out").mov(r0, 0).exit();
      // release_reference -> mark_reg_invalid, as for sockets: every copy is uninitialised.
      c.reject("ringbuf_use_after_submit", Xdp, b, Reason::ReferenceRelease, at); }
    { Builder b = xdp_start(); check_len(b, 8); size_t at = b.size(); b.stx(DW, r2, 0, r1); finish(b);
      c.reject("pointer_into_packet", Xdp, b, Reason::PointerStore, at); }
    { Builder b; size_t at = b.size(); b.stx(W, r1, 48, r10).mov(r0, 0).exit();
      c.reject("pointer_into_ctx", Tc, b, Reason::PointerStore, at); }
    { Builder b; b.mov(r1, r10).add(r1, -8).call_local("f").mov(r0, 0).exit().label("f");
      size_t at = b.size(); b.stx(DW, r1, 0, r10).mov(r0, 0).exit();
      c.reject("callee_stack_into_caller", Xdp, b, Reason::PointerStore, at); }
    { Builder b; b.ld_map_value(r1, kReadOnlyMap, 0); size_t at = b.size(); b.st(DW, r1, 0, 1).mov(r0, 0).exit();
      c.reject("write_rodata", Xdp, b, Reason::ReadOnlyMemory, at); }
    { Builder b; size_t at = b.size(); b.ld_map(r1, 99).mov(r0, 0).exit();
      c.reject("bad_map_index", Xdp, b, Reason::BadMapReference, at); }
    { Builder b; size_t at = b.size(); b.ld_map_value(r1, kHashMap, 0).mov(r0, 0).exit();
      c.reject("direct_value_of_hash", Xdp, b, Reason::BadMapReference, at); }
    { Builder b; size_t at = b.size(); b.ld_map_value(r1, kGlobalData, 64).mov(r0, 0).exit();
      c.reject("direct_value_past_end", Xdp, b, Reason::BadMapReference, at); }
    { Builder b; b.mov(r2, 0); size_t at = b.size(); b.call(44).mov(r0, 0).exit();
      c.reject("xdp_helper_in_tc", Tc, b, Reason::HelperNotAllowed, at); }
    { Builder b; b.mov(r2, 0).mov(r3, r10).add(r3, -8).mov(r4, 4); size_t at = b.size(); b.call(26).mov(r0, 0).exit();
      c.reject("skb_helper_in_xdp", Xdp, b, Reason::HelperNotAllowed, at); }
    { Builder b; size_t at = b.size(); b.call(14).exit();
      c.reject("helper_allowed_nowhere", Mem, b, Reason::HelperNotAllowed, at); }
    { Builder b; b.mov(r1, 0).mov(r2, r10).add(r2, -8).st(DW, r10, -8, 0); size_t at = b.size(); b.call(1).mov(r0, 0).exit();
      c.reject("lookup_without_map", Xdp, b, Reason::HelperArgument, at); }
    { Builder b; b.ld_map(r1, kHashMap).mov(r2, 0); size_t at = b.size(); b.call(1).mov(r0, 0).exit();
      c.reject("lookup_key_scalar", Xdp, b, Reason::HelperArgument, at); }
    { Builder b; b.call(7).mov(r2, r0).mov(r1, r10).add(r1, -8).st(DW, r10, -8, 0); size_t at = b.size();
      b.call(6).mov(r0, 0).exit();
      c.reject("helper_size_unbounded", Xdp, b, Reason::HelperArgument, at); }
    { Builder b; b.st(DW, r10, -8, 0).ld_map(r2, kPerfArray).mov(r3, 0).mov(r4, r10).add(r4, -16).mov(r5, 16);
      size_t at = b.size(); b.call(25).mov(r0, 0).exit(); // perf_event_output reads 16 bytes, 8 written
      c.reject("helper_size_past_stack_init", Xdp, b, Reason::UninitializedStackRead, at); }
    { Builder b; b.mov(r1, r10).mov(r2, 0); size_t at = b.size(); b.call(44).mov(r0, 0).exit();
      c.reject("helper_ctx_arg_wrong", Xdp, b, Reason::HelperArgument, at); }
    { Builder b; b.ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131).j(Cond::Eq, r0, 0, "out").mov(r1, r0)
          .add(r1, 8).mov(r2, 0); size_t at = b.size(); b.call(132); b.label("out").mov(r0, 0).exit();
      c.reject("ringbuf_submit_offset", Xdp, b, Reason::HelperArgument, at); }
    { Builder b; b.ld_map(r1, kHashMap); size_t at = b.size(); b.mov(r2, r10).add(r2, -4).st(W, r10, -4, 0)
          .call(130).mov(r0, 0).exit();
      c.reject("ringbuf_helper_with_hash", Xdp, b, Reason::HelperArgument, at + 3); }
    { Builder b; b.ld_map(r2, kHashMap).mov(r3, 0); size_t at = b.size(); b.call(12).mov(r0, 0).exit();
      c.reject("tail_call_hash_map", Xdp, b, Reason::TailCall, at); }
    { Builder b; b.ld_map(r2, kProgArray).mov(r3, r10); size_t at = b.size(); b.call(12).mov(r0, 0).exit();
      c.reject("tail_call_pointer_index", Xdp, b, Reason::TailCall, at); }
    { Builder b; b.ld_map(r1, kProgArray).st(W, r10, -4, 0).mov(r2, r10).add(r2, -4); size_t at = b.size();
      b.call(1).mov(r0, 0).exit();
      c.reject("lookup_in_prog_array", Xdp, b, Reason::HelperArgument, at); }
    { Builder b; b.mov(r0, r1); size_t at = b.size(); b.exit();
      c.reject("return_pointer", Xdp, b, Reason::ReturnValue, at); }
    { Builder b; b.call_local("f").exit().label("f").mov(r0, r10); size_t at = b.size(); b.exit();
      c.reject("return_own_stack", Xdp, b, Reason::ReturnValue, at); }
    { Builder b; b.mov(r0, 0); size_t at = b.size(); b.label("l").ja("l");
      c.reject("infinite_ja", Xdp, b, Reason::InfiniteLoop, at); }
    { Builder b; b.call(7).mov(r1, r0).label("l"); size_t at = b.size(); b.add(r1, 0).j(Cond::Ne, r1, 0, "l").exit();
      c.reject("infinite_unknown_loop", Xdp, b, Reason::InfiniteLoop, at); }
    { // 2^40 trips: a ranking argument proves it ends, but not within 2^32 instructions
      Builder b; b.mov(r0, 0).lddw(r3, uint64_t(1) << 40).mov(r1, 0).label("l").add(r1, 1); size_t at = b.size();
      b.j(Cond::Lt, r1, r3, "l").exit();
      c.reject("loop_too_long", Xdp, b, Reason::ComplexityLimit, at); // blamed: the loop branch
      c.cases.back().require_termination_proof = true;
      c.accept("loop_too_long_budget", Xdp, b); } // the loop pass: memory safe, the budget ends it
    { // 2^20 trips, too many for the walk: ranked, and ended within 2^32 instructions, so
      // accepted even when a proof of termination is asked for (the kernel: too complex)
      Builder b; b.mov(r0, 0).mov(r1, 0).label("l").add(r1, 1).j(Cond::Lt, r1, 1 << 20, "l").exit();
      c.accept("loop_ranked", Xdp, b);
      c.cases.back().require_termination_proof = true; }
    { Builder b; b.mov(r2, 1); size_t at = b.size(); b.callx(r2).exit();
      c.reject("callx_full", Xdp, b, Reason::Unsupported, at); }
}

void reject_structure(Corpus& c) {
    { Builder b; c.reject("empty", Xdp, b, Reason::EmptyProgram, 0); }
    { Builder b; b.mov(r0, 0).exit(); size_t at = b.size(); b.mov(r0, 1).exit();
      c.reject("unreachable_tail", Xdp, b, Reason::UnreachableInstruction, at); }
    { Builder b; b.mov(r0, 0).ja("x"); size_t at = b.size(); b.mov(r0, 1).label("x").exit();
      c.reject("unreachable_skipped", Xdp, b, Reason::UnreachableInstruction, at); }
    { Builder b; size_t at = b.size(); b.mov(r0, 0);
      c.reject("falls_off_end", Xdp, b, Reason::SubprogramFallsThrough, at); }
    { size_t at = 0;
      Builder w; w.call_local("f").call_local("g").exit().label("f"); at = w.size(); w.mov(r0, 1).label("g").mov(r0, 2).exit();
      c.reject("subprogram_falls_into_next", Xdp, w, Reason::SubprogramFallsThrough, at); }
    { Builder b; b.call_local("f"); size_t at = b.size(); b.j(Cond::Eq, r0, 0, "g").exit().label("f").label("g")
          .mov(r0, 0).exit();
      c.reject("jump_into_subprogram", Xdp, b, Reason::JumpAcrossSubprogram, at); }
    { Builder b; b.mov(r1, 0).call_local("f").exit().label("f"); size_t at = b.size(); b.call_local("f").exit();
      c.reject("recursion", Xdp, b, Reason::RecursiveCall, at); }
    { Builder b; b.call_local("f1").exit();
      for (int i = 1; i <= 8; ++i) {
          b.label(fmt::format("f{}", i));
          if (i < 8) b.call_local(fmt::format("f{}", i + 1));
          else b.mov(r0, 0);
          b.exit();
      }
      c.reject("call_depth_9", Xdp, b, Reason::CallDepthExceeded, 2 * 7 + 2 - 2); }
    { Builder b; b.st(DW, r10, -512, 0); size_t at = b.size(); b.call_local("f").exit().label("f")
          .st(DW, r10, -8, 0).mov(r0, 0).exit();
      c.reject("combined_stack", Xdp, b, Reason::CombinedStackTooLarge, at); }
    { Builder b; size_t at = b.size(); b.call(9999).exit();
      c.reject("unknown_helper", Xdp, b, Reason::UnknownHelper, at); }
    { Builder b; size_t at = b.size(); b.raw(isa::Call{isa::CallKind::Kfunc, 5, -1}).exit();
      c.reject("kfunc", Xdp, b, Reason::Unsupported, at); }
}

// Families: the same shape at many sizes and offsets, accepted exactly up to the bound.
void families(Corpus& c) {
    const int lengths[] = {1, 4, 8, 14, 20, 34, 54};
    const Size sizes[] = {B, H, W, DW};
    for (int len : lengths)
        for (Size s : sizes) {
            const int n = int(s);
            if (n > len) continue;
            Builder ok = xdp_start();
            check_len(ok, len).ldx(s, r0, r2, int16_t(len - n)).ja("pass");
            finish(ok);
            c.accept(fmt::format("pkt_len{}_read{}_last", len, n), Xdp, ok);
            Builder bad = xdp_start();
            check_len(bad, len);
            size_t at = bad.size();
            bad.ldx(s, r0, r2, int16_t(len - n + 1)).ja("pass");
            finish(bad);
            c.reject(fmt::format("pkt_len{}_read{}_past", len, n), Xdp, bad, Reason::PacketOutOfBounds, at);
        }
    for (Size s : sizes) {
        const int n = int(s);
        Builder ok;
        lookup(ok, kArrayMap).j(Cond::Eq, r0, 0, "out").ldx(s, r0, r0, int16_t(16 - n)).exit();
        ok.label("out").mov(r0, 0).exit();
        c.accept(fmt::format("map_value_read{}_last", n), Xdp, ok);
        Builder bad;
        lookup(bad, kArrayMap).j(Cond::Eq, r0, 0, "out");
        size_t at = bad.size();
        bad.st(s, r0, int16_t(17 - n), 0).mov(r0, 0).exit();
        bad.label("out").mov(r0, 0).exit();
        c.reject(fmt::format("map_value_write{}_past", n), Xdp, bad, Reason::MapValueOutOfBounds, at);
    }
    for (int off : {-8, -64, -256, -512}) {
        Builder ok;
        ok.st(DW, r10, int16_t(off), 1).ldx(DW, r0, r10, int16_t(off)).exit();
        c.accept(fmt::format("stack_roundtrip_fp{}", off), Xdp, ok);
    }
    for (int n : {2, 5, 8}) { // loops of several bounds, nested
        Builder b;
        b.mov(r0, 0).mov(r1, 0).label("outer").mov(r2, 0).label("inner").add(r0, 1).add(r2, 1)
            .j(Cond::Lt, r2, n, "inner").add(r1, 1).j(Cond::Lt, r1, n, "outer").exit();
        c.accept(fmt::format("nested_loop_{}", n), Xdp, b);
    }
}

} // namespace

isa::Program large_xdp_program(size_t insns) {
    Builder b = xdp_start();
    check_len(b, 64).mov(r0, 0).mov(r6, 0);
    for (int i = 0; b.size() + 16 < insns; ++i) {
        std::string skip = fmt::format("s{}", i);
        b.ldx(B, r5, r2, int16_t(i % 64)).add(r0, r5).alu(AluOp::Xor, r6, r5).lsh(r5, 3).and_(r5, 0x7f)
            .j(Cond::Gt, r5, 60, skip).add(r6, r5).alu(AluOp::Mul, r6, 3).label(skip).rsh(r6, 1);
    }
    b.stx(W, r10, -4, r6).stx(DW, r10, -16, r0).mov(r2, r10).add(r2, -4).mov(r3, r10).add(r3, -16)
        .ld_map(r1, kHashMap).mov(r4, 0).call(2).ja("pass");
    finish(b);
    return b.build();
}

// `loops` small counting loops one after another (a firewall's per-rule loops, as clang
// leaves them with unrolling off): each is walked three times round; the program is
// accepted. Verification time should grow with the loops, not with their square.
isa::Program many_loops_program(size_t loops) {
    Builder b = xdp_start();
    b.mov(r0, 2).mov(r6, 0);
    for (size_t i = 0; i < loops; ++i) {
        const std::string head = fmt::format("l{}", i);
        b.mov(r7, 0).label(head).add(r7, 1).add(r6, r7).j(Cond::Lt, r7, 3, head);
    }
    b.exit();
    return b.build();
}

std::vector<CorpusCase> build_corpus() {
    Corpus c;
    accept_xdp_parsers(c);
    accept_maps(c);
    accept_control_flow(c);
    accept_other_types(c);
    reject_rules(c);
    reject_structure(c);
    families(c);
    for (CorpusCase& k : lock_and_string_cases()) c.cases.push_back(std::move(k));
    for (CorpusCase& k : callback_cases()) c.cases.push_back(std::move(k));
    c.cases.push_back({"xdp_1000_insns", Xdp, large_xdp_program(1000), true});
    c.cases.push_back({"xdp_300_loops", Xdp, many_loops_program(300), true});
    return std::move(c.cases);
}

} // namespace ebpfjit::verifier::test
