#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "helper_test_support.hpp"
#include "helpers/trace_output.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// Captures the trace sink for one test.
struct Capture {
    std::vector<std::string> lines;
    Capture() {
        helpers::set_trace_sink([this](std::string_view m) { lines.emplace_back(m); });
    }
    ~Capture() { helpers::set_trace_sink({}); }
};

int64_t printk(const std::string& fmt, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0) {
    return as_long(call(BPF_FUNC_trace_printk, addr(fmt.c_str()), fmt.size() + 1, a, b, c));
}

} // namespace

TEST_CASE("trace_printk formats to the sink and returns the length", "[helpers][print]") {
    Capture cap;
    CHECK(printk("x=%d y=%u z=%x\n", uint64_t(-5), 7, 255) == 14);
    REQUIRE(cap.lines.size() == 1);
    CHECK(cap.lines[0] == "x=-5 y=7 z=ff\n");

    cap.lines.clear();
    CHECK(printk("%ld %lld %llu", uint64_t(-1), uint64_t(-2), uint64_t(-1)) > 0);
    CHECK(cap.lines.at(0) == "-1 -2 18446744073709551615");

    cap.lines.clear();
    printk("%d %x %lx", 0x1ffffffffull, uint64_t(-1), uint64_t(-1)); // int-sized truncate to 32 bits
    CHECK(cap.lines.at(0) == "-1 ffffffff ffffffffffffffff");

    cap.lines.clear();
    printk("[%5d|%-5d|%05u]", 42, 42, 42);
    CHECK(cap.lines.at(0) == "[   42|42   |00042]");

    cap.lines.clear();
    printk("%X|%+d|% d", 0xab, 3, 4);
    CHECK(cap.lines.at(0) == "AB|+3| 4");

    cap.lines.clear();
    const char name[] = "eth0";
    printk("%s: %c%c 100%%", addr(name), 'o', 'k');
    CHECK(cap.lines.at(0) == "eth0: ok 100%");

    cap.lines.clear();
    const uint8_t ip[4] = {10, 0, 1, 2};
    printk("%pI4 %pi4", addr(ip), addr(ip));
    CHECK(cap.lines.at(0) == "10.0.1.2 010.000.001.002");

    cap.lines.clear();
    printk("%p", 0x1234);
    CHECK(cap.lines.at(0) == "0000000000001234");
}

TEST_CASE("trace_printk with an unreadable %s prints it empty", "[helpers][print]") {
    Capture cap;
    CHECK(printk("<%s>", 8) == 2);
    CHECK(cap.lines.at(0) == "<>");
}

TEST_CASE("trace_printk rejects what the kernel rejects, printing nothing", "[helpers][print]") {
    Capture cap;
    CHECK(printk("%q") == -EINVAL);                 // unknown conversion
    CHECK(printk("%d %d %d %d") == -EINVAL);        // more than 3 arguments
    CHECK(printk("%.2d") == -EINVAL);               // precision
    CHECK(printk("%5.1s") == -EINVAL);
    CHECK(printk("bell\x07") == -EINVAL);           // not printable
    CHECK(printk("%sabc", addr("x")) == -EINVAL);   // %s must end the word
    CHECK(printk("%pZ") == -EINVAL);
    CHECK(printk("%hd") == -EINVAL);
    const char no_nul[4] = {'a', 'b', 'c', 'd'};
    CHECK(as_long(call(BPF_FUNC_trace_printk, addr(no_nul), 4, 0, 0, 0)) == -EINVAL);
    CHECK(cap.lines.empty());
}

TEST_CASE("trace_vprintk takes up to 12 arguments from an array", "[helpers][print]") {
    Capture cap;
    const std::string fmt = "%d %d %d %d %d";
    uint64_t args[5] = {1, 2, 3, 4, 5};
    CHECK(as_long(call(BPF_FUNC_trace_vprintk, addr(fmt.c_str()), fmt.size() + 1, addr(args),
                       sizeof args)) == 9);
    CHECK(cap.lines.at(0) == "1 2 3 4 5");
    CHECK(as_long(call(BPF_FUNC_trace_vprintk, addr(fmt.c_str()), fmt.size() + 1, addr(args), 12)) ==
          -EINVAL); // not a multiple of 8
    uint64_t many[13] = {};
    CHECK(as_long(call(BPF_FUNC_trace_vprintk, addr(fmt.c_str()), fmt.size() + 1, addr(many),
                       sizeof many)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_trace_vprintk, addr(fmt.c_str()), fmt.size() + 1, addr(args), 32)) ==
          -EINVAL); // 5 conversions, 4 arguments
    CHECK(as_long(call(BPF_FUNC_trace_vprintk, addr(fmt.c_str()), fmt.size() + 1, 0, 8)) == -EINVAL);
    CHECK(cap.lines.size() == 1);
}

TEST_CASE("snprintf writes a NUL-terminated, possibly truncated string", "[helpers][print]") {
    const char fmt[] = "port %u of %s";
    const char dev[] = "eth1";
    uint64_t args[2] = {80, addr(dev)};
    char out[32];
    CHECK(as_long(call(BPF_FUNC_snprintf, addr(out), sizeof out, addr(fmt), addr(args), 16)) == 16);
    CHECK(std::string(out) == "port 80 of eth1");

    char small[6];
    std::memset(small, 'x', sizeof small);
    CHECK(as_long(call(BPF_FUNC_snprintf, addr(small), sizeof small, addr(fmt), addr(args), 16)) == 16);
    CHECK(std::string(small) == "port ");

    CHECK(as_long(call(BPF_FUNC_snprintf, 0, 0, addr(fmt), addr(args), 16)) == 16);
    CHECK(as_long(call(BPF_FUNC_snprintf, addr(out), sizeof out, addr(fmt), addr(args), 12)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_snprintf, addr(out), sizeof out, addr(fmt), addr(args), 8)) == -EINVAL);
    const char bad[] = "%y";
    CHECK(as_long(call(BPF_FUNC_snprintf, addr(out), sizeof out, addr(bad), addr(args), 8)) == -EINVAL);
}
