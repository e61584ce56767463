// The embedding API over a real object: open, run, and read and write its maps.
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <vector>
#include <linux/bpf.h>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "loader_assertions.hpp"
#include "runtime/maps/map.hpp"

using namespace ebpfjit;
using ebpfjit::runtime::elf::test::object_path;

using ebpfjit::runtime::elf::test::bytes_of;
using ebpfjit::runtime::elf::test::open_object;

namespace {

uint64_t global_u64(Object& object, const char* section, size_t offset) {
    auto map = object.map(section);
    REQUIRE(map);
    std::vector<uint8_t> value(map->value_size());
    const uint32_t zero = 0;
    REQUIRE(map->lookup(bytes_of(zero), value) == 0);
    uint64_t v;
    std::memcpy(&v, value.data() + offset, 8);
    return v;
}

} // namespace

TEST_CASE("Object: run a mem program and read its maps and globals", "[object]") {
    Object object = open_object("object_api", OpenOptions{ProgramType::Mem});
    CHECK(object.license() == "GPL");
    CHECK(object.program_names() == std::vector<std::string>{"sum_bytes"});

    auto program = object.program("sum_bytes");
    REQUIRE(program);
    CHECK(program->type() == ProgramType::Mem);
    std::vector<uint8_t> buffer = {1, 2, 3, 4};
    auto r0 = program->run(buffer);
    REQUIRE(r0);
    CHECK(*r0 == 30); // (1 + 2 + 3 + 4) * multiplier
    r0 = program->run(buffer);
    REQUIRE(r0);

    auto sums = object.map("sums_by_length");
    REQUIRE(sums);
    CHECK(sums->type() == BPF_MAP_TYPE_HASH);
    const uint32_t four = 4;
    uint64_t sum = 0;
    REQUIRE(sums->lookup(bytes_of(four), bytes_of(sum)) == 0);
    CHECK(sum == 20);

    CHECK(global_u64(object, ".bss", 0) == 2);     // runs
    CHECK(global_u64(object, ".data", 0) == 120);  // total = 100 + 10 + 10
}

TEST_CASE("Object: map updates from the API are seen by the program", "[object]") {
    Object object = open_object("object_api", OpenOptions{ProgramType::Mem});
    auto sums = object.map("sums_by_length");
    REQUIRE(sums);
    const uint32_t two = 2;
    const uint64_t preset = 1000;
    REQUIRE(sums->update(bytes_of(two), bytes_of(preset), BPF_NOEXIST) == 0);
    CHECK(sums->update(bytes_of(two), bytes_of(preset), BPF_NOEXIST) == -EEXIST);

    std::vector<uint8_t> buffer = {7, 8};
    auto program = object.program("sum_bytes");
    REQUIRE(program);
    REQUIRE(program->run(buffer));
    uint64_t sum = 0;
    REQUIRE(sums->lookup(bytes_of(two), bytes_of(sum)) == 0);
    CHECK(sum == 1015);

    // Iterate: exactly one key, then -ENOENT.
    uint32_t key = 0;
    REQUIRE(sums->get_next_key({}, bytes_of(key)) == 0);
    CHECK(key == 2);
    uint32_t next = 0;
    CHECK(sums->get_next_key(bytes_of(key), bytes_of(next)) == -ENOENT);
    CHECK(sums->remove(bytes_of(two)) == 0);
    CHECK(sums->lookup(bytes_of(two), bytes_of(sum)) == -ENOENT);
    CHECK(sums->lookup(bytes_of(key).first(2), bytes_of(sum)) == -EINVAL); // wrong key size
}

TEST_CASE("Object: global data initial values and rodata", "[object]") {
    Object object = open_object("object_api", OpenOptions{ProgramType::Mem});
    CHECK(global_u64(object, ".data", 0) == 100);
    CHECK(global_u64(object, ".bss", 0) == 0);
    auto rodata = object.map(".rodata");
    REQUIRE(rodata);
    uint32_t multiplier = 0;
    const uint32_t zero = 0;
    REQUIRE(rodata->lookup(bytes_of(zero), bytes_of(multiplier)) == 0);
    CHECK(multiplier == 3);
    // Frozen, as libbpf leaves it and bpf(2) enforces: the verifier read `multiplier` as 3.
    const uint32_t seven = 7;
    CHECK(rodata->update(bytes_of(zero), bytes_of(seven)) == -EPERM);
    CHECK(rodata->remove(bytes_of(zero)) == -EPERM);
    REQUIRE(rodata->lookup(bytes_of(zero), bytes_of(multiplier)) == 0);
    CHECK(multiplier == 3);
    auto data = object.map(".data"); // not frozen
    REQUIRE(data);
    std::vector<uint8_t> value(data->value_size(), 0);
    CHECK(data->update(bytes_of(zero), value) == 0);
}

TEST_CASE("Object: map-in-map slots hold the declared inner maps", "[object]") {
    Object object = open_object("btf_maps");
    auto outer = object.map("outer");
    auto inner0 = object.map("inner0");
    auto inner1 = object.map("inner1");
    REQUIRE((outer && inner0 && inner1));
    uint32_t id = 0;
    for (auto [slot, inner] : {std::pair{0u, &*inner0}, std::pair{2u, &*inner1}}) {
        REQUIRE(outer->lookup(bytes_of(slot), bytes_of(id)) == 0);
        CHECK(id == inner->native().id());
    }
    const uint32_t empty = 1;
    CHECK(outer->lookup(bytes_of(empty), bytes_of(id)) == -ENOENT);
}

TEST_CASE("Object: errors name the problem", "[object]") {
    auto missing = Object::open(object_path("does_not_exist"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().to_string().find("does_not_exist.o: cannot open") != std::string::npos);

    Object object = open_object("object_api", OpenOptions{ProgramType::Mem});
    auto program = object.program("nope");
    REQUIRE_FALSE(program);
    CHECK(program.error().to_string() == "no program named 'nope' in the object");
    auto map = object.map("nope");
    REQUIRE_FALSE(map);
    CHECK(map.error().to_string() == "no map named 'nope' in the object");

    auto untyped = Object::open(object_path("object_api")); // section "mem" implies no type
    REQUIRE_FALSE(untyped);
    CHECK(untyped.error().to_string().find("section 'mem'") != std::string::npos);
}
