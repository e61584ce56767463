// Tail calls through a prog array the ELF object fills declaratively, on both engines.
#include "object_test_support.hpp"

#include <linux/if_ether.h>

using namespace ebpfjit;
using namespace object_test;

TEST_CASE("xdp dispatcher tail-calls its stages on the JIT and the interpreter", "[object][tail_call]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("xdp_dispatch", OpenOptions{std::nullopt, engine});
            Program dispatch = program_of(object, "dispatch");
            CHECK(dispatch.type() == ProgramType::Xdp);
            CHECK(dispatch.engine() == engine);
            CHECK(dispatch.has_jit() == (engine == Engine::Jit));
            MapRef ports = map_of(object, "ports");
            REQUIRE(ports.update(bytes_of(uint32_t(3)), bytes_of(uint32_t(42))) == 0); // ifindex 3 -> port 42

            XdpFrame frame;
            // IPv4: stage_ipv4 swaps the MACs and bounces.
            REQUIRE(frame.load(ether_frame(ETH_P_IP, 60), {1, 0, 0}));
            auto v4 = dispatch.run_xdp(frame);
            if (!v4) FAIL(v4.error().to_string());
            CHECK(v4->action == XdpAction::Tx);
            CHECK(frame.packet()[5] == 2); // dst MAC = old source 02:..:02
            CHECK(frame.packet()[11] == 1);

            // IPv6 from ifindex 3: redirected to the DEVMAP's port.
            REQUIRE(frame.load(ether_frame(ETH_P_IPV6, 60), {3, 0, 0}));
            auto v6 = dispatch.run_xdp(frame);
            REQUIRE(v6);
            CHECK(v6->action == XdpAction::Redirect);
            CHECK(v6->redirect.ifindex == 42);

            // IPv6 from ifindex 5: an empty DEVMAP slot gives the flags' fallback (XDP_DROP).
            REQUIRE(frame.load(ether_frame(ETH_P_IPV6, 60), {5, 0, 0}));
            auto dropped = dispatch.run_xdp(frame);
            REQUIRE(dropped);
            CHECK(dropped->action == XdpAction::Drop);

            // ARP: the slot is empty, the tail call falls through.
            REQUIRE(frame.load(ether_frame(ETH_P_ARP, 60), {1, 0, 0}));
            auto arp = dispatch.run_xdp(frame);
            REQUIRE(arp);
            CHECK(arp->action == XdpAction::Pass);

            MapRef hits = map_of(object, "stage_hits");
            CHECK(u64_at(hits, 0) == 1);
            CHECK(u64_at(hits, 1) == 2);
            CHECK(u64_at(hits, 2) == 0);
            CHECK(u64_at(hits, 3) == 1);
        }
    }
}

TEST_CASE("the burst API gives the same verdicts as single runs", "[object][burst]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("xdp_dispatch", OpenOptions{std::nullopt, engine});
            Program dispatch = program_of(object, "dispatch");
            REQUIRE(map_of(object, "ports").update(bytes_of(uint32_t(2)), bytes_of(uint32_t(9))) == 0);
            const uint16_t types[] = {ETH_P_IP, ETH_P_IPV6, ETH_P_ARP, 0x88cc};
            std::vector<XdpFrame> frames(40);
            std::vector<XdpFrame*> pointers;
            for (size_t i = 0; i < frames.size(); ++i) {
                REQUIRE(frames[i].load(ether_frame(types[i % 4], 60 + i), {uint32_t(i % 3), 0, 0}));
                pointers.push_back(&frames[i]);
            }
            std::vector<XdpResult> results(frames.size());
            auto ran = dispatch.run_xdp_burst(pointers, results);
            if (!ran) FAIL(ran.error().to_string());
            for (size_t i = 0; i < frames.size(); ++i) {
                INFO("frame " << i);
                switch (i % 4) {
                case 0: CHECK(results[i].action == XdpAction::Tx); break;
                case 1:
                    if (i % 3 == 2) {
                        CHECK(results[i].action == XdpAction::Redirect);
                        CHECK(results[i].redirect.ifindex == 9);
                    } else {
                        CHECK(results[i].action == XdpAction::Drop);
                    }
                    break;
                default: CHECK(results[i].action == XdpAction::Pass);
                }
            }
            CHECK(u64_at(map_of(object, "stage_hits"), 0) == 10);
            CHECK(u64_at(map_of(object, "stage_hits"), 3) == 20);

            std::vector<XdpResult> too_few(3);
            CHECK_FALSE(dispatch.run_xdp_burst(pointers, too_few));
        }
    }
}

TEST_CASE("a fully verified dispatcher's bursts tail-call structurally verified (checked) stages",
          "[object][burst][checked]") {
    // The stages are prepared at open, at the object's structural level: their JIT code
    // checks every packet and ctx access at run time against the frame's regions, which
    // the proven dispatcher itself never needs.
    Object object = open_object("xdp_dispatch", OpenOptions{std::nullopt, Engine::Jit, VerifyLevel::Structural});
    auto proven = object.program("dispatch", ProgramOptions{Engine::Jit, VerifyLevel::Full});
    if (!proven) FAIL(proven.error().to_string());
    std::vector<XdpFrame> frames(8);
    std::vector<XdpFrame*> pointers;
    for (size_t i = 0; i < frames.size(); ++i) {
        REQUIRE(frames[i].load(ether_frame(i % 2 ? ETH_P_IP : ETH_P_ARP, 60 + i)));
        pointers.push_back(&frames[i]);
    }
    std::vector<XdpResult> results(frames.size());
    auto ran = proven->run_xdp_burst(pointers, results);
    if (!ran) FAIL(ran.error().to_string());
    for (size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        CHECK(results[i].action == (i % 2 ? XdpAction::Tx : XdpAction::Pass));
        if (i % 2) CHECK(frames[i].packet()[5] == 2); // stage_ipv4 swapped the MACs
    }
    auto single = proven->run_xdp(frames[1]);
    REQUIRE(single);
    CHECK(single->action == XdpAction::Tx);
    CHECK(u64_at(map_of(object, "stage_hits"), 0) == 5);
}

TEST_CASE("engines and run kinds are checked", "[object][errors]") {
    Object interp_only = open_object("xdp_dispatch", OpenOptions{std::nullopt, Engine::Interpreter});
    Program dispatch = program_of(interp_only, "dispatch");
    XdpFrame frame;
    REQUIRE(frame.load(ether_frame(ETH_P_IP, 60)));
    auto jit_run = dispatch.run_xdp(frame, RunOptions{Engine::Jit});
    REQUIRE_FALSE(jit_run);
    CHECK(jit_run.error().to_string().find("interpreter only") != std::string::npos);
    std::vector<uint8_t> mem(16);
    auto mem_run = dispatch.run(mem);
    REQUIRE_FALSE(mem_run);
    CHECK(mem_run.error().to_string().find("is of type xdp") != std::string::npos);
    SkbPacket skb;
    REQUIRE(skb.load(ether_frame(ETH_P_IP, 60)));
    CHECK_FALSE(dispatch.run_tc(skb));

    // Prepared once: asking again with another engine is an error, the same is fine.
    CHECK(interp_only.program("dispatch", ProgramOptions{Engine::Interpreter, std::nullopt}));
    CHECK_FALSE(interp_only.program("dispatch", ProgramOptions{Engine::Jit, std::nullopt}));

    // A JIT program still runs on the interpreter on request.
    Object jit = open_object("xdp_dispatch");
    Program jitted = program_of(jit, "dispatch");
    auto on_interp = jitted.run_xdp(frame, RunOptions{Engine::Interpreter});
    REQUIRE(on_interp);
    CHECK(on_interp->action == XdpAction::Tx);
}
