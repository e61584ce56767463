// The decoder on arbitrary bytes: it must accept or return an error, never crash. What it
// accepts must survive encode -> decode unchanged and disassemble without trouble.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"
#include "isa/encoder.hpp"

using namespace ebpfjit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto program = isa::decode_bytes(std::span<const uint8_t>(data, size));
    if (!program) {
        (void)program.error().to_string();
        return 0;
    }
    auto bytes = isa::encode_bytes(*program);
    auto again = isa::decode_bytes(bytes);
    if (!again || again->insns != program->insns || again->subprogram_starts != program->subprogram_starts)
        std::abort(); // the encoder and decoder disagree on an accepted program
    (void)isa::disassemble(*program);
    return 0;
}
