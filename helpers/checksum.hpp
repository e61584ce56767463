// Internet (one's complement) checksum arithmetic as the kernel's include/net/checksum.h
// has it. Values are kept in memory byte order: one's complement sums do not care about
// byte order as long as every operand uses the same one, so packet fields are summed
// exactly as they lie in the buffer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebpfjit::helpers::csum {

constexpr uint32_t add(uint32_t a, uint32_t b) {
    const uint32_t s = a + b;
    return s + (s < b); // end-around carry
}
constexpr uint32_t sub(uint32_t a, uint32_t b) { return add(a, ~b); }

// 32-bit partial sum -> 16-bit checksum field (complemented).
constexpr uint16_t fold(uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

constexpr uint16_t add16(uint16_t a, uint16_t b) {
    const uint16_t s = uint16_t(a + b);
    return uint16_t(s + (s < b));
}
constexpr uint16_t sub16(uint16_t a, uint16_t b) { return add16(a, uint16_t(~b)); }

// Sum of `len` bytes (16-bit words in memory order, an odd last byte padded) plus seed.
uint32_t partial(const void* data, size_t len, uint32_t seed);

// csum_block_add / csum_block_sub: a block's sum placed at an odd offset is byte-rotated.
constexpr uint32_t block_add(uint32_t sum, uint32_t block, size_t offset) {
    if (offset & 1) block = (block >> 8) | (block << 24);
    return add(sum, block);
}
constexpr uint32_t block_sub(uint32_t sum, uint32_t block, size_t offset) {
    return block_add(sum, ~block, offset);
}

// In-place updates of a 16-bit checksum field (csum_replace4/2, csum_replace_by_diff).
inline void replace4(uint16_t* field, uint32_t from, uint32_t to) {
    *field = fold(add(sub(~uint32_t(*field), from), to));
}
inline void replace2(uint16_t* field, uint16_t from, uint16_t to) {
    *field = uint16_t(~add16(sub16(uint16_t(~*field), from), to));
}
inline void replace_by_diff(uint16_t* field, uint32_t diff) {
    *field = fold(add(diff, ~uint32_t(*field)));
}

} // namespace ebpfjit::helpers::csum
