#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "helper_test_support.hpp"
#include "runtime/context/verdict.hpp"

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
