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
    uint32_t u32() { return uint32_t(u8()) | uint32_t(u8()) << 8 | uint32_t(u8()) << 16 | uint32_t(u8()) << 24; }
    uint64_t u64() { return uint64_t(u32()) | uint64_t(u32()) << 32; }
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
