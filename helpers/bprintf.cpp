#include "helpers/bprintf.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "helpers/safe_memory.hpp"

namespace ebpfjit::helpers {
namespace {

bool is_ascii_print_or_space(char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x80 && (std::isprint(u) || std::isspace(u));
}

// After %s / %pks the kernel requires the end, white space or punctuation.
bool ends_string_spec(char c) {
    auto u = static_cast<unsigned char>(c);
    return c == '\0' || std::isspace(u) || std::ispunct(u);
}

// printf of one value with the flags and width the program wrote (already validated).
template <class T>
std::string c_format(const std::string& flags_width, const char* conv, T value) {
    std::string spec = "%" + flags_width + conv;
    char buf[128];
    int n = std::snprintf(buf, sizeof buf, spec.c_str(), value);
    if (n < 0) return {};
    if (size_t(n) < sizeof buf) return std::string(buf, size_t(n));
    std::string big(size_t(n) + 1, '\0');
    std::snprintf(big.data(), big.size(), spec.c_str(), value);
    big.resize(size_t(n));
    return big;
}

std::string format_ip(char kind, char version, uint64_t ptr) {
    uint8_t b[16] = {};
    const size_t len = version == '4' ? 4 : 16;
    if (!safe_read(b, ptr, len)) std::memset(b, 0, sizeof b);
    if (version == '4')
        return kind == 'I' ? fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
                           : fmt::format("{:03}.{:03}.{:03}.{:03}", b[0], b[1], b[2], b[3]);
    std::string out;
    for (size_t i = 0; i < 16; i += 2) {
        if (kind == 'I' && i) out += ':';
        out += fmt::format("{:02x}{:02x}", b[i], b[i + 1]);
    }
    return out;
}

} // namespace

std::expected<std::string, int> bpf_format(const char* fmt, uint32_t fmt_size,
                                           std::span<const uint64_t> args) {
    const void* nul = std::memchr(fmt, 0, fmt_size);
    if (!nul) return std::unexpected(-EINVAL);
    const size_t n = size_t(static_cast<const char*>(nul) - fmt);

    std::string out;
    size_t spec = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!is_ascii_print_or_space(fmt[i])) return std::unexpected(-EINVAL);
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        if (fmt[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        if (spec >= args.size()) return std::unexpected(-EINVAL);
        const uint64_t arg = args[spec++];
        ++i;
        // Optional "[0 +-][width]".
        const size_t fw_start = i;
        while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') ++i;
        if (fmt[i] >= '1' && fmt[i] <= '9')
            while (fmt[i] >= '0' && fmt[i] <= '9') ++i;
        const std::string fw(fmt + fw_start, fmt + i);

        if (fmt[i] == 'p') {
            const char next = fmt[i + 1];
            if ((next == 'k' || next == 'u') && fmt[i + 2] == 's') {
                i += 2;
                if (!ends_string_spec(fmt[i + 1])) return std::unexpected(-EINVAL);
                char str[kMaxBprintfOutput];
                if (safe_read_str(str, arg, sizeof str) < 0) str[0] = '\0';
                out += c_format(fw, "s", static_cast<const char*>(str));
                continue;
            }
            if (next == '\0' || std::isspace(static_cast<unsigned char>(next)) ||
                std::ispunct(static_cast<unsigned char>(next)) || next == 'K' || next == 'x' ||
                next == 's' || next == 'S') {
                if (next == 'K' || next == 'x' || next == 's' || next == 'S') ++i;
                out += c_format(fw.empty() ? std::string("016") : fw, "llx",
                                static_cast<unsigned long long>(arg));
                continue;
            }
            if ((next != 'i' && next != 'I') || (fmt[i + 2] != '4' && fmt[i + 2] != '6'))
                return std::unexpected(-EINVAL);
            out += format_ip(next, fmt[i + 2], arg);
            i += 2;
            continue;
        }
        if (fmt[i] == 's') {
            if (!ends_string_spec(fmt[i + 1])) return std::unexpected(-EINVAL);
            char str[kMaxBprintfOutput];
            if (safe_read_str(str, arg, sizeof str) < 0) str[0] = '\0';
            out += c_format(fw, "s", static_cast<const char*>(str));
            continue;
        }
        if (fmt[i] == 'c') {
            out += c_format(fw, "c", int(static_cast<unsigned char>(arg)));
            continue;
        }
        bool wide = false;
        if (fmt[i] == 'l') wide = true, ++i;
        if (fmt[i] == 'l') ++i;
        const char conv = fmt[i];
        if (conv != 'd' && conv != 'i' && conv != 'u' && conv != 'x' && conv != 'X')
            return std::unexpected(-EINVAL);
        const char ll_conv[4] = {'l', 'l', conv, '\0'};
        if (conv == 'd' || conv == 'i')
            out += c_format(fw, ll_conv, wide ? static_cast<long long>(arg)
                                              : static_cast<long long>(static_cast<int32_t>(arg)));
        else
            out += c_format(fw, ll_conv, wide ? static_cast<unsigned long long>(arg)
                                              : static_cast<unsigned long long>(static_cast<uint32_t>(arg)));
    }
    return out;
}

} // namespace ebpfjit::helpers
