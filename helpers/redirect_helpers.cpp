// bpf_redirect: records the target port in the run's ExecutionState (the kernel's per-CPU
// bpf_redirect_info) and returns the verdict the program should pass on. One helper id,
// two kernel implementations: bpf_xdp_redirect for XDP, bpf_redirect for tc.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "runtime/execution_state.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t redirect(uint64_t ifindex, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    auto* st = runtime::ExecutionState::current();
    if (st && st->type == ProgramType::Xdp) {
        if (flags != 0) return XDP_ABORTED; // XDP redirects to egress only, and takes no flag
        st->redirect = {true, uint32_t(ifindex), 0, nullptr};
        return XDP_REDIRECT;
    }
    if (!st || (flags & ~uint64_t(BPF_F_INGRESS))) return TC_ACT_SHOT;
    st->redirect = {true, uint32_t(ifindex), flags, nullptr};
    return TC_ACT_REDIRECT;
}

} // namespace

void register_redirect_helpers(HelperTable& t) {
    t.add({BPF_FUNC_redirect, "redirect",
           Prototype{RetType::Integer, {ArgType::Anything, ArgType::Anything}},
           mask_of(ProgramType::Xdp) | mask_of(ProgramType::SchedCls), redirect});
}

} // namespace ebpfjit::helpers
