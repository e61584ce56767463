// bpf_for_each_map_elem (164) on the interpreter and the JIT, over array and hash maps.
#include "tests/callbacks/callback_support.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

enum class Engine { Interpreter, Jit };

Result<uint64_t> run_on(Engine e, const isa::Program& p, const helpers::ProgramBindings& b) {
    return e == Engine::Interpreter ? run_interpreter(p, b) : run_jit(p, b);
}

// r0 = (sum of the values seen) * 1000 + bpf_for_each_map_elem's return; [r10-16] = last
// key seen. The callback stops (returns 1) at key STOP; with DOUBLE it also sets
// *value = *value * 2 + key.
std::string sum_program(int64_t stop, bool doubling = false, int64_t flags = 0) {
    std::string text =
        "stdw [%r10-8], 0\n"
        "stdw [%r10-16], -1\n"
        "ldmap %r1, 0\n"
        "ldfunc %r2, cb\n"
        "mov %r3, %r10\n"
        "add %r3, -16\n"
        "mov %r4, " + std::to_string(flags) + "\n"
        "call 164\n"
        "ldxdw %r6, [%r10-8]\n"
        "mul %r6, 1000\n"
        "add %r0, %r6\n"
        "exit\n"
        "cb:\n"
        "ldxdw %r5, [%r3]\n"
        "ldxdw %r0, [%r4+8]\n"
        "add %r0, %r5\n"
        "stxdw [%r4+8], %r0\n"
        "ldxw %r5, [%r2]\n"
        "stxdw [%r4], %r5\n";
    if (doubling)
        text += "ldxdw %r0, [%r3]\n"
                "lsh %r0, 1\n"
                "add %r0, %r5\n"
                "stxdw [%r3], %r0\n";
    text += "mov %r0, 0\n"
            "jne %r5, " + std::to_string(stop) + ", out\n"
            "mov %r0, 1\n"
            "out:\n"
            "exit\n";
    return text;
}

std::unique_ptr<maps::Map> array_of(std::initializer_list<uint64_t> values) {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, static_cast<uint32_t>(values.size()));
    uint32_t key = 0;
    for (uint64_t v : values) {
        REQUIRE(map->update(&key, &v, BPF_ANY) == 0);
        ++key;
    }
    return map;
}

std::unique_ptr<maps::Map> hash_of(std::initializer_list<std::pair<uint32_t, uint64_t>> entries,
                                   uint32_t type = BPF_MAP_TYPE_HASH) {
    auto map = make_map(type, 4, 8, 16);
    for (auto [k, v] : entries) REQUIRE(map->update(&k, &v, BPF_ANY) == 0);
    return map;
}

uint64_t value_at(maps::Map& map, uint32_t key) {
    const void* v = map.lookup(&key);
    REQUIRE(v != nullptr);
    uint64_t out;
    std::memcpy(&out, v, 8);
    return out;
}

} // namespace

TEST_CASE("for_each over an array visits every element in key order") {
    auto map = array_of({10, 20, 30, 40});
    CHECK(run_both(program(sum_program(-1)), bindings({map.get()})) == 100 * 1000 + 4);
}

TEST_CASE("for_each over an array stops at the callback's 1, counting that element") {
    auto map = array_of({10, 20, 30, 40});
    CHECK(run_both(program(sum_program(1)), bindings({map.get()})) == 30 * 1000 + 2);
    CHECK(run_both(program(sum_program(0)), bindings({map.get()})) == 10 * 1000 + 1);
}

TEST_CASE("for_each callbacks modify array values in place") {
    for (Engine e : {Engine::Interpreter, Engine::Jit}) {
        auto map = array_of({10, 20, 30, 40});
        auto r0 = run_on(e, program(sum_program(-1, true)), bindings({map.get()}));
        REQUIRE(r0);
        CHECK(*r0 == 100 * 1000 + 4);
        CHECK(value_at(*map, 0) == 20);
        CHECK(value_at(*map, 1) == 41);
        CHECK(value_at(*map, 2) == 62);
        CHECK(value_at(*map, 3) == 83);
    }
}

TEST_CASE("for_each over a hash map visits every entry") {
    for (uint32_t type : {uint32_t{BPF_MAP_TYPE_HASH}, uint32_t{BPF_MAP_TYPE_LRU_HASH}}) {
        auto map = hash_of({{5, 50}, {6, 60}, {7, 70}}, type);
        CHECK(run_both(program(sum_program(-1)), bindings({map.get()})) == 180 * 1000 + 3);
    }
    auto empty = hash_of({});
    CHECK(run_both(program(sum_program(-1)), bindings({empty.get()})) == 0);
}

TEST_CASE("for_each over a hash map stops at the callback's 1 and modifies values") {
    for (Engine e : {Engine::Interpreter, Engine::Jit}) {
        auto map = hash_of({{5, 50}, {6, 60}, {7, 70}});
        auto r0 = run_on(e, program(sum_program(6, true)), bindings({map.get()}));
        REQUIRE(r0);
        const uint64_t count = *r0 % 1000, sum = *r0 / 1000;
        CHECK(count >= 1);
        CHECK(count <= 3);
        CHECK(sum >= 60); // 6's value was seen last
        CHECK(value_at(*map, 6) == 126);
        // Exactly the visited entries were doubled.
        uint64_t doubled = 0;
        for (auto [k, v] : {std::pair<uint32_t, uint64_t>{5, 50}, {6, 60}, {7, 70}})
            if (value_at(*map, k) == v * 2 + k) doubled += 1;
        CHECK(doubled == count);
    }
}

TEST_CASE("for_each rejects flags and map types without element iteration") {
    auto map = array_of({1, 2});
    CHECK(int64_t(run_both(program(sum_program(-1, false, 1)), bindings({map.get()}))) == -EINVAL);
    auto queue = make_map(BPF_MAP_TYPE_QUEUE, 0, 8, 4);
    CHECK(int64_t(run_both(program(sum_program(-1)), bindings({queue.get()}))) == -maps::kENOTSUPP);
}

TEST_CASE("the for_each programs verify at Full over arrays and hash maps") {
    auto array = array_of({10, 20, 30, 40});
    auto hash = hash_of({{5, 50}});
    for (const maps::Map* m : {static_cast<const maps::Map*>(array.get()), static_cast<const maps::Map*>(hash.get())}) {
        CHECK(verify_full(program(sum_program(-1)), {m}) == "");
        CHECK(verify_full(program(sum_program(6, true)), {m}) == "");
    }
    // The key is read-only, as in the kernel.
    std::string bad = sum_program(-1);
    bad.replace(bad.find("ldxw %r5, [%r2]\n"), 16, "stw [%r2], 1\n");
    CHECK(verify_full(program(bad), {array.get()}).find("read-only") != std::string::npos);
}
