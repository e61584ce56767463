// The timers of a map (runtime/maps/timer_table.hpp) without a program: the field's
// life through copies and deletes, and what cancel does while a callback runs on
// another thread (waits; -EDEADLK when two callbacks cancel each other's timers).
#include <atomic>
#include <chrono>
#include <thread>

#include "map_test_util.hpp"
#include "runtime/maps/timer_table.hpp"

using namespace maptest;
using ebpfjit::maps::TimerTable;

namespace {

// struct { u64 a; struct bpf_timer timer; } (timer at offset 8)
struct Value {
    uint64_t a;
    uint64_t timer[2];
};

constexpr int kClockMonotonic = 1;
constexpr uint64_t kFn = 0x1000; // a callback value: the table only stores it
auto any = [](uint64_t) { return true; };

} // namespace

TEST_CASE("timer table: init, start and run; copies never carry the timer") {
    for (uint32_t type : {uint32_t{BPF_MAP_TYPE_ARRAY}, uint32_t{BPF_MAP_TYPE_HASH}, uint32_t{BPF_MAP_TYPE_LRU_HASH}}) {
        auto d = def(type, 4, sizeof(Value), 4);
        d.timer_offset = 8;
        auto m = make(d);
        REQUIRE(m->timers() != nullptr);
        uint32_t k = 2;
        Value v{5, {0xdead, 0xbeef}};
        REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
        auto* stored = static_cast<Value*>(m->lookup(&k));
        REQUIRE(stored != nullptr);
        CHECK(stored->timer[0] == 0); // never copied in
        CHECK(stored->timer[1] == 0);
        CHECK(m->timers()->init(stored->timer, kClockMonotonic) == 0);
        CHECK(m->timers()->init(stored->timer, kClockMonotonic) == -EBUSY);
        CHECK(TimerTable::set_callback(stored->timer, kFn) == 0);
        CHECK(TimerTable::start(stored->timer, 0, 0) == 0);
        Value out{};
        REQUIRE(m->lookup_copy(&k, &out) == 0);
        CHECK(out.a == 5);
        CHECK(out.timer[0] == 0); // the state stays in the map
        CHECK(out.timer[1] == 0);
        size_t calls = 0;
        const size_t ran = m->timers()->run_due(UINT64_MAX, any, [&](const TimerTable::Due& due) {
            ++calls;
            CHECK(due.fn == kFn);
            CHECK(due.value == stored);
            CHECK(*static_cast<const uint32_t*>(due.key) == k);
        });
        CHECK(ran == 1);
        CHECK(calls == 1);
        CHECK(m->timers()->armed() == 0);
        // A forged field (a copy elsewhere, or made-up words) names no timer.
        Value forged{};
        std::memcpy(forged.timer, stored->timer, sizeof forged.timer);
        CHECK(TimerTable::start(forged.timer, 0, 0) == -EINVAL);
        forged.timer[1] = 0x1234;
        CHECK(TimerTable::cancel(forged.timer) == -EINVAL);
    }
}

TEST_CASE("timer table: a hash delete frees the timer; the next element starts without one") {
    auto d = def(BPF_MAP_TYPE_HASH, 4, sizeof(Value), 1);
    d.timer_offset = 8;
    auto m = make(d);
    uint32_t k = 1;
    Value v{};
    REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    auto* stored = static_cast<Value*>(m->lookup(&k));
    REQUIRE(m->timers()->init(stored->timer, kClockMonotonic) == 0);
    REQUIRE(TimerTable::set_callback(stored->timer, kFn) == 0);
    REQUIRE(TimerTable::start(stored->timer, 0, 0) == 0);
    REQUIRE(m->remove(&k) == 0);
    CHECK(m->timers()->armed() == 0);
    CHECK(TimerTable::start(stored->timer, 0, 0) == -EINVAL); // a stale pointer finds none
    k = 2; // the one element is reused for another key
    REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    auto* again = static_cast<Value*>(m->lookup(&k));
    CHECK(m->timers()->init(again->timer, kClockMonotonic) == 0);
}

TEST_CASE("timer table: cancel from another thread waits for the running callback", "[threads]") {
    auto d = def(BPF_MAP_TYPE_ARRAY, 4, sizeof(Value), 1);
    d.timer_offset = 8;
    auto m = make(d);
    uint32_t k = 0;
    auto* stored = static_cast<Value*>(m->lookup(&k));
    REQUIRE(m->timers()->init(stored->timer, kClockMonotonic) == 0);
    REQUIRE(TimerTable::set_callback(stored->timer, kFn) == 0);
    REQUIRE(TimerTable::start(stored->timer, 0, 0) == 0);
    std::atomic<bool> started{false}, finished{false};
    int own_cancel = 0;
    std::thread runner([&] {
        m->timers()->run_due(UINT64_MAX, any, [&](const TimerTable::Due&) {
            own_cancel = TimerTable::cancel(stored->timer); // its own: would wait for itself
            started = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            finished = true;
        });
    });
    while (!started) std::this_thread::yield();
    CHECK(TimerTable::cancel(stored->timer) == 0); // not armed (it fired), but it waited
    CHECK(finished);
    runner.join();
    CHECK(own_cancel == -EDEADLK);
    CHECK(TimerTable::start(stored->timer, 0, 0) == -EINVAL); // cancel dropped the callback
}

TEST_CASE("timer table: two callbacks cancelling each other's timers do not deadlock", "[threads]") {
    auto d = def(BPF_MAP_TYPE_ARRAY, 4, sizeof(Value), 2);
    d.timer_offset = 8;
    auto m = make(d);
    Value* values[2];
    for (uint32_t k = 0; k < 2; ++k) {
        values[k] = static_cast<Value*>(m->lookup(&k));
        REQUIRE(m->timers()->init(values[k]->timer, kClockMonotonic) == 0);
        REQUIRE(TimerTable::set_callback(values[k]->timer, kFn + k) == 0);
        REQUIRE(TimerTable::start(values[k]->timer, 0, 0) == 0);
    }
    std::atomic<int> inside{0};
    int results[2] = {99, 99};
    auto runner = [&](uint32_t mine) {
        m->timers()->run_due(UINT64_MAX, [&](uint64_t fn) { return fn == kFn + mine; },
                             [&](const TimerTable::Due&) {
                                 ++inside; // both callbacks run at once before either cancels
                                 while (inside < 2) std::this_thread::yield();
                                 results[mine] = TimerTable::cancel(values[1 - mine]->timer);
                             });
    };
    std::thread a(runner, 0), b(runner, 1);
    a.join();
    b.join();
    // One of them is told -EDEADLK; the other waited for it and found its timer disarmed.
    CHECK(((results[0] == -EDEADLK && results[1] == 0) || (results[0] == 0 && results[1] == -EDEADLK) ||
           (results[0] == -EDEADLK && results[1] == -EDEADLK)));
}

TEST_CASE("timer table: only HASH, LRU_HASH and ARRAY values hold a bpf_timer, 8-aligned") {
    auto d = def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(Value), 1);
    d.timer_offset = 8;
    auto r = ebpfjit::maps::create_map(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("EOPNOTSUPP") != std::string::npos);
    d = def(BPF_MAP_TYPE_HASH, 4, sizeof(Value), 1);
    d.timer_offset = 4;
    r = ebpfjit::maps::create_map(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("8-aligned") != std::string::npos);
    d.timer_offset = 8;
    d.flags = BPF_F_RDONLY_PROG;
    r = ebpfjit::maps::create_map(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("EACCES") != std::string::npos);
}
