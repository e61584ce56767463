// verdict: accept
// Shapes where this verifier processed more instructions than the kernel (Linux 6.18)
// before pruning parity; pruning_parity_test.cpp holds each program to the kernel's count.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} parity_counts SEC(".maps");

// A chain of header checks, each failing into one shared tail: the kernel prunes each
// failed check at the tail's first instruction (and states at the checks themselves).
SEC("xdp")
int parity_checks(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    struct udphdr *udp = (void *)(ip + 1);
    int verdict = XDP_PASS;
    if ((void *)(udp + 1) > end) goto out;
    if (eth->h_proto != bpf_htons(ETH_P_IP)) goto out;
    if (ip->ihl != 5) goto out;
    if (ip->protocol != IPPROTO_UDP) goto out;
    if (ip->frag_off & bpf_htons(0x3fff)) goto out;
    if (udp->dest != bpf_htons(53)) goto out;
    verdict = XDP_DROP;
out:
    return verdict;
}

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

// Classic-style checks (LD_ABS) returning 0, then a length: every failed check meets the
// others at the return, where the value a pruned path carries in r0 is dead.
SEC("socket")
int parity_filter(struct __sk_buff *skb) {
    if (load_half(skb, 12) != ETH_P_IPV6) return 0;
    if (load_byte(skb, ETH_HLEN + 6) != IPPROTO_UDP) return 0;
    if (load_byte(skb, ETH_HLEN + 7) < 2) return 0;
    if (load_half(skb, ETH_HLEN + 40 + 2) != 53) return 0;
    return skb->len;
}

// A counter in an array at a constant key: the kernel (6.14+) knows the lookup cannot fail
// and never walks the NULL edge.
SEC("xdp")
int parity_array_counter(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 *count = bpf_map_lookup_elem(&parity_counts, &key);
    if (count) __sync_fetch_and_add(count, 1);
    return XDP_PASS;
}

// A checksum folded two ways that meet again: one path's value is a copy of a register
// the join overwrites (a link nothing reads any more), the other's a constant.
SEC("xdp")
int parity_csum(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > end) return XDP_PASS;
    __u32 sum = (__u32)ip->saddr + (__u32)ip->daddr;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    __u16 check = (__u16)~sum;
    if (udp->check == 0xffff) check = 0xffff;
    udp->check = check;
    __u32 key = (udp->source & 1) ? 1 : 2;
    __u64 *count = bpf_map_lookup_elem(&parity_counts, &key);
    if (count) __sync_fetch_and_add(count, check);
    return XDP_TX;
}

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} parity_hash SEC(".maps");

// A pointer to a stack buffer kept in a stack slot (clang spills such pointers under
// register pressure; `volatile` forces it here), and diamonds that each leave a map value
// pointer or a number in a slot of their own that nothing reads again: the kernel
// (6.18's stack liveness) ignores those dead slots, so every diamond's two paths meet at
// its join. A verifier that gives up on slot liveness once a stack pointer is stored
// compares them and explores 2^8 paths.
#define PARITY_DIAMOND(t, i)                                                                       \
    if (bpf_get_prandom_u32() & 1)                                                                 \
        t = v;                                                                                     \
    else                                                                                           \
        t = 0;                                                                                     \
    *bp += i;

SEC("xdp")
int parity_spilled_stack_ptr(struct xdp_md *ctx) {
    __u64 buf[2] = {0, 0};
    __u64 *volatile bp = buf;
    void *volatile t[8];
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&parity_hash, &key);
    if (!v) return XDP_PASS;
    PARITY_DIAMOND(t[0], 1)
    PARITY_DIAMOND(t[1], 2)
    PARITY_DIAMOND(t[2], 3)
    PARITY_DIAMOND(t[3], 4)
    PARITY_DIAMOND(t[4], 5)
    PARITY_DIAMOND(t[5], 6)
    PARITY_DIAMOND(t[6], 7)
    PARITY_DIAMOND(t[7], 8)
    return (*bp & 1) ? XDP_PASS : XDP_DROP;
}

// TCP options walked in an unrolled loop against two ends (the header's and the packet's),
// as Retina's packetparser does: every round has pruning points a few instructions apart
// (the kind reloaded from the stack), and the paths reaching them multiply round by round.
// A point just after a store kept only its first 8 states (verifier/pruning.cpp, visit).
static __attribute__((noinline)) int parity_timestamps(struct tcphdr *tcp, void *end, __u32 *tsval, __u32 *tsecr) {
    __u8 *opt_end = (__u8 *)tcp + tcp->doff * 4;
    __u8 *opt = (__u8 *)(tcp + 1);
#pragma unroll
    for (int i = 0; i < 20; i++) {
        if (opt + 1 > opt_end || (void *)(opt + 1) > end) return -1;
        volatile __u8 kind = *opt;
        if (kind == 0) return -1;
        if (kind == 1) {
            opt++;
            continue;
        }
        if (opt + 2 > opt_end || (void *)(opt + 2) > end) return -1;
        __u8 len = opt[1];
        if (len < 2) return -1;
        if (kind == 8 && len == 10) {
            if (opt + 10 > opt_end || (void *)(opt + 10) > end) return -1;
            *tsval = *(__u32 *)(opt + 2);
            *tsecr = *(__u32 *)(opt + 6);
            return 0;
        }
        opt += len;
    }
    return -1;
}

SEC("xdp")
int parity_tcp_options(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    struct tcphdr *tcp = (void *)(ip + 1);
    if ((void *)(tcp + 1) > end || ip->protocol != IPPROTO_TCP) return XDP_PASS;
    __u32 tsval = 0, tsecr = 0;
    if (parity_timestamps(tcp, end, &tsval, &tsecr) < 0) return XDP_PASS;
    __u32 key = 3;
    __u64 *count = bpf_map_lookup_elem(&parity_counts, &key);
    if (count) __sync_fetch_and_add(count, (__u64)tsval + tsecr);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

// XDP-Firewall's rule loop (our own code): the time, unknown on one path and at least 2 on
// the other, goes into the struct a bpf_loop callback compares with each rule. The kernel
// prunes the second path before the call: the callback's comparison never made the time
// precise. Before backedges (pruning.hpp) a callback round that ended equal to the round
// in progress made every scalar on its path precise, the caller's time too: 165 processed.
struct parity_rule {
    __u64 until;
    __u64 action;
};
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, struct parity_rule);
} parity_rules SEC(".maps");
struct parity_rule_walk {
    __u64 now;
    __u64 matched;
    __u64 action;
};

static long parity_match_rule(__u32 i, void *data) {
    struct parity_rule_walk *w = data;
    __u32 k = i;
    struct parity_rule *r = bpf_map_lookup_elem(&parity_rules, &k);
    if (!r) return 1;
    if (r->until && r->until < w->now) return 0;
    w->matched = 1;
    w->action = r->action;
    return 1;
}

SEC("xdp")
int parity_callback_rules(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 now = bpf_ktime_get_ns();
    __u64 *blocked_until = bpf_map_lookup_elem(&parity_hash, &key);
    if (blocked_until && *blocked_until != 0 && *blocked_until < now) bpf_map_delete_elem(&parity_hash, &key);
    struct parity_rule_walk w = {};
    w.now = now;
    bpf_loop(64, parity_match_rule, &w, 0);
    if (w.matched && w.action == 0) return XDP_DROP;
    return XDP_PASS;
}
