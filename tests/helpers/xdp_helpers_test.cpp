#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "helper_test_support.hpp"
#include "ebpfjit/xdp_frame.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using runtime::XdpFrame;

namespace {

std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i);
    return v;
}

} // namespace

TEST_CASE("xdp_adjust_head grows and shrinks the front through the table", "[helpers][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(64)));
    const uint64_t ctx = f.ctx_address();
    CHECK(call(BPF_FUNC_xdp_adjust_head, ctx, uint64_t(-20)) == 0);
    CHECK(f.length() == 84);
    CHECK(call(BPF_FUNC_xdp_adjust_head, ctx, 20) == 0);
    CHECK(f.length() == 64);
    CHECK(f.packet()[0] == 0);
    CHECK(as_long(call(BPF_FUNC_xdp_adjust_head, ctx, 51)) == -EINVAL); // < ETH_HLEN left
    CHECK(as_long(call(BPF_FUNC_xdp_adjust_head, ctx, uint64_t(-1000))) == -EINVAL);
}

TEST_CASE("xdp_adjust_meta and xdp_adjust_tail through the table", "[helpers][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(64)));
    const uint64_t ctx = f.ctx_address();
    CHECK(call(BPF_FUNC_xdp_adjust_meta, ctx, uint64_t(-8)) == 0);
    CHECK(f.metadata().size() == 8);
    CHECK(as_long(call(BPF_FUNC_xdp_adjust_meta, ctx, uint64_t(-2))) == -EACCES);
    CHECK(as_long(call(BPF_FUNC_xdp_adjust_meta, ctx, 9)) == -EINVAL);
    CHECK(call(BPF_FUNC_xdp_adjust_tail, ctx, uint64_t(-10)) == 0);
    CHECK(call(BPF_FUNC_xdp_get_buff_len, ctx) == 54);
    CHECK(as_long(call(BPF_FUNC_xdp_adjust_tail, ctx, 100000)) == -EINVAL);
}

TEST_CASE("xdp_load_bytes and xdp_store_bytes", "[helpers][xdp]") {
    XdpFrame f;
    REQUIRE(f.load(bytes(64)));
    const uint64_t ctx = f.ctx_address();
    uint8_t buf[4] = {};
    CHECK(call(BPF_FUNC_xdp_load_bytes, ctx, 60, addr(buf), 4) == 0);
    CHECK(buf[0] == 60);
    CHECK(buf[3] == 63);
    CHECK(as_long(call(BPF_FUNC_xdp_load_bytes, ctx, 61, addr(buf), 4)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_xdp_load_bytes, ctx, 0x10000, addr(buf), 4)) == -EFAULT);
    // A failed load zeroes the buffer (the verifier counts it as written either way).
    std::vector<uint8_t> big(0x10000, 0xaa);
    CHECK(as_long(call(BPF_FUNC_xdp_load_bytes, ctx, 0, addr(big.data()), 0x10000)) == -EFAULT);
    CHECK(std::count(big.begin(), big.end(), 0) == 0x10000);
    std::memset(buf, 0xaa, sizeof buf);
    CHECK(as_long(call(BPF_FUNC_xdp_load_bytes, ctx, 61, addr(buf), 4)) == -EINVAL);
    for (uint8_t b : buf) CHECK(b == 0);

    const uint8_t val[4] = {0xde, 0xad, 0xbe, 0xef};
    CHECK(call(BPF_FUNC_xdp_store_bytes, ctx, 10, addr(val), 4) == 0);
    CHECK(std::memcmp(f.packet().data() + 10, val, 4) == 0);
    CHECK(as_long(call(BPF_FUNC_xdp_store_bytes, ctx, 62, addr(val), 4)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_xdp_store_bytes, ctx, 0x10000, addr(val), 4)) == -EFAULT);
    CHECK(f.packet()[62] == 62); // untouched by the failed store
}

TEST_CASE("xdp helpers are for XDP programs only", "[helpers][xdp]") {
    for (int id : {BPF_FUNC_xdp_adjust_head, BPF_FUNC_xdp_adjust_meta, BPF_FUNC_xdp_adjust_tail,
                   BPF_FUNC_xdp_get_buff_len, BPF_FUNC_xdp_load_bytes, BPF_FUNC_xdp_store_bytes})
        CHECK(helper(id).allowed == mask_of(ProgramType::Xdp));
}

TEST_CASE("during a run, xdp helpers accept only the run's own XDP ctx", "[helpers][xdp]") {
    XdpFrame f, other;
    REQUIRE(f.load(bytes(64)));
    REQUIRE(other.load(bytes(64)));
    uint8_t buf[4];
    {
        RunScope run(ProgramType::Xdp, f.ctx());
        CHECK(call(BPF_FUNC_xdp_adjust_head, f.ctx_address(), 2) == 0);
        CHECK(as_long(call(BPF_FUNC_xdp_adjust_head, other.ctx_address(), 2)) == -EINVAL);
        CHECK(as_long(call(BPF_FUNC_xdp_adjust_meta, 12345, uint64_t(-4))) == -EINVAL);
        CHECK(as_long(call(BPF_FUNC_xdp_load_bytes, addr(buf), 0, addr(buf), 4)) == -EINVAL);
        CHECK(call(BPF_FUNC_xdp_get_buff_len, other.ctx_address()) == 0);
    }
    {
        RunScope run(ProgramType::SchedCls, f.ctx()); // right pointer, wrong program type
        CHECK(as_long(call(BPF_FUNC_xdp_adjust_tail, f.ctx_address(), uint64_t(-4))) == -EINVAL);
    }
    CHECK(other.length() == 64);
    CHECK(f.length() == 62);
}
