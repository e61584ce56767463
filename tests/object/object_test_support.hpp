// Shared helpers of the whole-object tests: object paths and frame builders.
#pragma once

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"

namespace object_test {

// fmt, not string +: g++ 12 at -O2 reports a false -Warray-bounds in the inlined concatenation.
inline std::string prog_path(const std::string& stem) { return fmt::format("{}/{}.o", EBPFJIT_OBJECT_PROGS_DIR, stem); }

inline ebpfjit::Object open_object(const std::string& stem, const ebpfjit::OpenOptions& options = {}) {
    auto object = ebpfjit::Object::open(prog_path(stem), options);
    if (!object) FAIL(object.error().to_string());
    return std::move(*object);
}

inline ebpfjit::Program program_of(ebpfjit::Object& object, const std::string& name) {
    auto program = object.program(name);
    if (!program) FAIL(program.error().to_string());
    return *program;
}

// Ethernet frame (dst 02:..:01, src 02:..:02) of `len` bytes with this EtherType;
// payload bytes count up from 0.
inline std::vector<uint8_t> ether_frame(uint16_t ether_type, size_t len) {
    std::vector<uint8_t> f(len);
    for (size_t i = 0; i < len; ++i) f[i] = uint8_t(i);
    const uint8_t header[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, uint8_t(ether_type >> 8), uint8_t(ether_type)};
    std::memcpy(f.data(), header, std::min<size_t>(14, len));
    return f;
}

// progs/xdp_adjust.c's command packet: an IPv4 frame of `len` bytes whose byte 0 is the
// operation and bytes 1-2 the delta (little-endian).
inline std::vector<uint8_t> xdp_adjust_command(uint8_t op, int16_t delta, size_t len) {
    std::vector<uint8_t> p = ether_frame(0x0800, len);
    p[0] = op;
    p[1] = uint8_t(uint16_t(delta));
    p[2] = uint8_t(uint16_t(delta) >> 8);
    return p;
}

template <class T>
std::vector<uint8_t> bytes_of(const T& value) {
    std::vector<uint8_t> out(sizeof value);
    std::memcpy(out.data(), &value, sizeof value);
    return out;
}

inline uint64_t u64_at(ebpfjit::MapRef map, uint32_t key) {
    std::vector<uint8_t> value(map.value_size());
    REQUIRE(map.lookup(bytes_of(key), value) == 0);
    uint64_t v = 0;
    std::memcpy(&v, value.data(), sizeof v);
    return v;
}

inline ebpfjit::MapRef map_of(ebpfjit::Object& object, const std::string& name) {
    auto map = object.map(name);
    if (!map) FAIL(map.error().to_string());
    return *map;
}

inline const char* engine_name(ebpfjit::Engine e) { return e == ebpfjit::Engine::Jit ? "jit" : "interp"; }

} // namespace object_test
