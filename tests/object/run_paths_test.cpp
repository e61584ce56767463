// The run paths an embedder reaches (issue 18 item 2): programs that need no per-run state
// run straight into their native code (jit::RunNeeds, runtime::run_lean),
// the others through a run scope. Every program gives the same answers through the C++
// and C APIs on both engines, and per-CPU maps see the worker's own slot either way.
#include "object_test_support.hpp"

#include <thread>

#include "ebpfjit/ebpfjit.h"
#include "runtime/maps/percpu.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

const OpenOptions kMem{ProgramType::Mem};

uint64_t per_cpu_value(MapRef map, uint32_t slot) {
    std::vector<uint8_t> values(map.value_size());
    REQUIRE(map.lookup(bytes_of(uint32_t(0)), values) == 0);
    REQUIRE(size_t(slot) * 8 + 8 <= values.size());
    uint64_t v = 0;
    std::memcpy(&v, values.data() + size_t(slot) * 8, 8);
    return v;
}

} // namespace

TEST_CASE("programs with and without helpers run alike through the C++ API on both engines",
          "[object][run_paths]") {
    Object object = open_object("run_paths", kMem);
    std::vector<uint8_t> mem{1, 2, 3, 4, 5, 6, 7, 8};
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            const RunOptions on{engine};
            auto constant = program_of(object, "constant").run(mem, on);
            REQUIRE(constant.has_value());
            CHECK(*constant == 0x1234);
            auto reversed = program_of(object, "via_stack").run(mem, on);
            REQUIRE(reversed.has_value());
            CHECK(*reversed == 0x0807060504030201u);
            auto cpu = program_of(object, "cpu_id").run(mem, on);
            REQUIRE(cpu.has_value());
            CHECK(*cpu == maps::current_cpu());
        }
    }
}

TEST_CASE("a program calling only map helpers counts in the worker's own per-CPU slot",
          "[object][run_paths][threads]") {
    if (maps::possible_cpus() < 4) REQUIRE(maps::set_possible_cpus(4));
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("run_paths", OpenOptions{ProgramType::Mem, engine});
            Program program = program_of(object, "count_per_cpu");
            std::vector<uint8_t> mem(8);
            // This thread's slot, claimed first so that the worker's cannot be handed to it later.
            const uint32_t mine = maps::current_cpu();
            uint32_t slot = ~0u;
            std::string error;
            std::thread worker([&] {
                auto registered = register_worker_thread();
                if (!registered) return void(error = registered.error().to_string());
                slot = *registered;
                for (uint64_t i = 1; i <= 5; ++i) {
                    auto r0 = program.run(mem);
                    if (!r0) return void(error = r0.error().to_string());
                    if (*r0 != i) return void(error = fmt::format("run {} counted {}", i, *r0));
                }
            });
            worker.join();
            REQUIRE(error == "");
            REQUIRE(slot < maps::possible_cpus());
            MapRef runs = map_of(object, "per_cpu_runs");
            CHECK(per_cpu_value(runs, slot) == 5);
            // This thread's slot (another one) has not been counted in.
            REQUIRE(mine != slot);
            CHECK(per_cpu_value(runs, mine) == 0);
        }
    }
}

TEST_CASE("the C API runs programs with and without helpers on both engines", "[object][run_paths][c_api]") {
    char err[256] = "";
    ebpfjit_object* object = ebpfjit_object_open(prog_path("run_paths").c_str(), "mem", err, sizeof err);
    REQUIRE(object != nullptr);
    uint8_t mem[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct Case {
        const char* name;
        uint64_t r0;
    };
    const Case cases[] = {{"constant", 0x1234}, {"via_stack", 0x0807060504030201u},
                          {"cpu_id", maps::current_cpu()}, {"count_per_cpu", 1}};
    for (const Case& c : cases) {
        ebpfjit_program* program = ebpfjit_object_program(object, c.name, err, sizeof err);
        REQUIRE(program != nullptr);
        uint64_t r0 = ~0ull;
        INFO(c.name);
        REQUIRE(ebpfjit_program_run_mem(program, mem, sizeof mem, &r0, err, sizeof err) == 0);
        CHECK(r0 == c.r0);
        for (ebpfjit_engine engine : {EBPFJIT_ENGINE_JIT, EBPFJIT_ENGINE_INTERP}) {
            r0 = ~0ull;
            REQUIRE(ebpfjit_program_run_mem_engine(program, engine, mem, sizeof mem, &r0, err, sizeof err) == 0);
            // count_per_cpu counts on: the default run was 1, then one per engine.
            if (std::string_view(c.name) != "count_per_cpu") CHECK(r0 == c.r0);
            else CHECK(r0 == (engine == EBPFJIT_ENGINE_JIT ? 2u : 3u));
        }
    }
    // A program type mismatch is still refused on the fast path's handle.
    ebpfjit_program* constant = ebpfjit_object_program(object, "constant", err, sizeof err);
    ebpfjit_skb* skb = ebpfjit_skb_new(64);
    REQUIRE(skb != nullptr);
    uint32_t keep = 0;
    CHECK(ebpfjit_program_run_socket_filter(constant, skb, &keep, err, sizeof err) == -1);
    CHECK(std::string_view(err).find("cannot run it") != std::string_view::npos);
    ebpfjit_skb_free(skb);
    ebpfjit_object_close(object);
}

TEST_CASE("a lean run's fault names the program and leaves r0 alone, through both APIs", "[object][run_paths]") {
    // An instruction budget is the one fault lean code can take (callx, tail calls and
    // checked code need the per-run state): four_calls makes four local calls, each
    // charged once, so a budget of 3 runs out.
    OpenOptions tiny{ProgramType::Mem};
    tiny.hardening.instruction_budget = 3;
    Object limited = open_object("run_paths", tiny);
    std::vector<uint8_t> input(8, 1);
    Object plain = open_object("run_paths", kMem);
    auto unlimited = program_of(plain, "four_calls").run(input);
    REQUIRE(unlimited.has_value());
    CHECK(*unlimited == 688); // 8 -> 25 -> 76 -> 229 -> 688
    auto stopped = program_of(limited, "four_calls").run(input);
    REQUIRE_FALSE(stopped);
    CHECK(stopped.error().message == "instruction budget of 3 exceeded");
    CHECK(stopped.error().file == "program 'four_calls'");

    char err[256] = {};
    const ebpfjit_open_options options{"mem", EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0, 0};
    const ebpfjit_hardening hardening{0, 0, 3};
    ebpfjit_object* object =
        ebpfjit_object_open_hardened(prog_path("run_paths").c_str(), &options, &hardening, err, sizeof err);
    INFO(err);
    REQUIRE(object != nullptr);
    ebpfjit_program* program = ebpfjit_object_program(object, "four_calls", err, sizeof err);
    REQUIRE(program != nullptr);
    uint64_t r0 = 0x5eed;
    CHECK(ebpfjit_program_run_mem(program, input.data(), input.size(), &r0, err, sizeof err) == -1);
    CHECK(r0 == 0x5eed);
    CHECK(std::string_view(err).find("instruction budget of 3 exceeded") != std::string_view::npos);
    CHECK(std::string_view(err).find("four_calls") != std::string_view::npos);
    ebpfjit_object_close(object);
}
