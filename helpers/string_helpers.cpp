// bpf_strtol, bpf_strtoul and bpf_strncmp with the kernel's parsing rules
// (kernel/bpf/helpers.c __bpf_strtoull, lib/kstrtox.c _parse_integer).
#include <linux/bpf.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {
namespace {

constexpr uint64_t kBaseMask = 0x1f; // BPF_STRTOX_BASE_MASK (kernel-internal)

// _parse_integer_fixup_radix: base 0 detects 0x / 0 prefixes; base 16 skips "0x".
const char* fixup_radix(const char* s, unsigned* base) {
    if (*base == 0) {
        if (s[0] == '0')
            *base = (std::tolower(static_cast<unsigned char>(s[1])) == 'x' &&
                     std::isxdigit(static_cast<unsigned char>(s[2])))
                        ? 16
                        : 8;
        else
            *base = 10;
    }
    if (*base == 16 && s[0] == '0' && std::tolower(static_cast<unsigned char>(s[1])) == 'x') s += 2;
    return s;
}

struct Parsed {
    long consumed; // > 0, or -errno
    uint64_t value;
    bool negative;
};

Parsed parse(const char* buf, uint64_t buf_len, uint64_t flags) {
    unsigned base = unsigned(flags & kBaseMask);
    if (!buf || buf_len == 0) return {-EINVAL, 0, false};
    if (base != 0 && base != 8 && base != 10 && base != 16) return {-EINVAL, 0, false};
    if (flags & ~kBaseMask) return {-EINVAL, 0, false};

    const char* cur = buf;
    const char* end = buf + buf_len;
    while (cur < end && std::isspace(static_cast<unsigned char>(*cur))) ++cur;
    const bool negative = cur < end && *cur == '-';
    if (negative) ++cur;
    long consumed = long(cur - buf);
    size_t left = size_t(end - cur);
    if (left == 0) return {-EINVAL, 0, negative};

    char str[64];
    left = std::min(left, sizeof str - 1);
    std::memcpy(str, cur, left);
    str[left] = '\0';
    const char* s = fixup_radix(str, &base);

    uint64_t value = 0;
    bool overflow = false;
    const char* p = s;
    for (;; ++p) {
        const unsigned char c = static_cast<unsigned char>(*p);
        unsigned digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (std::tolower(c) >= 'a' && std::tolower(c) <= 'f') digit = unsigned(std::tolower(c) - 'a' + 10);
        else break;
        if (digit >= base) break;
        if (value > (UINT64_MAX - digit) / base) overflow = true;
        value = value * base + digit;
    }
    if (overflow) return {-ERANGE, 0, negative};
    if (p == s) return {-EINVAL, 0, negative};
    consumed += long(p - str);
    return {consumed, value, negative};
}

// The result is zeroed before parsing, as the kernel does since 6.12 ("Zero former
// ARG_PTR_TO_{LONG,INT} args in case of error"): the verifier counts it as written on every
// path, so an error must not leave earlier stack bytes there for the program to read.
uint64_t strtol(uint64_t buf, uint64_t buf_len, uint64_t flags, uint64_t res, uint64_t) {
    std::memset(reinterpret_cast<void*>(res), 0, sizeof(int64_t));
    Parsed p = parse(reinterpret_cast<const char*>(buf), buf_len, flags);
    if (p.consumed < 0) return uint64_t(p.consumed);
    int64_t v;
    if (p.negative) {
        if (int64_t(-p.value) > 0) return uint64_t(-ERANGE);
        v = int64_t(-p.value);
    } else {
        if (int64_t(p.value) < 0) return uint64_t(-ERANGE);
        v = int64_t(p.value);
    }
    std::memcpy(reinterpret_cast<void*>(res), &v, sizeof v);
    return uint64_t(p.consumed);
}

uint64_t strtoul(uint64_t buf, uint64_t buf_len, uint64_t flags, uint64_t res, uint64_t) {
    std::memset(reinterpret_cast<void*>(res), 0, sizeof(uint64_t));
    Parsed p = parse(reinterpret_cast<const char*>(buf), buf_len, flags);
    if (p.consumed < 0) return uint64_t(p.consumed);
    if (p.negative) return uint64_t(-EINVAL);
    std::memcpy(reinterpret_cast<void*>(res), &p.value, sizeof p.value);
    return uint64_t(p.consumed);
}

// The kernel's strncmp: unsigned bytes, result -1, 0 or 1.
uint64_t strncmp(uint64_t s1, uint64_t s1_sz, uint64_t s2, uint64_t, uint64_t) {
    const auto* a = reinterpret_cast<const unsigned char*>(s1);
    const auto* b = reinterpret_cast<const unsigned char*>(s2);
    for (uint32_t i = 0; i < uint32_t(s1_sz); ++i) {
        if (a[i] != b[i]) return uint64_t(a[i] < b[i] ? -1 : 1);
        if (a[i] == 0) break;
    }
    return 0;
}

constexpr Prototype kStrtoProto{RetType::Integer,
                                {ArgType::PtrToMem, ArgType::ConstSize, ArgType::Anything,
                                 ArgType::PtrToLong}};

} // namespace

void register_string_helpers(HelperTable& t) {
    t.add({BPF_FUNC_strtol, "strtol", kStrtoProto, kAllProgramTypes, strtol});
    t.add({BPF_FUNC_strtoul, "strtoul", kStrtoProto, kAllProgramTypes, strtoul});
    t.add({BPF_FUNC_strncmp, "strncmp",
           Prototype{RetType::Integer, {ArgType::PtrToMem, ArgType::ConstSize, ArgType::PtrToConstStr}},
           kAllProgramTypes, strncmp});
}

} // namespace ebpfjit::helpers
