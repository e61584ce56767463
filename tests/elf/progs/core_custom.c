// A program's own struct and enum read through CO-RE (preserve_access_index), resolved
// against another object's BTF (OpenOptions::core_btf): core_custom_btf.c lays the struct
// out otherwise (members reordered and padded, a narrower port, the bitfields elsewhere,
// no 'gone') and numbers the enum otherwise. Each program returns what it read from the
// packet, laid out as core_custom_btf.c says.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum probe_mode { MODE_OFF = 0, MODE_ON = 1, MODE_GONE = 2 };

struct probe_rec {
    __u8 kind;
    __u32 port;
    __u16 flags;
    __u8 ipv6only : 1;
    __u8 level : 3;
    __u32 gone;
} __attribute__((preserve_access_index));

// A flavor: matches the target's probe_rec by its name without "___old".
struct probe_rec___old {
    __u16 flags;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

#define RECORD(ctx)                                                                                                    \
    struct probe_rec *r = (void *)(long)ctx->data;                                                                     \
    if ((void *)r + 64 > (void *)(long)ctx->data_end)                                                                  \
        return 0;

SEC("xdp")
int read_kind(struct xdp_md *ctx)
{
    RECORD(ctx);
    return r->kind;
}

SEC("xdp")
int read_port(struct xdp_md *ctx)
{
    RECORD(ctx);
    return r->port; // a 4-byte load here, 2 bytes in the target: the load narrows
}

SEC("xdp")
int read_flags_flavor(struct xdp_md *ctx)
{
    struct probe_rec___old *r = (void *)(long)ctx->data;
    if ((void *)r + 64 > (void *)(long)ctx->data_end)
        return 0;
    return r->flags;
}

SEC("xdp")
int read_bits(struct xdp_md *ctx)
{
    RECORD(ctx);
    return BPF_CORE_READ_BITFIELD(r, ipv6only) | BPF_CORE_READ_BITFIELD(r, level) << 1;
}

SEC("xdp")
int probes(struct xdp_md *ctx)
{
    struct probe_rec *r = 0;
    int v = 0;
    v |= bpf_core_field_exists(r->gone) << 0;
    v |= bpf_core_field_exists(r->port) << 1;
    v |= bpf_core_type_exists(struct probe_rec) << 2;
    v |= bpf_core_enum_value_exists(enum probe_mode, MODE_GONE) << 3;
    v |= bpf_core_enum_value_exists(enum probe_mode, MODE_ON) << 4;
    v |= bpf_core_enum_value(enum probe_mode, MODE_ON) << 8;
    v |= bpf_core_field_size(r->port) << 16;
    v |= bpf_core_type_size(struct probe_rec) << 24;
    return v;
}

// The read of 'gone' is poisoned (the target lacks it) but no path reaches it.
SEC("xdp")
int guarded_gone(struct xdp_md *ctx)
{
    RECORD(ctx);
    if (bpf_core_field_exists(r->gone))
        return r->gone;
    return 0x77;
}

// Reached: the verifier refuses the poisoned read, as the kernel refuses libbpf's.
SEC("xdp")
int read_gone(struct xdp_md *ctx)
{
    RECORD(ctx);
    return r->gone;
}
