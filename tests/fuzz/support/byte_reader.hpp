// Reads fuzz bytes as small decisions; past the end every read returns 0, so any input
// (even empty) describes a complete program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ebpfjit::fuzz {

class ByteReader {
public:
    explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    uint8_t u8() { return pos_ < bytes_.size() ? bytes_[pos_++] : 0; }
    // Little-endian, byte by byte in order: the operands of `|` are unsequenced, so one
    // expression would read the bytes in a compiler's order (g++ and clang differ, and a
    // seed would describe another program in the libFuzzer build).
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= uint32_t(u8()) << (8 * i);
        return v;
    }
    uint64_t u64() {
        const uint64_t low = u32();
        return low | uint64_t(u32()) << 32;
    }
    // A value in [0, n) (n > 0).
    uint32_t below(uint32_t n) { return n <= 256 ? u8() % n : u32() % n; }
    bool flip() { return u8() & 1; }
    bool done() const { return pos_ >= bytes_.size(); }
    size_t remaining() const { return bytes_.size() - pos_; }

private:
    std::span<const uint8_t> bytes_;
    size_t pos_ = 0;
};

} // namespace ebpfjit::fuzz
