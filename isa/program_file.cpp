#include "isa/program_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "isa/decoder.hpp"
#include "isa/raw_word.hpp"

namespace ebpfjit::isa {
namespace {

// An error about a whole file (no offset within it).
Error file_error(const std::string& path, std::string msg) {
    return Error{std::move(msg), {}, path, {}, {}};
}

} // namespace

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return fail(file_error(path, "is a directory"));
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(file_error(path, fmt::format("cannot open: {}", std::strerror(errno))));
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return fail(file_error(path, "read error"));
    return bytes;
}

Result<void> write_file_bytes(const std::string& path, std::span<const uint8_t> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return fail(file_error(path, fmt::format("cannot create: {}", std::strerror(errno))));
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    out.close();
    if (!out) return fail(file_error(path, "write error"));
    return {};
}

Result<Program> decode_program_file(const std::string& path, std::span<const uint8_t> bytes) {
    if (bytes.empty()) return fail(file_error(path, "empty program"));
    if (size_t tail = bytes.size() % sizeof(RawInsn); tail != 0)
        return fail(Error::at_offset(path, bytes.size() - tail,
                                     fmt::format("truncated instruction: {} byte{} left over, a program is "
                                                 "a sequence of 8-byte instructions",
                                                 tail, tail == 1 ? "" : "s")));
    std::vector<RawInsn> raw;
    raw.reserve(bytes.size() / 8);
    for (size_t i = 0; i < bytes.size(); i += 8) {
        uint64_t word = 0;
        for (size_t b = 0; b < 8; ++b) word |= uint64_t(bytes[i + b]) << (8 * b); // little endian
        raw.push_back(raw_from_word(word));
    }
    auto program = decode(raw);
    if (!program) {
        Error e = program.error();
        e.file = path;
        if (e.insn) e.offset = uint64_t(*e.insn) * sizeof(RawInsn);
        return fail(std::move(e));
    }
    return program;
}

Result<Program> load_program_file(const std::string& path) {
    auto bytes = read_file_bytes(path);
    if (!bytes) return fail(bytes.error());
    return decode_program_file(path, *bytes);
}

} // namespace ebpfjit::isa
