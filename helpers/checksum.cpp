#include "helpers/checksum.hpp"

#include <bit>
#include <cstring>

// The odd trailing byte below is the low half of its 16-bit word on little-endian hosts.
static_assert(std::endian::native == std::endian::little);

namespace ebpfjit::helpers::csum {

uint32_t partial(const void* data, size_t len, uint32_t seed) {
    const auto* p = static_cast<const uint8_t*>(data);
    uint64_t sum = 0;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t w;
        std::memcpy(&w, p + i, 4);
        sum += w;
    }
    if (i + 2 <= len) {
        uint16_t h;
        std::memcpy(&h, p + i, 2);
        sum += h;
        i += 2;
    }
    if (i < len) sum += p[i]; // little-endian: the odd byte is the low half of its word
    while (sum >> 32) sum = (sum & 0xffffffff) + (sum >> 32);
    return add(uint32_t(sum), seed);
}

} // namespace ebpfjit::helpers::csum
