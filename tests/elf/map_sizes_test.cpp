// Map sizes chosen before load (libbpf's bpf_map__set_max_entries between open and load):
// ReadOptions / OpenOptions::map_max_entries. xdp-tools declares maps without max_entries
// and sizes them from userspace; without a size such a map is refused, naming it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <span>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "loader_assertions.hpp"
#include "runtime/elf/loader.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_bytes;
using ebpfjit::runtime::elf::test::object_path;

using ebpfjit::runtime::elf::test::contains;
using ebpfjit::runtime::elf::test::require_error;

namespace {

uint32_t max_entries_of(const ObjectDescription& d, const std::string& name) {
    auto i = d.find_map(name);
    REQUIRE(i);
    return d.maps[*i].def.max_entries;
}

ReadOptions sized(MapSizes sizes) {
    ReadOptions options;
    options.map_max_entries = std::move(sizes);
    return options;
}

} // namespace

TEST_CASE("a map declared without max_entries is refused until it is sized", "[elf][parity][map-sizes]") {
    const auto bytes = object_bytes("sized_maps");
    require_error(read_object(bytes), {"section '.maps'", "offset 0x0", "map 'rx_cnt' has max_entries 0",
                                       "--map-max-entries rx_cnt=N"});
    auto d = read_object(bytes, sized({{"rx_cnt", 4}}));
    if (!d) FAIL(d.error().to_string());
    CHECK(max_entries_of(*d, "rx_cnt") == 4);
    CHECK(max_entries_of(*d, "seen") == 8); // untouched: its declared size
}

TEST_CASE("a declared size is overridden too", "[elf][parity][map-sizes]") {
    auto d = read_object(object_bytes("sized_maps"), sized({{"rx_cnt", 2}, {"seen", 1000}}));
    if (!d) FAIL(d.error().to_string());
    CHECK(max_entries_of(*d, "seen") == 1000);
    // Legacy `maps` definitions (struct bpf_map_def) take sizes the same way.
    auto legacy = read_object(object_bytes("legacy_maps"), sized({{"counters", 32}}));
    if (!legacy) FAIL(legacy.error().to_string());
    CHECK(max_entries_of(*legacy, "counters") == 32);
    CHECK(max_entries_of(*legacy, "table") == 64);
}

TEST_CASE("sizes the object cannot take are one-line errors", "[elf][parity][map-sizes]") {
    const auto bytes = object_bytes("sized_maps");
    SECTION("a name the object does not define, with the maps it does") {
        require_error(read_object(bytes, sized({{"rx_cnt", 4}, {"tx_cnt", 4}})),
                      {"map 'tx_cnt'", "does not define", "'rx_cnt', 'seen'"});
    }
    SECTION("a global data map: always one entry") {
        require_error(read_object(bytes, sized({{"rx_cnt", 4}, {".bss", 4}})),
                      {"section '.bss'", "'.bss'", "global data", "one entry"});
    }
    SECTION("zero") {
        require_error(read_object(bytes, sized({{"rx_cnt", 0}})),
                      {"section '.maps'", "offset 0x0", "map 'rx_cnt'", "at least 1"});
    }
}

TEST_CASE("Object::open creates the map with the size given", "[elf][parity][map-sizes]") {
    OpenOptions options;
    auto refused = Object::open(object_path("sized_maps"), options);
    REQUIRE_FALSE(refused);
    CHECK(contains(refused.error().to_string(), "map 'rx_cnt' has max_entries 0"));

    options.map_max_entries = {{"rx_cnt", 4}};
    auto object = Object::open(object_path("sized_maps"), options);
    if (!object) FAIL(object.error().to_string());
    auto rx = object->map("rx_cnt");
    REQUIRE(rx);
    CHECK(rx->max_entries() == 4);
    uint64_t value = 0;
    auto as_bytes = [](auto& v) { return std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), sizeof v); };
    uint32_t last = 3, past = 4;
    CHECK(rx->lookup(as_bytes(last), as_bytes(value)) == 0);
    CHECK(rx->lookup(as_bytes(past), as_bytes(value)) == -ENOENT);
    // The program verifies against the sized map.
    auto program = object->program("count_rx");
    if (!program) FAIL(program.error().to_string());
}
