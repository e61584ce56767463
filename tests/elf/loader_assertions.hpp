// Catch2 assertions the loader tests share: one-line located errors, objects that must open,
// and values as byte spans for the map API.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "runtime/elf/loader.hpp"

namespace ebpfjit::runtime::elf::test {

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A refusal: one line that names every part.
inline void require_error(const Result<ObjectDescription>& r, std::initializer_list<std::string> parts) {
    REQUIRE_FALSE(r);
    const std::string message = r.error().to_string();
    INFO(message);
    CHECK(message.find('\n') == std::string::npos); // one line
    for (const auto& p : parts) CHECK(contains(message, p));
}

template <class T>
std::span<const uint8_t> bytes_of(const T& v) {
    return {reinterpret_cast<const uint8_t*>(&v), sizeof v};
}
template <class T>
std::span<uint8_t> bytes_of(T& v) {
    return {reinterpret_cast<uint8_t*>(&v), sizeof v};
}

// The built test object `stem`, opened through the public API (fails the test otherwise).
inline Object open_object(const std::string& stem, OpenOptions options = {}) {
    auto object = Object::open(object_path(stem), options);
    if (!object) FAIL(object.error().to_string());
    return std::move(*object);
}

} // namespace ebpfjit::runtime::elf::test
