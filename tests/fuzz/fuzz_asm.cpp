// The assembler on arbitrary text: a Program or a one-line error, never a crash. What it
// accepts must encode, decode back to the same program and disassemble.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "isa/assembler.hpp"
#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"
#include "isa/encoder.hpp"

using namespace ebpfjit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)isa::assemble_raw(text);
    auto program = isa::assemble(text);
    if (!program) {
        (void)program.error().to_string();
        return 0;
    }
    auto again = isa::decode_bytes(isa::encode_bytes(*program));
    if (!again || again->insns != program->insns) std::abort(); // assembler/encoder/decoder disagree
    (void)isa::disassemble(*program);
    return 0;
}
