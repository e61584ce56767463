// A raw instruction as the 64-bit word of the `.data` format's `-- raw` section: the low
// byte is the opcode, then dst (low nibble) / src (high nibble), the 16-bit offset and
// the 32-bit imm in the high half. Independent of the host's byte order.
#pragma once

#include <cstdint>

#include "isa/instruction.hpp"

namespace ebpfjit::isa {

inline RawInsn raw_from_word(uint64_t word) {
    RawInsn r{};
    r.opcode = uint8_t(word);
    r.dst = uint8_t(word >> 8) & 0xf;
    r.src = uint8_t(word >> 12) & 0xf;
    r.off = int16_t(uint16_t(word >> 16));
    r.imm = int32_t(uint32_t(word >> 32));
    return r;
}

inline uint64_t word_from_raw(const RawInsn& r) {
    return uint64_t(r.opcode) | uint64_t(r.dst) << 8 | uint64_t(r.src) << 12 |
           uint64_t(uint16_t(r.off)) << 16 | uint64_t(uint32_t(r.imm)) << 32;
}

} // namespace ebpfjit::isa
