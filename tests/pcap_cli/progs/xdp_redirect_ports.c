// SPDX-License-Identifier: GPL-2.0
// Sends IPv4 frames to a port chosen by the last byte of the destination address, through
// both redirect helpers, and marks each redirected frame so the test can tell the program
// left it (eth destination byte 0 = 0xa0 + port choice):
//
//   daddr & 3 == 0  bpf_redirect(7, 0)                         ─► port 7
//   daddr & 3 == 1  bpf_redirect_map(&ports, 1, 0)  slot 1 = 21 ─► port 21
//   daddr & 3 == 2  bpf_redirect_map(&ports, 2, XDP_PASS)       ─► slot 2 empty: XDP_PASS
//   daddr & 3 == 3  bpf_redirect_map(&ports, 3, 0)  slot 3 = 33 ─► port 33
//   not IPv4, or too short                                     ─► XDP_DROP
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int xdp_redirect_ports(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = data + sizeof(*eth);
    __u32 choice;

    if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_DROP;
    choice = bpf_ntohl(ip->daddr) & 3;
    eth->h_dest[0] = 0xa0 + choice;
    if (choice == 0)
        return bpf_redirect(7, 0);
    return bpf_redirect_map(&ports, choice, choice == 2 ? XDP_PASS : 0);
}

char LICENSE[] SEC("license") = "GPL";
