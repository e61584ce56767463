// Typed IR -> raw instruction words. decode(encode(p)) == p for every valid program.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/instruction.hpp"

namespace ebpfjit::isa {

std::vector<RawInsn> encode(const Program& program);
std::vector<uint8_t> encode_bytes(const Program& program);

} // namespace ebpfjit::isa
