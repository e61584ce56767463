// `.data` reader. The `-- asm` section is handed to the assembler as the whole file with
// every other line blanked, so assembler errors carry the file's own line numbers.
#include "isa/data_file.hpp"

#include <fmt/format.h>

#include <charconv>

#include "isa/asm_lexer.hpp"
#include "isa/assembler.hpp"
#include "isa/decoder.hpp"
#include "isa/raw_word.hpp"

namespace ebpfjit::isa {
namespace {

enum class Section { None, Asm, Raw, Mem, Result, Error, Ignored };

Result<Section> section_named(std::string_view name, uint32_t line_no) {
    if (name == "asm") return Section::Asm;
    if (name == "raw") return Section::Raw;
    if (name == "mem") return Section::Mem;
    if (name == "result") return Section::Result;
    if (name == "error") return Section::Error;
    if (name == "c" || name == "no register offset") return Section::Ignored; // documentation
    return fail(Error::at_line(line_no, fmt::format("unknown section '-- {}'", name)));
}

std::vector<std::string_view> words_of(std::string_view text) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (true) {
        pos = text.find_first_not_of(" \t\r", pos);
        if (pos == std::string_view::npos) break;
        size_t end = text.find_first_of(" \t\r", pos);
        out.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

std::optional<uint8_t> hex_byte(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
    if (text.empty() || text.size() > 2) return std::nullopt;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return uint8_t(v);
}

// `0x…` hex, otherwise decimal; unsigned 64-bit, or negative decimal (two's complement).
std::optional<uint64_t> word_value(std::string_view text) {
    auto n = asm_syntax::parse_number(text);
    if (!n) return std::nullopt;
    return asm_syntax::imm64(*n);
}

} // namespace

Result<DataFile> parse_data_file(std::string_view text) {
    DataFile out;
    std::string asm_text;          // same line count as `text`, non-asm lines blanked
    std::vector<RawInsn> raw;
    bool have_asm = false, have_raw = false;
    std::string error_text;
    bool have_error = false;
    std::optional<uint32_t> result_line, raw_line;

    Section section = Section::None;
    uint32_t line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.starts_with("--")) {
            auto s = section_named(asm_syntax::trim(line.substr(2)), line_no);
            if (!s) return fail(s.error());
            section = *s;
            have_asm |= section == Section::Asm;
            have_raw |= section == Section::Raw;
            if (section == Section::Result) result_line = line_no;
            if (section == Section::Raw) raw_line = line_no;
            if (section == Section::Error) have_error = true;
            asm_text += '\n';
            continue;
        }
        asm_text += section == Section::Asm ? std::string(line) : std::string();
        asm_text += '\n';
        std::string_view body = asm_syntax::trim(line.substr(0, line.find('#')));
        if (body.empty()) continue;
        switch (section) {
        case Section::None:
        case Section::Ignored:
        case Section::Asm:
            break;
        case Section::Raw:
            for (auto w : words_of(body)) {
                auto v = word_value(w);
                if (!v) return fail(Error::at_line(line_no, fmt::format("bad instruction word '{}'", w)));
                raw.push_back(raw_from_word(*v));
            }
            break;
        case Section::Mem:
            for (auto w : words_of(body)) {
                auto b = hex_byte(w);
                if (!b) return fail(Error::at_line(line_no, fmt::format("bad memory byte '{}' (want two hex digits)", w)));
                out.memory.push_back(*b);
            }
            break;
        case Section::Result: {
            if (out.result) return fail(Error::at_line(line_no, "more than one result value"));
            auto n = asm_syntax::parse_number(body);
            // Hex only with 0x; a bare "ff" is not a decimal number and is rejected.
            auto v = n ? asm_syntax::imm64(*n) : std::nullopt;
            if (!v) return fail(Error::at_line(line_no, fmt::format("bad result value '{}'", body)));
            out.result = *v;
            break;
        }
        case Section::Error:
            if (!error_text.empty()) error_text += '\n';
            error_text += body;
            break;
        }
    }
    if (have_error) out.error = error_text;
    if (result_line && !out.result) return fail(Error::at_line(*result_line, "empty -- result section"));

    if (have_raw) {
        if (raw.empty()) return fail(Error::at_line(*raw_line, "-- raw section holds no instruction words"));
        auto program = decode(raw);
        if (!program) return fail(program.error());
        out.program = std::move(*program);
    } else if (have_asm) {
        auto program = assemble(asm_text);
        if (!program) return fail(program.error());
        out.program = std::move(*program);
    } else {
        return fail(Error::plain("no -- asm or -- raw section"));
    }
    return out;
}

} // namespace ebpfjit::isa
