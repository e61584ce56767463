// tc, socket filter and mem programs from ELF objects: the same verdicts, r0 and maps on
// the JIT and the interpreter.
#include "object_test_support.hpp"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

using namespace ebpfjit;
using namespace object_test;

TEST_CASE("tc program marks, redirects and drops on both engines", "[object][tc]") {
    Object object = open_object("skb_progs");
    Program tc = program_of(object, "tc_steer");
    CHECK(tc.type() == ProgramType::SchedCls);
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            SkbPacket skb;
            REQUIRE(skb.load(ether_frame(ETH_P_IP, 60)));
            auto ip = tc.run_tc(skb, RunOptions{engine});
            if (!ip) FAIL(ip.error().to_string());
            CHECK(ip->code == TC_ACT_REDIRECT);
            CHECK(ip->outcome == TcOutcome::Redirect);
            CHECK(ip->redirect.ifindex == 7);
            CHECK(skb.ctx()->uapi.mark == 0x1234);

            REQUIRE(skb.load(ether_frame(ETH_P_ARP, 61)));
            auto odd = tc.run_tc(skb, RunOptions{engine});
            REQUIRE(odd);
            CHECK(odd->outcome == TcOutcome::Drop);
            REQUIRE(skb.load(ether_frame(ETH_P_ARP, 62)));
            auto even = tc.run_tc(skb, RunOptions{engine});
            REQUIRE(even);
            CHECK(even->code == TC_ACT_OK);
            CHECK(even->outcome == TcOutcome::Pass);
        }
    }
}

TEST_CASE("socket filter keeps bytes per LD_ABS checks on both engines", "[object][socket]") {
    Object object = open_object("skb_progs");
    Program filter = program_of(object, "udp_snap");
    CHECK(filter.type() == ProgramType::SocketFilter);
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            SkbPacket skb;
            std::vector<uint8_t> udp = ether_frame(ETH_P_IP, 100);
            udp[23] = 17;
            REQUIRE(skb.load(udp));
            auto keep = filter.run_socket_filter(skb, RunOptions{engine});
            if (!keep) FAIL(keep.error().to_string());
            CHECK(*keep == 64);
            REQUIRE(skb.load(std::vector<uint8_t>(udp.begin(), udp.begin() + 40)));
            CHECK(filter.run_socket_filter(skb, RunOptions{engine}).value_or(99) == 40); // capped at the length
            udp[23] = 6;
            REQUIRE(skb.load(udp));
            CHECK(filter.run_socket_filter(skb, RunOptions{engine}).value_or(99) == 0);
            REQUIRE(skb.load(std::vector<uint8_t>(udp.begin(), udp.begin() + 20))); // byte 23 out of range
            CHECK(filter.run_socket_filter(skb, RunOptions{engine}).value_or(99) == 0);
        }
    }
}

namespace {

uint64_t expected_mix(const std::vector<uint8_t>& input) {
    uint64_t sum = 0;
    for (int i = 0; i < 16; ++i) sum += input[i];
    return (sum * 7) ^ (sum >> 3);
}

} // namespace

TEST_CASE("mem program from an ELF object: same r0 and maps on both engines", "[object][mem]") {
    // Section "mem" is ours, not libbpf's: the type is given explicitly.
    Object on_jit = open_object("mem_sum", OpenOptions{ProgramType::Mem});
    Object on_interp = open_object("mem_sum", OpenOptions{ProgramType::Mem, Engine::Interpreter});
    Program a = program_of(on_jit, "sum16");
    Program b = program_of(on_interp, "sum16");
    for (int round = 0; round < 40; ++round) {
        std::vector<uint8_t> input(16 + round % 5);
        for (size_t i = 0; i < input.size(); ++i) input[i] = uint8_t(round * 37 + i * 11);
        std::vector<uint8_t> copy = input;
        auto r0a = a.run(input);
        auto r0b = b.run(copy);
        if (!r0a) FAIL(r0a.error().to_string());
        if (!r0b) FAIL(r0b.error().to_string());
        CHECK(*r0a == *r0b);
        CHECK(uint32_t(*r0a) == uint32_t(expected_mix(input))); // int return: low 32 bits
    }
    std::vector<uint8_t> short_input(8);
    CHECK(uint32_t(a.run(short_input).value_or(0)) == 0xffffffffu);
    CHECK(uint32_t(b.run(short_input).value_or(0)) == 0xffffffffu);

    for (uint32_t key = 0; key < 16; ++key) {
        std::vector<uint8_t> va(8), vb(8);
        int ea = map_of(on_jit, "by_first_byte").lookup(bytes_of(key), va);
        int eb = map_of(on_interp, "by_first_byte").lookup(bytes_of(key), vb);
        CHECK(ea == eb);
        CHECK(va == vb);
    }
    auto runs = map_of(on_jit, ".bss");
    CHECK(u64_at(runs, 0) == 40);
    CHECK(u64_at(map_of(on_interp, ".bss"), 0) == 40);
}
