// One program on two worker threads at once, sharing its maps: atomics and a shared hash
// count exactly, the per-CPU array has one slot per worker.
#include "object_test_support.hpp"

#include <barrier>
#include <thread>

#include "runtime/maps/percpu.hpp"

using namespace ebpfjit;
using namespace object_test;

TEST_CASE("two workers run one program with shared maps and exact totals", "[object][threads]") {
    // Room for both workers besides this thread's own slot, on any host (the embedder's
    // choice, made before the first per-CPU map exists).
    if (maps::possible_cpus() < 4) REQUIRE(maps::set_possible_cpus(4));
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            const uint32_t per_worker = engine == Engine::Jit ? 20480 : 3072; // whole bursts
            constexpr uint32_t kBurst = 32;
            Object object = open_object("xdp_count", OpenOptions{std::nullopt, engine});
            Program program = program_of(object, "count_frames");

            uint32_t slots[2] = {~0u, ~0u};
            std::barrier both_registered(2); // a slot is freed at thread exit: overlap the workers
            std::string errors[2];
            auto worker = [&](int w) {
                auto slot = register_worker_thread();
                both_registered.arrive_and_wait();
                if (!slot) return void(errors[w] = slot.error().to_string());
                slots[w] = *slot;
                std::vector<XdpFrame> frames(kBurst);
                std::vector<XdpFrame*> pointers;
                for (auto& f : frames) pointers.push_back(&f);
                std::vector<XdpResult> results(kBurst);
                for (uint32_t done = 0; done < per_worker; done += kBurst) {
                    for (uint32_t i = 0; i < kBurst; ++i)
                        if (!frames[i].load(ether_frame(0x0800, 64 + (i % 2)), {7, uint32_t(w), 0}))
                            return void(errors[w] = "load failed");
                    auto ran = program.run_xdp_burst(pointers, results);
                    if (!ran) return void(errors[w] = ran.error().to_string());
                }
            };
            std::thread a(worker, 0), b(worker, 1);
            a.join();
            b.join();
            CHECK(errors[0] == "");
            CHECK(errors[1] == "");
            REQUIRE(slots[0] != slots[1]);

            const uint64_t frames = 2 * per_worker;
            MapRef totals = map_of(object, "totals");
            CHECK(u64_at(totals, 0) == frames);
            CHECK(u64_at(totals, 1) == frames / 2 * 64 + frames / 2 * 65);
            CHECK(u64_at(map_of(object, "by_ifindex"), 7) == frames);

            MapRef per_cpu = map_of(object, "per_worker");
            std::vector<uint8_t> values(per_cpu.value_size());
            REQUIRE(per_cpu.lookup(bytes_of(uint32_t(0)), values) == 0);
            for (uint32_t slot : slots) {
                REQUIRE(slot < maps::possible_cpus());
                uint64_t v = 0;
                std::memcpy(&v, values.data() + slot * 8, 8);
                CHECK(v == per_worker);
            }
        }
    }
}
