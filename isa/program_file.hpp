// Files on disk: raw `.bin` programs (little-endian 8-byte instruction words, as
// `ebpfjit asm` writes them and the kernel's BPF_PROG_LOAD takes them) and plain bytes.
// Every error names the file, and for a program the byte offset of the bad instruction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::isa {

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path);
Result<void> write_file_bytes(const std::string& path, std::span<const uint8_t> bytes);

// Decodes a raw program held in `bytes` (read from `path`, used in messages only).
// A length that is not a non-zero multiple of 8 is an error at the first incomplete
// instruction's offset; a decoder error gets offset = 8 * instruction index.
Result<Program> decode_program_file(const std::string& path, std::span<const uint8_t> bytes);

// read_file_bytes + decode_program_file.
Result<Program> load_program_file(const std::string& path);

} // namespace ebpfjit::isa
