// Lexical pieces of the bpf_conformance assembly syntax: numbers, registers, memory
// operands and labels. Each parser returns nullopt on a malformed token so that the
// assembler can name the line and the token in its error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ebpfjit::isa::asm_syntax {

// A literal as written: sign and magnitude, so that both int32 and uint64 ranges can be
// checked without overflow (`0xffffffffffffffff` and `-0x8000000000000000` are both valid).
struct Number {
    bool negative = false;
    uint64_t magnitude = 0;
    bool overflow = false; // well-formed but beyond 64 bits: fails every range check
};

// Decimal or 0x-hex, with an optional leading `+` or `-`.
std::optional<Number> parse_number(std::string_view text);

// The value as a signed 64-bit integer if it lies in [lo, hi].
std::optional<int64_t> number_in_range(Number n, int64_t lo, int64_t hi);

// A 32-bit immediate: accepts [-2^31, 2^32-1]; values above INT32_MAX wrap, as in the suite
// (`stw [%r10-4], 0x80000001`).
std::optional<int32_t> imm32(Number n);

// A 64-bit immediate for lddw: accepts [-2^63, 2^64-1].
std::optional<uint64_t> imm64(Number n);

// `%r0`..`%r10`.
std::optional<uint8_t> parse_register(std::string_view text);

// `[%rN]`, `[%rN+off]`, `[%rN-off]` (spaces allowed, off decimal or hex, int16 range).
struct MemOperand {
    uint8_t base = 0;
    int16_t off = 0;
};
enum class MemError { Syntax, BadRegister, OffsetRange };
struct MemParse {
    std::optional<MemOperand> mem;
    MemError error = MemError::Syntax;
};
MemParse parse_mem(std::string_view text);

// Identifier usable as a label: [A-Za-z_.][A-Za-z0-9_.]*
bool is_label_name(std::string_view text);

std::string_view trim(std::string_view text);

// Splits on commas and trims each piece; "" gives no pieces.
std::vector<std::string_view> split_operands(std::string_view text);

} // namespace ebpfjit::isa::asm_syntax
