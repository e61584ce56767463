#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "helper_test_support.hpp"
#include "runtime/context/verdict.hpp"
#include "runtime/maps/map.hpp"

#include <cerrno>
#include <cstring>

using namespace ebpfjit;
using namespace ebpfjit::test;

TEST_CASE("redirect from XDP records the port and returns XDP_REDIRECT", "[helpers][redirect]") {
    RunScope run(ProgramType::Xdp);
    uint64_t r0 = call(BPF_FUNC_redirect, 7, 0);
    CHECK(r0 == XDP_REDIRECT);
    CHECK(run.state().redirect.set);
    CHECK(run.state().redirect.ifindex == 7);
    auto v = runtime::xdp_verdict(r0, run.state().redirect);
    CHECK(v.action == runtime::XdpAction::Redirect);
    CHECK(v.redirect.ifindex == 7);
}

TEST_CASE("redirect from XDP accepts no flags", "[helpers][redirect]") {
    RunScope run(ProgramType::Xdp);
    CHECK(call(BPF_FUNC_redirect, 7, BPF_F_INGRESS) == XDP_ABORTED);
    CHECK_FALSE(run.state().redirect.set);
}

TEST_CASE("redirect from tc returns TC_ACT_REDIRECT, with BPF_F_INGRESS kept", "[helpers][redirect]") {
    RunScope run(ProgramType::SchedCls);
    uint64_t r0 = call(BPF_FUNC_redirect, 3, BPF_F_INGRESS);
    CHECK(r0 == TC_ACT_REDIRECT);
    CHECK(run.state().redirect.flags == BPF_F_INGRESS);
    auto v = runtime::tc_verdict(r0, run.state().redirect);
    CHECK(v.outcome == runtime::TcOutcome::Redirect);
    CHECK(v.redirect.ifindex == 3);
    CHECK(call(BPF_FUNC_redirect, 3, 2) == TC_ACT_SHOT);
}

TEST_CASE("redirect is for XDP and tc", "[helpers][redirect]") {
    CHECK(helper(BPF_FUNC_redirect).allowed ==
          (mask_of(ProgramType::Xdp) | mask_of(ProgramType::SchedCls)));
}

namespace {

// A DEVMAP as the Map interface presents it: lookup gives the slot's bpf_devmap_val (u32
// port first) or nullptr for an empty slot. The real one lives in runtime/maps (DevMap).
class FakeDevMap final : public maps::Map {
public:
    explicit FakeDevMap(uint32_t type = BPF_MAP_TYPE_DEVMAP)
        : Map(maps::MapDefinition{type, 4, 4, 4, 0, "ports", nullptr}) {}
    uint32_t ports[4] = {0, 11, 0, 13}; // 0 = empty slot
    void* lookup(const void* key) override {
        uint32_t k;
        std::memcpy(&k, key, 4);
        return k < 4 && ports[k] ? &ports[k] : nullptr;
    }
    int update(const void*, const void*, uint64_t) override { return -EINVAL; }
    int remove(const void*) override { return -EINVAL; }
    int get_next_key(const void*, void*) override { return -ENOENT; }
};

} // namespace

TEST_CASE("redirect_map to a DEVMAP slot records its port", "[helpers][redirect]") {
    FakeDevMap devmap;
    RunScope run(ProgramType::Xdp);
    uint64_t r0 = call(BPF_FUNC_redirect_map, addr(&devmap), 3, 0);
    CHECK(r0 == XDP_REDIRECT);
    CHECK(run.state().redirect.ifindex == 13);
    CHECK(run.state().redirect.key == 3);
    CHECK(run.state().redirect.map == &devmap);
    auto v = runtime::xdp_verdict(r0, run.state().redirect);
    CHECK(v.action == runtime::XdpAction::Redirect);
    CHECK(v.redirect.ifindex == 13);
}

TEST_CASE("redirect_map to an empty slot returns the fallback action in flags", "[helpers][redirect]") {
    FakeDevMap devmap;
    RunScope run(ProgramType::Xdp);
    CHECK(call(BPF_FUNC_redirect_map, addr(&devmap), 0, XDP_PASS) == XDP_PASS);
    CHECK(call(BPF_FUNC_redirect_map, addr(&devmap), 2, XDP_DROP) == XDP_DROP);
    CHECK(call(BPF_FUNC_redirect_map, addr(&devmap), 9, 0) == XDP_ABORTED);
    CHECK_FALSE(run.state().redirect.set);
    CHECK(call(BPF_FUNC_redirect_map, addr(&devmap), 1, 1ull << 5) == XDP_ABORTED); // unknown flag
    CHECK_FALSE(run.state().redirect.set);
    FakeDevMap not_devmap(BPF_MAP_TYPE_ARRAY);
    CHECK(call(BPF_FUNC_redirect_map, addr(&not_devmap), 1, 0) == XDP_ABORTED);
}

TEST_CASE("redirect_map with BPF_F_BROADCAST redirects even from an empty slot", "[helpers][redirect]") {
    FakeDevMap devmap;
    RunScope run(ProgramType::Xdp);
    CHECK(call(BPF_FUNC_redirect_map, addr(&devmap), 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS) ==
          XDP_REDIRECT);
    CHECK(run.state().redirect.flags == (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS));
    CHECK(run.state().redirect.map == &devmap);
    CHECK(helper(BPF_FUNC_redirect_map).allowed == mask_of(ProgramType::Xdp));
}
