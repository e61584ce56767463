// bpf_map_lookup_elem on a map known at the call (jit/map_lookups.cpp): ARRAY lookups
// inline (bounds check + address arithmetic), hash lookups as a direct call; both must
// give the interpreter's answers, including out-of-range and missing keys.
#include <catch2/catch.hpp>
#include <linux/bpf.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "runtime/interpreter.hpp"
#include "runtime/maps/hash_map.hpp"
#include "runtime/maps/map_factory.hpp"
#include "tests/jit/program_builder.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// key = *(u32 *)mem; v = lookup(map, &key); return v ? *(u64 *)v : 0xdead
// With `label_between`, a jump lands between the LDDW and the call: r1 is then not
// known on every path and the generic helper must stay.
Program lookup_program(bool label_between = false) {
    std::vector<Instruction> v;
    v.push_back(ldx(Size::W, 3, 1, 0));              // 0
    v.push_back(stx(Size::W, 10, -4, 3));             // 1
    lddw(v, 1, 0, LddwKind::MapIdx);                  // 2-3
    v.push_back(jcc(Cond::Eq, 3, 77777, 5));          // 4 (never taken; lands on 5 when set)
    v.push_back(mov64r(2, 10));                       // 5
    v.push_back(alu64(AluOp::Add, 2, -4));            // 6
    v.push_back(call_helper(BPF_FUNC_map_lookup_elem)); // 7
    v.push_back(jcc(Cond::Eq, 0, 0, 10));             // 8
    v.push_back(ldx(Size::DW, 0, 0, 0));              // 9
    v.push_back(exit_insn());                         // 10 (r0 = 0 when jumped to: lookup missed)
    if (!label_between) v[4] = mov64(4, 0);
    return make_program(v);
}

// The same with an 8-byte key: key = *(u64 *)mem.
Program lookup_program_u64() {
    std::vector<Instruction> v;
    v.push_back(ldx(Size::DW, 3, 1, 0));              // 0
    v.push_back(stx(Size::DW, 10, -8, 3));            // 1
    lddw(v, 1, 0, LddwKind::MapIdx);                  // 2-3
    v.push_back(mov64(4, 0));                         // 4
    v.push_back(mov64r(2, 10));                       // 5
    v.push_back(alu64(AluOp::Add, 2, -8));            // 6
    v.push_back(call_helper(BPF_FUNC_map_lookup_elem)); // 7
    v.push_back(jcc(Cond::Eq, 0, 0, 10));             // 8
    v.push_back(ldx(Size::DW, 0, 0, 0));              // 9
    v.push_back(exit_insn());                         // 10
    return make_program(v);
}

std::unique_ptr<maps::Map> make_map(uint32_t type, uint32_t max_entries, uint32_t key_size = 4) {
    maps::MapDefinition d;
    d.type = type;
    d.key_size = key_size;
    d.value_size = 8;
    d.max_entries = max_entries;
    d.name = "m";
    auto m = maps::create_map(d);
    REQUIRE(m.has_value());
    return std::move(*m);
}

void check_against_interpreter(maps::Map& map, const Program& p, bool expect_inline, bool expect_direct) {
    helpers::ProgramBindings bindings;
    bindings.maps.push_back(helpers::MapBinding{&map, nullptr, 0});
    jit::LoweringOptions options;
    options.bindings = &bindings;
    // Proven accesses, as after Full verification: checked code (no proof) keeps the
    // generic helper, whose arguments it checks.
    verifier::Facts proof;
    proof.access_in_bounds.assign(p.size(), true);
    auto lowered = jit::lower(p, proof, options);
    REQUIRE(lowered.has_value());
    const jit::LoweredSlot& call = lowered->slots[7];
    CHECK((call.array_lookup >= 0) == expect_inline);
    const auto generic = helpers::HelperTable::builtin().find(BPF_FUNC_map_lookup_elem)->fn;
    CHECK((call.helper != generic) == expect_direct);

    auto compiled = jit::compile(p, proof, bindings);
    REQUIRE(compiled.has_value());
    runtime::Interpreter interpreter(p, bindings);
    for (uint32_t key : {0u, 1u, 5u, 15u, 16u, 17u, 1000u, 0x80000000u, UINT32_MAX}) {
        uint8_t mem[4];
        std::memcpy(mem, &key, 4);
        auto got = runtime::run_native_mem(*compiled, mem);
        auto want = interpreter.run_mem(mem);
        REQUIRE(got.has_value());
        REQUIRE(want.has_value());
        INFO("key " << key);
        CHECK(*got == *want);
    }
}

} // namespace

TEST_CASE("array lookups on a known map are inlined and bounds-checked", "[jit][maps]") {
    auto array = make_map(BPF_MAP_TYPE_ARRAY, 16);
    for (uint32_t i = 0; i < 16; ++i) {
        const uint64_t v = 100 + i;
        REQUIRE(array->update(&i, &v, BPF_ANY) == 0);
    }
    check_against_interpreter(*array, lookup_program(), true, false);
    check_against_interpreter(*array, lookup_program(true), false, false);
}

TEST_CASE("hash lookups on a known map call the hash map directly", "[jit][maps]") {
    for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH}) {
        auto hash = make_map(type, 64);
        for (uint32_t i : {0u, 5u, 17u, 0x80000000u}) {
            const uint64_t v = 7 * i + 1;
            REQUIRE(hash->update(&i, &v, BPF_ANY) == 0);
        }
        check_against_interpreter(*hash, lookup_program(), false, true);
        check_against_interpreter(*hash, lookup_program(true), false, false);
    }
}

TEST_CASE("hash lookups with 8-byte keys call the one-word lookup directly", "[jit][maps]") {
    auto hash = make_map(BPF_MAP_TYPE_HASH, 64, 8);
    const Program p = lookup_program_u64();
    helpers::ProgramBindings bindings;
    bindings.maps.push_back(helpers::MapBinding{hash.get(), nullptr, 0});
    verifier::Facts proof;
    proof.access_in_bounds.assign(p.size(), true);
    jit::LoweringOptions options;
    options.bindings = &bindings;
    auto lowered = jit::lower(p, proof, options);
    REQUIRE(lowered.has_value());
    CHECK(lowered->slots[7].helper == &maps::HashMap::lookup_word_elem<8>);
    auto compiled = jit::compile(p, proof, bindings);
    REQUIRE(compiled.has_value());
    runtime::Interpreter interpreter(p, bindings);
    // Keys differing only in the high word, and the low word alone.
    const uint64_t keys[] = {0, 1, 0x100000000ull, 0x100000001ull, 0xffffffff00000000ull, UINT64_MAX, 42};
    for (uint64_t k : {uint64_t{1}, uint64_t{0x100000000ull}, UINT64_MAX}) {
        const uint64_t v = k ^ 0x5555;
        REQUIRE(hash->update(&k, &v, BPF_ANY) == 0);
    }
    for (uint64_t key : keys) {
        uint8_t mem[8];
        std::memcpy(mem, &key, 8);
        auto got = runtime::run_native_mem(*compiled, mem);
        auto want = interpreter.run_mem(mem);
        REQUIRE(got.has_value());
        REQUIRE(want.has_value());
        INFO("key " << key);
        CHECK(*got == *want);
    }
}

TEST_CASE("direct hash lookups stay consistent while another thread updates and deletes",
          "[jit][maps][threads]") {
    auto hash = make_map(BPF_MAP_TYPE_HASH, 16);
    const Program p = lookup_program();
    helpers::ProgramBindings bindings;
    bindings.maps.push_back(helpers::MapBinding{hash.get(), nullptr, 0});
    verifier::Facts proof;
    proof.access_in_bounds.assign(p.size(), true);
    auto compiled = jit::compile(p, proof, bindings);
    REQUIRE(compiled.has_value());
    // The writer keeps value = 3 * key + 1 for every key it inserts (or 3 * key + 2 on
    // odd rounds): a reader sees a miss (0) or one of those values, never a torn one or
    // garbage.
    for (uint32_t k = 0; k < 16; ++k) {
        const uint64_t v = 3 * uint64_t{k} + 1;
        REQUIRE(hash->update(&k, &v, BPF_ANY) == 0);
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> rounds{0};
    std::thread writer([&] {
        for (uint64_t round = 0; !stop.load(std::memory_order_relaxed); rounds = ++round) {
            for (uint32_t k = 0; k < 16; ++k) {
                const uint64_t v = 3 * uint64_t{k} + 1 + (round & 1);
                hash->update(&k, &v, BPF_ANY);
                if ((k + round) % 3 == 0) hash->remove(&k);
            }
        }
    });
    uint64_t bad = 0, hits = 0;
    // At least 100k lookups and 20 writer rounds (the writer may start late on a busy machine).
    for (uint32_t i = 0; i < 100000 || rounds.load(std::memory_order_relaxed) < 20; ++i) {
        const uint32_t key = i % 16;
        uint8_t mem[4];
        std::memcpy(mem, &key, 4);
        auto got = runtime::run_native_mem(*compiled, mem);
        if (!got) {
            ++bad;
            continue;
        }
        if (*got != 0) ++hits;
        // A value read after its element was deleted and reused holds another key's value
        // (the kernel's preallocated maps behave the same): any value the writer stores.
        if (*got != 0 && (*got < 1 || *got > 3 * 15 + 2 || *got % 3 == 0)) ++bad;
    }
    stop = true;
    writer.join();
    CHECK(bad == 0);
    CHECK(hits > 0);
}

TEST_CASE("percpu arrays keep the generic helper", "[jit][maps]") {
    auto percpu = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, 16);
    check_against_interpreter(*percpu, lookup_program(), false, false);
}
