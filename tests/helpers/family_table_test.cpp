// Checks over every helper the families register: kernel names, functions present,
// prototypes consistent with the kernel's rules for sizes.
#include <linux/bpf.h>

#include <set>

#include "helper_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using helpers::ArgType;

TEST_CASE("every family helper carries its kernel name and a function", "[helpers][table]") {
    const auto& all = family_table().all();
    // 10 identity, 5 memory, 3 string, 3 print, 1 perf, 7 skb, 6 xdp, 5 redirect, 13 skb meta
    // (with 33 skb_under_cgroup), 6 skb resize, 4 tunnel, 2 route
    CHECK(all.size() == 65);
    for (const auto& [id, h] : all) {
        INFO("helper " << id);
        CHECK(h.id == id);
        CHECK(h.name == helpers::helper_name(id));
        CHECK(h.fn != nullptr);
        CHECK(h.allowed != 0);
        CHECK((h.allowed & ~kAllProgramTypes) == 0);
    }
}

TEST_CASE("a size argument always follows a memory argument", "[helpers][table]") {
    for (const auto& [id, h] : family_table().all()) {
        INFO("helper " << h.name);
        for (size_t i = 0; i < h.proto.args.size(); ++i) {
            ArgType a = h.proto.args[i];
            if (a == ArgType::ConstSize || a == ArgType::ConstSizeOrZero) {
                REQUIRE(i > 0);
                ArgType mem = h.proto.args[i - 1];
                CHECK((mem == ArgType::PtrToMem || mem == ArgType::PtrToMemOrNull ||
                       mem == ArgType::PtrToUninitMem));
            }
        }
    }
}

TEST_CASE("packet helpers take the ctx first", "[helpers][table]") {
    for (int id : {BPF_FUNC_skb_load_bytes, BPF_FUNC_skb_store_bytes, BPF_FUNC_l3_csum_replace,
                   BPF_FUNC_l4_csum_replace, BPF_FUNC_csum_update, BPF_FUNC_skb_pull_data,
                   BPF_FUNC_xdp_adjust_head, BPF_FUNC_xdp_adjust_meta, BPF_FUNC_xdp_adjust_tail,
                   BPF_FUNC_xdp_get_buff_len, BPF_FUNC_xdp_load_bytes, BPF_FUNC_xdp_store_bytes,
                   BPF_FUNC_perf_event_output})
        CHECK(helper(id).proto.args[0] == ArgType::PtrToCtx);
}

TEST_CASE("exactly the kernel's packet-changing helpers say so", "[helpers][table]") {
    const std::set<int> changing = {BPF_FUNC_skb_store_bytes, BPF_FUNC_l3_csum_replace,
                                    BPF_FUNC_l4_csum_replace, BPF_FUNC_skb_pull_data,
                                    BPF_FUNC_xdp_adjust_head, BPF_FUNC_xdp_adjust_meta,
                                    BPF_FUNC_xdp_adjust_tail, BPF_FUNC_skb_change_head,
                                    BPF_FUNC_skb_change_tail, BPF_FUNC_skb_change_proto,
                                    BPF_FUNC_skb_adjust_room, BPF_FUNC_skb_vlan_push,
                                    BPF_FUNC_skb_vlan_pop, BPF_FUNC_clone_redirect};
    for (const auto& [id, h] : family_table().all()) {
        INFO("helper " << h.name);
        CHECK(h.changes_packet_data == (changing.count(id) == 1));
    }
}

TEST_CASE("the builtin table holds every family helper, under kernel names", "[helpers][table]") {
    const auto& builtin = helpers::HelperTable::builtin();
    for (const auto& [id, h] : family_table().all()) {
        const helpers::Helper* b = builtin.find(id);
        REQUIRE(b != nullptr);
        CHECK(b->fn == h.fn);
    }
    for (const auto& [id, h] : builtin.all()) {
        INFO("helper " << id);
        CHECK(h.name == helpers::helper_name(id));
    }
}
