// Inputs fuzzers found, kept as plain tests (the raw files also replay through the
// fuzz_<name>_corpus ctest entries). Each names what was wrong; the ASan/UBSan build is
// the one that catches a regression of the undefined behaviour ones.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"

namespace {

std::vector<uint8_t> regression_input(const std::string& relative) {
    const auto path = std::filesystem::path(EBPFJIT_SOURCE_DIR) / "tests" / "fuzz" / "regressions" / relative;
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

// fuzz_elf: a "license" section of size 0 made the loader call strnlen(nullptr, 0)
// (UBSan: null pointer passed as argument declared nonnull). Fixed in runtime/elf/loader.cpp.
TEST_CASE("fuzz_elf regression: empty license section", "[bad_input][elf][regression]") {
    const auto bytes = regression_input("elf/empty_license_section.o");
    auto object = ebpfjit::Object::open_memory(bytes);
    if (object) CHECK(object->license().empty());
    else CHECK(object.error().to_string().find('\n') == std::string::npos);
}

// fuzz_elf: a legacy "maps" section of type SHT_NOBITS (a size, no bytes) made the loader
// memcpy map definitions from a null pointer. Fixed in runtime/elf/legacy_maps.cpp.
TEST_CASE("fuzz_elf regression: maps section without contents", "[bad_input][elf][regression]") {
    const auto bytes = regression_input("elf/legacy_maps_nobits.o");
    auto object = ebpfjit::Object::open_memory(bytes);
    REQUIRE_FALSE(object);
    INFO(object.error().to_string());
    CHECK(object.error().to_string().find('\n') == std::string::npos);
}

// fuzz_elf: a NOBITS data section claiming 4 GB was zero-filled into a vector before any
// size check (libFuzzer out-of-memory). Fixed in runtime/elf/global_data.cpp.
TEST_CASE("fuzz_elf regression: gigantic .bss section", "[bad_input][elf][regression]") {
    const auto bytes = regression_input("elf/huge_bss_section.o");
    auto object = ebpfjit::Object::open_memory(bytes);
    REQUIRE_FALSE(object);
    INFO(object.error().to_string());
    CHECK(object.error().to_string().find('\n') == std::string::npos);
}
