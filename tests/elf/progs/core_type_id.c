// bpf_core_type_id_local(): a CO-RE relocation the loader answers from the object's own
// BTF (AF_XDP-interaction tags its XDP metadata with it), unlike kernel-type relocations.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct hints_rx_time {
    __u64 rx_ktime;
    __u32 btf_id;
};

struct hints_mark {
    __u32 mark;
    __u32 btf_id;
};

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int type_ids(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + 64 > end) return bpf_core_type_id_local(struct hints_mark);
    return bpf_core_type_id_local(struct hints_rx_time);
}
