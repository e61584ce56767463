#include <linux/bpf.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "helper_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

struct Parse {
    int64_t ret;
    int64_t value;
};

Parse strtol_of(const std::string& s, uint64_t flags, int id = BPF_FUNC_strtol) {
    int64_t v = 0x5a5a;
    int64_t r = as_long(call(id, addr(s.data()), s.size(), flags, addr(&v)));
    return {r, v};
}

} // namespace

TEST_CASE("strtol parses like the kernel", "[helpers][strings]") {
    CHECK(strtol_of("123", 10).ret == 3);
    CHECK(strtol_of("123", 10).value == 123);
    CHECK(strtol_of("  -42xyz", 10).ret == 5);
    CHECK(strtol_of("  -42xyz", 10).value == -42);
    CHECK(strtol_of("0x1F", 0).value == 31);
    CHECK(strtol_of("0x1F", 0).ret == 4);
    CHECK(strtol_of("0x1F", 16).value == 31);
    CHECK(strtol_of("017", 0).value == 15);
    CHECK(strtol_of("019", 8).ret == 2); // stops at the first non-octal digit
    CHECK(strtol_of("9223372036854775807", 10).value == LLONG_MAX);
    CHECK(strtol_of("-9223372036854775808", 10).value == LLONG_MIN);
    // buf_len bounds the parse.
    std::string s = "12345";
    int64_t v = 0;
    CHECK(as_long(call(BPF_FUNC_strtol, addr(s.data()), 2, 10, addr(&v))) == 2);
    CHECK(v == 12);
}

TEST_CASE("strtol errors", "[helpers][strings]") {
    CHECK(strtol_of("abc", 10).ret == -EINVAL);          // no digits
    CHECK(strtol_of("   ", 10).ret == -EINVAL);          // only space
    CHECK(strtol_of("-", 10).ret == -EINVAL);
    CHECK(strtol_of("12", 2).ret == -EINVAL);            // unsupported base
    CHECK(strtol_of("12", 10 | 0x20).ret == -EINVAL);    // bits above the base
    CHECK(strtol_of("9223372036854775808", 10).ret == -ERANGE);
    CHECK(strtol_of("-9223372036854775809", 10).ret == -ERANGE);
    CHECK(strtol_of("99999999999999999999", 10).ret == -ERANGE);
    // The result is zeroed on every error, as the kernel does since 6.12 (it counts as
    // written: earlier bytes must not stay there).
    CHECK(strtol_of("abc", 10).value == 0);
    CHECK(strtol_of("9223372036854775808", 10).value == 0);
    CHECK(strtol_of("-1", 10, BPF_FUNC_strtoul).value == 0);
    CHECK(strtol_of("zz", 16, BPF_FUNC_strtoul).value == 0);
    std::string s = "1";
    int64_t v = 0;
    CHECK(as_long(call(BPF_FUNC_strtol, addr(s.data()), 0, 10, addr(&v))) == -EINVAL); // buf_len 0
}

TEST_CASE("strtoul parses unsigned values and rejects a sign", "[helpers][strings]") {
    auto r = strtol_of("18446744073709551615", 10, BPF_FUNC_strtoul);
    CHECK(r.ret == 20);
    CHECK(uint64_t(r.value) == ULLONG_MAX);
    CHECK(strtol_of("18446744073709551616", 10, BPF_FUNC_strtoul).ret == -ERANGE);
    CHECK(strtol_of("-1", 10, BPF_FUNC_strtoul).ret == -EINVAL);
    CHECK(strtol_of("ff", 16, BPF_FUNC_strtoul).value == 255);
    CHECK(strtol_of("zz", 16, BPF_FUNC_strtoul).ret == -EINVAL);
}

TEST_CASE("strncmp compares at most s1_sz bytes and returns -1/0/1", "[helpers][strings]") {
    const char a[] = "hello";
    const char b[] = "help";
    CHECK(as_long(call(BPF_FUNC_strncmp, addr(a), 3, addr(b))) == 0);
    CHECK(as_long(call(BPF_FUNC_strncmp, addr(a), 4, addr(b))) == -1);
    CHECK(as_long(call(BPF_FUNC_strncmp, addr(b), 4, addr(a))) == 1);
    CHECK(as_long(call(BPF_FUNC_strncmp, addr(a), 6, addr(a))) == 0);
    const char hi[] = "\xff";
    CHECK(as_long(call(BPF_FUNC_strncmp, addr(hi), 1, addr(a))) == 1); // unsigned bytes
    const char ab[] = "ab";
    CHECK(as_long(call(BPF_FUNC_strncmp, addr(ab), 3, addr(a))) == -1); // 'a' < 'h'
}
