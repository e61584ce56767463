// Errors are values: every fallible API returns Result<T>, whose Error says what went
// wrong and where (instruction index, file + byte offset, or source line).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace ebpfjit {

struct Error {
    std::string message;
    std::optional<uint32_t> insn;   // instruction (8-byte slot) index in the program
    std::string file;               // file or ELF section the error is about
    std::optional<uint64_t> offset; // byte offset within `file`
    std::optional<uint32_t> line;   // 1-based source line (assembler, .data files)

    static Error at_insn(uint32_t index, std::string msg) {
        return Error{std::move(msg), index, {}, {}, {}};
    }
    static Error at_line(uint32_t line_no, std::string msg) {
        return Error{std::move(msg), {}, {}, {}, line_no};
    }
    static Error at_offset(std::string file_name, uint64_t off, std::string msg) {
        return Error{std::move(msg), {}, std::move(file_name), off, {}};
    }
    static Error plain(std::string msg) { return Error{std::move(msg), {}, {}, {}, {}}; }

    // One line: "<file>: offset 0x10: line 3: insn 12: <message>" with absent parts left out.
    std::string to_string() const;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

} // namespace ebpfjit
