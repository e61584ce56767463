// bpf_timer (helpers 169-172) from clang-built programs (progs/timer_progs.c): a run arms
// the timer, Object::run_expired_timers fires it on the engine that armed it, and every
// call returns what the kernel's kernel/bpf/helpers.c returns. Then the refusals: the
// verifier's (progs/timer_rejects.c) and the map factory's (progs/timer_percpu.c).
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/verify.hpp"

using namespace ebpfjit;

namespace {

constexpr uint64_t kLater = UINT64_MAX; // every armed timer is due

std::string progs(const char* file) { return fmt::format("{}/{}", EBPFJIT_TIMER_PROGS_DIR, file); }

Object open_timers(std::shared_ptr<PinRegistry> pins = nullptr) {
    OpenOptions options;
    options.program_type = ProgramType::Mem;
    options.pins = std::move(pins);
    auto object = Object::open(progs("timer_progs.o"), options);
    if (!object) FAIL(object.error().to_string());
    return std::move(*object);
}

void run(Object& object, const char* name, Engine engine) {
    auto p = object.program(name);
    if (!p) FAIL(p.error().to_string());
    std::vector<uint8_t> mem(16);
    auto r0 = p->run(mem, RunOptions{engine});
    if (!r0) FAIL(r0.error().to_string());
    REQUIRE(*r0 == 0);
}

std::vector<uint8_t> key_bytes(uint32_t k) {
    std::vector<uint8_t> b(4);
    std::memcpy(b.data(), &k, 4);
    return b;
}

std::vector<int64_t> results(Object& object) {
    auto map = object.map("results");
    REQUIRE(map);
    std::vector<int64_t> out(32);
    for (uint32_t k = 0; k < 32; ++k) {
        uint8_t value[8];
        REQUIRE(map->lookup(key_bytes(k), value) == 0);
        std::memcpy(&out[k], value, 8);
    }
    return out;
}

// struct elem { u64 counter; struct bpf_timer timer; u64 tail; } as a lookup copies it.
struct Elem {
    uint64_t counter;
    uint8_t timer[16];
    uint64_t tail;
};
int lookup_elem(Object& object, const char* map, uint32_t key, Elem& out) {
    auto m = object.map(map);
    REQUIRE(m);
    return m->lookup(key_bytes(key), {reinterpret_cast<uint8_t*>(&out), sizeof out});
}

uint64_t monotonic_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

const char* name(Engine e) { return e == Engine::Jit ? "jit" : "interpreter"; }

} // namespace

TEST_CASE("a bpf_timer's callback deletes its own element (Calico's pattern), both engines", "[timers]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        for (const char* prog : {"arm_hash", "arm_lru"}) {
            INFO(name(engine) << " " << prog);
            Object object = open_timers();
            REQUIRE(object.has_timers());
            const uint32_t key = prog == std::string("arm_hash") ? 5 : 6;
            const char* map = prog == std::string("arm_hash") ? "hmap" : "lru";
            const uint64_t before = monotonic_now();
            run(object, prog, engine);
            auto r = results(object);
            CHECK(r[3] == 0);       // init
            CHECK(r[4] == -EBUSY);  // init again
            CHECK(r[5] == 0);       // set_callback
            CHECK(r[6] == 0);       // start, 10 s
            // Armed 10 s from the run, on CLOCK_MONOTONIC.
            auto next = object.next_timer_expiry();
            REQUIRE(next);
            CHECK(*next >= before + 10'000'000'000);
            CHECK(*next <= monotonic_now() + 10'000'000'000);
            // Not due before its time.
            auto none = object.run_expired_timers(before);
            REQUIRE(none);
            CHECK(*none == 0);
            // The lookup copy hides the timer's state.
            Elem e{};
            REQUIRE(lookup_elem(object, map, key, e) == 0);
            CHECK(e.tail == 77);
            CHECK(std::all_of(std::begin(e.timer), std::end(e.timer), [](uint8_t b) { return b == 0; }));
            auto ran = object.run_expired_timers(*next);
            if (!ran) FAIL(ran.error().to_string());
            CHECK(*ran == 1);
            r = results(object);
            CHECK(r[0] == 1);   // the callback ran once
            CHECK(r[1] == key); // r2: the element's key
            CHECK(r[2] == 77);  // r3: its value
            CHECK(lookup_elem(object, map, key, e) == -ENOENT); // deleted by the callback
            CHECK_FALSE(object.next_timer_expiry());
            ran = object.run_expired_timers(kLater);
            REQUIRE(ran);
            CHECK(*ran == 0);
        }
    }
}

TEST_CASE("a bpf_timer callback starts its timer again; cancelling its own timer is -EDEADLK", "[timers]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        Object object = open_timers();
        run(object, "arm_array", engine);
        auto r = results(object);
        CHECK(r[13] == 0);
        CHECK(r[14] == 0);
        CHECK(r[15] == 0);
        for (uint64_t round = 1; round <= 3; ++round) {
            auto ran = object.run_expired_timers(kLater);
            if (!ran) FAIL(ran.error().to_string());
            CHECK(*ran == 1); // re-armed timers wait for the next call
            Elem e{};
            REQUIRE(lookup_elem(object, "amap", 1, e) == 0);
            CHECK(e.counter == round);
            r = results(object);
            CHECK(r[10] == 1);       // the array key: the element's index
            CHECK(r[11] == -EDEADLK);
            CHECK(r[12] == 0);
        }
        auto ran = object.run_expired_timers(kLater);
        REQUIRE(ran);
        CHECK(*ran == 0); // the third run did not start it again
    }
}

TEST_CASE("bpf_timer return codes follow the kernel's", "[timers]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        Object object = open_timers();
        run(object, "errors", engine);
        auto r = results(object);
        CHECK(r[0] == -EINVAL);
        CHECK(r[1] == -EINVAL);
        CHECK(r[2] == -EINVAL);
        CHECK(r[3] == -EINVAL);
        CHECK(r[4] == -EINVAL);
        CHECK(r[5] == 0);
        CHECK(r[6] == -EINVAL);
        CHECK(r[7] == 0);
        CHECK(r[8] == -EINVAL);
        CHECK(r[9] == 0);
        CHECK(r[10] == 1);
        CHECK(r[11] == 0);
        CHECK(r[12] == -EINVAL);
        CHECK(r[13] == 0);
        CHECK(r[14] == 0);
        // BPF_F_TIMER_ABS at a CLOCK_REALTIME time long past: due now.
        auto ran = object.run_expired_timers(monotonic_now());
        REQUIRE(ran);
        CHECK(*ran == 1);
        CHECK(results(object)[20] == 1);
    }
}

TEST_CASE("deleting or replacing the element cancels its timer (bpf_obj_free_timer)", "[timers]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        Object object = open_timers();
        auto hmap = object.map("hmap");
        REQUIRE(hmap);
        // Deleted from user space.
        run(object, "arm_hash", engine);
        REQUIRE(object.next_timer_expiry());
        REQUIRE(hmap->remove(key_bytes(5)) == 0);
        CHECK_FALSE(object.next_timer_expiry());
        auto ran = object.run_expired_timers(kLater);
        REQUIRE(ran);
        CHECK(*ran == 0);
        // Replaced by an update (the kernel frees the old element's timer), and the new
        // element's timer can be initialised again.
        run(object, "arm_hash", engine);
        CHECK(results(object)[3] == 0);
        Elem e{};
        e.tail = 9;
        std::memset(e.timer, 0xab, sizeof e.timer); // never copied into the map
        REQUIRE(hmap->update(key_bytes(5), {reinterpret_cast<const uint8_t*>(&e), sizeof e}) == 0);
        CHECK_FALSE(object.next_timer_expiry());
        run(object, "arm_hash", engine); // update + init: 0, not -EBUSY
        CHECK(results(object)[3] == 0);
        ran = object.run_expired_timers(kLater);
        REQUIRE(ran);
        CHECK(*ran == 1);
    }
}

TEST_CASE("a timer in a pinned map fires only for the object that set its callback, and not after it "
          "closed", "[timers][pins]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        auto pins = std::make_shared<PinRegistry>();
        Object b = open_timers(pins);
        {
            Object a = open_timers(pins);
            run(a, "arm_hash", engine);
            CHECK(results(a)[3] == 0);
            // b shares the map but not the callback: it neither runs nor waits for it.
            CHECK_FALSE(b.next_timer_expiry());
            auto ran = b.run_expired_timers(kLater);
            REQUIRE(ran);
            CHECK(*ran == 0);
            REQUIRE(a.next_timer_expiry());
        } // a closes: its callback leaves the shared map with it
        auto ran = b.run_expired_timers(kLater);
        REQUIRE(ran);
        CHECK(*ran == 0);
        Elem e{};
        REQUIRE(lookup_elem(b, "hmap", 5, e) == 0); // the element stays, its timer disarmed
        run(b, "arm_hash", engine);
        CHECK(results(b)[3] == 0);
        ran = b.run_expired_timers(kLater);
        REQUIRE(ran);
        CHECK(*ran == 1);
        CHECK(lookup_elem(b, "hmap", 5, e) == -ENOENT);
    }
}

TEST_CASE("the verifier refuses bpf_timer misuse in the kernel's words", "[timers][verifier]") {
    struct Case {
        const char* program;
        const char* says;
    };
    const Case cases[] = {
        {"wrong_offset", "off 16 doesn't point to 'struct bpf_timer' that is at 0"},
        {"other_map", "timer pointer in R1 (map 'amap') doesn't match map pointer in R2 (map 'hmap')"},
        {"direct_load", "bpf_timer cannot be accessed directly by load/store"},
        {"callback_returns_one", "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]"},
        {"no_timer", "map 'nomap' has no valid bpf_timer"},
    };
    for (const Case& c : cases) {
        INFO(c.program);
        VerifyOptions options;
        options.program = c.program;
        options.program_type = ProgramType::Mem;
        auto reports = verify_object(progs("timer_rejects.o"), options);
        if (!reports) FAIL(reports.error().to_string());
        REQUIRE(reports->size() == 1);
        const VerifyReport& r = reports->front();
        INFO(r.headline);
        CHECK_FALSE(r.accepted);
        CHECK(r.headline.find(c.says) != std::string::npos);
        CHECK(r.headline.find(fmt::format("insn {}:", r.insn)) != std::string::npos); // located
        CHECK(r.insn > 0);
    }
    VerifyOptions options;
    options.program = "good";
    options.program_type = ProgramType::Mem;
    auto reports = verify_object(progs("timer_rejects.o"), options);
    if (!reports) FAIL(reports.error().to_string());
    REQUIRE(reports->size() == 1);
    INFO(reports->front().headline);
    CHECK(reports->front().accepted);
}

TEST_CASE("a bpf_timer only in HASH, LRU_HASH and ARRAY values, as the kernel's map_check_btf", "[timers][maps]") {
    OpenOptions options;
    options.program_type = ProgramType::Mem;
    auto object = Object::open(progs("timer_percpu.o"), options);
    REQUIRE_FALSE(object);
    INFO(object.error().to_string());
    CHECK(object.error().to_string().find("bpf_timer is only allowed in HASH, LRU_HASH and ARRAY values") !=
          std::string::npos);
    CHECK(object.error().to_string().find("EOPNOTSUPP") != std::string::npos);
}

TEST_CASE("one struct bpf_timer per value, as the kernel's btf_parse_fields", "[timers][elf]") {
    OpenOptions options;
    options.program_type = ProgramType::Mem;
    auto object = Object::open(progs("timer_two.o"), options);
    REQUIRE_FALSE(object);
    const std::string message = object.error().to_string();
    INFO(message);
    CHECK(message.find("map 'twice': the value holds 2 struct bpf_timer (one at most; the kernel: E2BIG)") !=
          std::string::npos);
    CHECK(message.find("section '.maps'") != std::string::npos);
}

TEST_CASE("a bpf_timer in a struct inside the value, as the kernel's btf_find_nested_struct", "[timers][elf]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(name(engine));
        Object object = open_timers();
        run(object, "arm_nested", engine);
        auto r = results(object);
        CHECK(r[22] == 0); // init
        CHECK(r[23] == 0); // set_callback
        CHECK(r[24] == 0); // start, due at once
        auto ran = object.run_expired_timers(kLater);
        if (!ran) FAIL(ran.error().to_string());
        CHECK(*ran == 1);
        CHECK(results(object)[21] == 99); // the callback saw its value
    }
}

TEST_CASE("timers armed from several threads fire once each", "[timers][threads]") {
    Object object = open_timers();
    auto p = object.program("arm_array");
    REQUIRE(p);
    // Threads race to initialise the same timer: one wins, the others see -EBUSY.
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            std::vector<uint8_t> mem(16);
            auto r0 = p->run(mem, RunOptions{t % 2 ? Engine::Jit : Engine::Interpreter});
            CHECK(r0);
        });
    for (auto& t : threads) t.join();
    size_t total = 0;
    for (int round = 0; round < 5; ++round) {
        auto ran = object.run_expired_timers(kLater);
        REQUIRE(ran);
        total += *ran;
    }
    CHECK(total == 3); // one timer, three rounds of its callback
}
