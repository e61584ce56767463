// tc and XDP programs that call the network helpers and leave what they returned in the
// `results` array (slot = call), for test_net_helpers to compare on both engines.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2 /* <sys/socket.h> is not for BPF targets */

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 32);
    __type(key, __u32);
    __type(value, __u64);
} results SEC(".maps");

static __always_inline void put(__u32 slot, __u64 value)
{
    bpf_map_update_elem(&results, &slot, &value, BPF_ANY);
}

// Metadata helpers, one slot each.
SEC("tc")
int tc_meta(struct __sk_buff *skb)
{
    __u8 proto = 0;
    put(0, bpf_get_hash_recalc(skb));
    put(1, bpf_set_hash(skb, 77));
    put(2, bpf_get_hash_recalc(skb));
    put(3, bpf_skb_change_type(skb, 3));
    put(4, bpf_skb_change_type(skb, 5));
    put(5, bpf_get_socket_cookie(skb));
    put(6, bpf_skb_cgroup_id(skb));
    put(7, bpf_get_cgroup_classid(skb));
    put(8, bpf_get_route_realm(skb));
    put(9, bpf_get_netns_cookie(skb));
    put(10, bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY));
    put(11, bpf_csum_level(skb, BPF_CSUM_LEVEL_INC));
    put(12, bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY));
    put(13, bpf_skb_ecn_set_ce(skb));
    put(14, bpf_skb_load_bytes_relative(skb, 9, &proto, 1, BPF_HDR_START_NET));
    put(15, proto);
    put(16, skb->pkt_type);
    return TC_ACT_OK;
}

// Resizing helpers; after each, direct packet access through fresh data/data_end.
SEC("tc")
int tc_resize(struct __sk_buff *skb)
{
    put(0, bpf_skb_change_tail(skb, skb->len + 10, 0));
    put(1, skb->len);
    put(2, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0));
    put(3, bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 100));
    put(4, skb->vlan_tci);
    put(5, bpf_skb_change_head(skb, 14, 0));
    put(6, skb->len);
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    if (data + 15 > end)
        return TC_ACT_SHOT;
    ((__u8 *)data)[0] = 0xee; // in the pushed, zeroed head room
    put(7, bpf_skb_vlan_pop(skb));
    put(8, bpf_skb_change_proto(skb, bpf_htons(ETH_P_ARP), 0));
    put(9, bpf_skb_adjust_room(skb, 0x1000, BPF_ADJ_ROOM_NET, 0));
    return TC_ACT_OK;
}

// Tunnel metadata: read what came in, then set a key and options for the way out.
SEC("tc")
int tc_tunnel(struct __sk_buff *skb)
{
    struct bpf_tunnel_key key = {};
    __u8 opt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    long rc = bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0);
    put(0, rc);
    put(1, key.tunnel_id);
    put(2, key.remote_ipv4);
    key.tunnel_id = key.tunnel_id + 1;
    key.remote_ipv4 = 0x0a000009;
    key.local_ipv4 = 0x0a000001;
    key.tunnel_ttl = 64;
    put(3, bpf_skb_set_tunnel_key(skb, &key, sizeof(key), BPF_F_ZERO_CSUM_TX));
    put(4, bpf_skb_set_tunnel_opt(skb, opt, sizeof(opt)));
    __builtin_memset(opt, 0, sizeof(opt));
    put(5, bpf_skb_get_tunnel_opt(skb, opt, sizeof(opt)));
    put(6, opt[7]);
    return TC_ACT_OK;
}

// XDP router: fib_lookup on the IPv4 destination; forwarded frames get the new MACs and
// go out of the egress port (bpf_redirect); the rest pass. check_mtu on the side.
SEC("xdp")
int xdp_router(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = data + sizeof(*eth);
    if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct bpf_fib_lookup p = {};
    p.family = AF_INET;
    p.tot_len = bpf_ntohs(ip->tot_len);
    p.ifindex = ctx->ingress_ifindex;
    p.ipv4_src = ip->saddr;
    p.ipv4_dst = ip->daddr;
    long rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
    put(0, rc);
    put(1, p.ifindex);
    __u32 mtu = 0;
    put(2, bpf_check_mtu(ctx, 0, &mtu, 0, 0));
    put(3, mtu);
    if (rc != BPF_FIB_LKUP_RET_SUCCESS)
        return XDP_PASS;
    __builtin_memcpy(eth->h_dest, p.dmac, ETH_ALEN);
    __builtin_memcpy(eth->h_source, p.smac, ETH_ALEN);
    return bpf_redirect(p.ifindex, 0);
}

// tc: fib_lookup without tot_len, then redirect_neigh to the egress device; a clone goes
// to device 1 first.
SEC("tc")
int tc_router(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + sizeof(struct ethhdr);
    if ((void *)(ip + 1) > end)
        return TC_ACT_OK;
    struct bpf_fib_lookup p = {};
    p.family = AF_INET;
    p.ifindex = skb->ingress_ifindex;
    p.ipv4_dst = ip->daddr;
    long rc = bpf_fib_lookup(skb, &p, sizeof(p), BPF_FIB_LOOKUP_SKIP_NEIGH);
    put(0, rc);
    put(1, p.mtu_result);
    put(2, bpf_clone_redirect(skb, 1, 0));
    if (rc != BPF_FIB_LKUP_RET_SUCCESS)
        return TC_ACT_OK;
    return bpf_redirect_neigh(p.ifindex, 0, 0, 0);
}
