// extern "C" face of SkbMetadata and the SkbPacket setters the C API lacked (tstamp, the
// socket's cgroup ancestors, every __sk_buff field a load fills and a run may change).
// Like c_api.cpp, no exception reaches a C caller.
#include <cerrno>
#include <exception>
#include <span>
#include <string>

#include "ebpfjit/ebpfjit.h"
#include "runtime/c_api_handles.hpp"

using ebpfjit::c_api::guarded;
using ebpfjit::c_api::set_error;

extern "C" {

void ebpfjit_skb_meta_init(ebpfjit_skb_meta* meta) {
    if (!meta) return;
    *meta = ebpfjit_skb_meta{};
    meta->hash_valid = -1;
    meta->mac_header_length = 14;
}

int ebpfjit_skb_load_meta(ebpfjit_skb* skb, const void* frame, size_t len, const ebpfjit_skb_meta* meta, char* err,
                          size_t err_size) {
    return guarded(-1, err, err_size, [&]() -> int {
        if (!skb || !meta || (!frame && len != 0)) return set_error(err, err_size, "invalid argument"), -1;
        ebpfjit::SkbMetadata m;
        m.ifindex = meta->ifindex;
        m.ingress_ifindex = meta->ingress_ifindex ? meta->ingress_ifindex : meta->ifindex;
        m.pkt_type = meta->pkt_type;
        m.mark = meta->mark;
        m.priority = meta->priority;
        m.queue_mapping = meta->queue_mapping;
        m.hash = meta->hash;
        if (meta->hash_valid >= 0) m.hash_valid = meta->hash_valid != 0;
        m.tc_index = meta->tc_index;
        m.napi_id = meta->napi_id;
        m.tstamp = meta->tstamp;
        m.vlan_present = meta->vlan_present != 0;
        m.vlan_tci = meta->vlan_tci;
        m.vlan_proto = meta->vlan_proto;
        m.protocol = meta->protocol;
        m.linear_length = meta->linear_length;
        m.route_realm = meta->route_realm;
        m.mac_header_length = meta->mac_header_length;
        auto loaded = skb->skb.load(std::span(static_cast<const uint8_t*>(frame), len), m);
        if (!loaded) return set_error(err, err_size, loaded.error().to_string()), -1;
        return 0;
    });
}

void ebpfjit_skb_get_meta(ebpfjit_skb* skb, ebpfjit_skb_meta* meta) {
    if (!skb || !meta) return;
    const __sk_buff& u = skb->skb.ctx()->uapi;
    *meta = ebpfjit_skb_meta{};
    meta->ifindex = u.ifindex;
    meta->ingress_ifindex = u.ingress_ifindex;
    meta->pkt_type = u.pkt_type;
    meta->mark = u.mark;
    meta->priority = u.priority;
    meta->queue_mapping = u.queue_mapping;
    meta->hash = u.hash;
    meta->hash_valid = skb->skb.hash_valid() ? 1 : 0;
    meta->tc_index = u.tc_index;
    meta->tc_classid = u.tc_classid;
    meta->napi_id = u.napi_id;
    meta->tstamp = u.tstamp;
    meta->vlan_present = u.vlan_present != 0;
    meta->vlan_tci = uint16_t(u.vlan_tci);
    meta->vlan_proto = uint16_t(u.vlan_proto);
    meta->protocol = uint16_t(u.protocol);
    meta->linear_length = skb->skb.linear_length();
    meta->route_realm = skb->skb.route_realm();
    meta->mac_header_length = skb->skb.mac_header_length();
}

void ebpfjit_skb_set_tstamp(ebpfjit_skb* skb, uint64_t ns) {
    if (skb) skb->skb.set_tstamp(ns);
}

uint64_t ebpfjit_skb_tstamp(const ebpfjit_skb* skb) { return skb ? skb->skb.tstamp() : 0; }

int ebpfjit_skb_set_socket_cgroups(ebpfjit_skb* skb, uint64_t cookie, uint64_t cgroup_id, uint32_t classid,
                                   const uint64_t* ancestors, size_t n_ancestors) {
    if (!skb || (!ancestors && n_ancestors != 0)) return -EINVAL;
    try {
        ebpfjit::SkbSocket s{cookie, cgroup_id, classid};
        s.cgroup_ancestors.assign(ancestors, ancestors + n_ancestors);
        skb->skb.set_socket(std::move(s));
        return 0;
    } catch (...) {
        return -ENOMEM;
    }
}

} // extern "C"
