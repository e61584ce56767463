#include "isa/asm_lexer.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace ebpfjit::isa::asm_syntax {

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::optional<Number> parse_number(std::string_view text) {
    Number n;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        n.negative = text.front() == '-';
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n.magnitude, base);
    if (end != text.data() + text.size()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) n.overflow = true;
    else if (ec != std::errc{}) return std::nullopt;
    return n;
}

std::optional<int64_t> number_in_range(Number n, int64_t lo, int64_t hi) {
    constexpr uint64_t kMinMagnitude = uint64_t(1) << 63; // |INT64_MIN|
    if (n.overflow) return std::nullopt;
    int64_t v;
    if (n.negative) {
        if (n.magnitude > kMinMagnitude) return std::nullopt;
        v = n.magnitude == kMinMagnitude ? std::numeric_limits<int64_t>::min()
                                         : -static_cast<int64_t>(n.magnitude);
    } else {
        if (n.magnitude > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
        v = static_cast<int64_t>(n.magnitude);
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

std::optional<int32_t> imm32(Number n) {
    auto v = number_in_range(n, std::numeric_limits<int32_t>::min(),
                             std::numeric_limits<uint32_t>::max());
    if (!v) return std::nullopt;
    return static_cast<int32_t>(static_cast<uint32_t>(*v));
}

std::optional<uint64_t> imm64(Number n) {
    if (n.overflow) return std::nullopt;
    if (!n.negative) return n.magnitude;
    if (n.magnitude > (uint64_t(1) << 63)) return std::nullopt;
    return uint64_t(0) - n.magnitude; // two's complement of the magnitude
}

std::optional<uint8_t> parse_register(std::string_view text) {
    if (text.size() < 3 || text[0] != '%' || text[1] != 'r') return std::nullopt;
    text.remove_prefix(2);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n, 10);
    if (ec != std::errc{} || end != text.data() + text.size() || n > 10) return std::nullopt;
    if (text.size() > 1 && text[0] == '0') return std::nullopt; // no "%r01"
    return static_cast<uint8_t>(n);
}

MemParse parse_mem(std::string_view text) {
    MemParse out;
    text = trim(text);
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') return out;
    std::string compact; // drop inner spaces: "[%r10 - 8]" == "[%r10-8]"
    for (char c : text.substr(1, text.size() - 2))
        if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
    std::string_view inner = compact;
    size_t sign = inner.find_first_of("+-");
    auto base = parse_register(inner.substr(0, sign));
    if (!base) {
        out.error = MemError::BadRegister;
        return out;
    }
    MemOperand mem{*base, 0};
    if (sign != std::string_view::npos) {
        auto n = parse_number(inner.substr(sign));
        if (!n || inner.size() == sign + 1 || inner[sign + 1] == '+' || inner[sign + 1] == '-')
            return out;
        auto off = number_in_range(*n, std::numeric_limits<int16_t>::min(),
                                   std::numeric_limits<int16_t>::max());
        if (!off) {
            out.error = MemError::OffsetRange;
            return out;
        }
        mem.off = static_cast<int16_t>(*off);
    }
    out.mem = mem;
    return out;
}

bool is_label_name(std::string_view text) {
    if (text.empty()) return false;
    auto head = static_cast<unsigned char>(text.front());
    if (!std::isalpha(head) && head != '_' && head != '.') return false;
    for (char c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
    return true;
}

std::vector<std::string_view> split_operands(std::string_view text) {
    std::vector<std::string_view> out;
    text = trim(text);
    if (text.empty()) return out;
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        out.push_back(trim(text.substr(start, comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

} // namespace ebpfjit::isa::asm_syntax
