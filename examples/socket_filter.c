// SPDX-License-Identifier: GPL-2.0
// socket_filter: a classic-style socket filter written with LD_ABS/LD_IND loads
// (the BPF_LD | BPF_ABS/IND instructions, reached through llvm.bpf.load.*).
// Keeps IPv4 TCP segments to port 80 whole and drops everything else (returns 0 bytes).
//
//   ethertype @12 == 0x0800 · protocol @23 == 6 · not a later fragment (@20 & 0x1fff)
//   IHL = (@14 & 0xf) * 4 · destination port @(14 + IHL + 2) == 80 (LD_IND)
//
// LD_ABS/LD_IND end the program with 0 when the offset is past the packet: a truncated
// frame is dropped without a bounds check in the source, as in classic BPF.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

#define HTTP_PORT 80

SEC("socket")
int socket_filter(struct __sk_buff *skb)
{
    __u64 ihl;

    if (load_half(skb, 12) != ETH_P_IP)
        return 0;
    if (load_byte(skb, ETH_HLEN + 9) != IPPROTO_TCP)
        return 0;
    if (load_half(skb, ETH_HLEN + 6) & 0x1fff)
        return 0;
    ihl = (load_byte(skb, ETH_HLEN) & 0xf) * 4;
    if (load_half(skb, ETH_HLEN + ihl + 2) != HTTP_PORT)
        return 0;
    return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
