// Typed IR -> raw instruction words. decode(encode(p)) == p for every valid program.
#pragma once

#include <cstdint>
#include <vector>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::isa {

// For IR that came from the decoder (or passed its checks). IR that no instruction word
// can express is a bug in the caller: encode() logs it and aborts; use try_encode() when
// the IR was built by hand.
std::vector<RawInsn> encode(const Program& program);
std::vector<uint8_t> encode_bytes(const Program& program);

// Same, reporting IR with no encoding (no such form, register above 10, jump offset that
// does not fit, misplaced LddwSecondSlot) as an error naming the slot.
Result<std::vector<RawInsn>> try_encode(const Program& program);

} // namespace ebpfjit::isa
