// tc and socket-filter programs over __sk_buff.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

// tc: IPv4 frames are marked and redirected to port 7, others dropped unless their
// length is even.
SEC("tc")
int tc_steer(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return TC_ACT_SHOT;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        skb->mark = 0x1234;
        return bpf_redirect(7, 0);
    }
    return skb->len % 2 == 0 ? TC_ACT_OK : TC_ACT_SHOT;
}

// Socket filter (LD_ABS): keep the first 64 bytes of IPv4/UDP frames, drop the rest.
SEC("socket")
int udp_snap(struct __sk_buff *skb)
{
    if (load_half(skb, 12) != ETH_P_IP)
        return 0;
    if (load_byte(skb, 23) != 17)
        return 0;
    return 64;
}
