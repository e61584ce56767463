// Map memory is capped by the configurable budget (runtime/maps/memory_budget.hpp): many
// small maps add up to it, the first map over it is refused with ENOMEM naming the budget,
// and destroying maps gives the budget back.
#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <memory>
#include <optional>
#include <vector>

#include "runtime/maps/map_factory.hpp"
#include "runtime/maps/memory_budget.hpp"

using namespace ebpfjit;

namespace {

maps::MapDefinition array_of(uint32_t entries) {
    maps::MapDefinition d;
    d.type = BPF_MAP_TYPE_ARRAY;
    d.key_size = 4;
    d.value_size = 64;
    d.max_entries = entries;
    return d;
}

// Restores the process-wide budget whatever the test does.
struct BudgetGuard {
    uint64_t saved = maps::memory_budget();
    ~BudgetGuard() { maps::set_memory_budget(saved); }
};

} // namespace

TEST_CASE("limits: map memory stops at the configured budget and comes back", "[limits][maps]") {
    BudgetGuard guard;
    const uint64_t base = maps::memory_in_use();
    maps::set_memory_budget(base + (4u << 20)); // 4 MiB for this test's maps

    std::vector<std::unique_ptr<maps::Map>> made;
    std::optional<Error> refusal;
    for (int i = 0; i < 1000 && !refusal; ++i) {
        auto map = maps::create_map(array_of(1024)); // 64 KiB of values each
        if (map) made.push_back(std::move(*map));
        else refusal = map.error();
    }
    REQUIRE(refusal.has_value());
    CHECK(refusal->to_string().find("memory budget") != std::string::npos);
    CHECK(made.size() >= 32);  // 4 MiB / 64 KiB = 64 values' worth, minus overheads
    CHECK(made.size() <= 64);
    CHECK(maps::memory_in_use() <= maps::memory_budget());

    made.pop_back();
    CHECK(maps::create_map(array_of(1024)).has_value()); // one freed slot fits one again

    made.clear();
    CHECK(maps::memory_in_use() == base);
}

TEST_CASE("limits: a budget with no headroom refuses every map", "[limits][maps]") {
    BudgetGuard guard;
    maps::set_memory_budget(maps::memory_in_use());
    auto map = maps::create_map(array_of(1));
    REQUIRE_FALSE(map.has_value());
    CHECK(map.error().to_string().find("memory budget") != std::string::npos);
}
