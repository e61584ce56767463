// CO-RE feature probes against the uapi (Calico's): which helpers, ctx fields and
// bpf_fib_lookup members the runtime has. Each answer is one bit (or byte) of r0.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

// A newer bpf_fib_lookup than the header's, as a program carries it: the "___new" flavor
// matches the runtime's struct bpf_fib_lookup by name, member by member.
struct bpf_fib_lookup___new {
    __u8 family;
    __u32 mark;
    __u8 smac[6];
};

char LICENSE[] SEC("license") = "GPL";

SEC("mem")
__u64 probes(void *mem)
{
    __u64 r = 0;
    r |= (__u64)bpf_core_field_exists(((struct __sk_buff *)0)->gso_size) << 0;
    r |= (__u64)bpf_core_field_exists(((struct __sk_buff *)0)->flow_keys) << 1;
    r |= (__u64)bpf_core_field_exists(((struct xdp_md *)0)->rx_queue_index) << 2;
    r |= (__u64)bpf_core_field_exists(((struct bpf_fib_lookup___new *)0)->mark) << 3;
    r |= (__u64)bpf_core_field_exists(((struct bpf_fib_lookup___new *)0)->smac) << 4;
    r |= (__u64)bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_redirect) << 5;
    r |= (__u64)bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_func_ip) << 6;
    r |= (__u64)bpf_core_type_exists(struct __sk_buff) << 7;
    r |= (__u64)bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_redirect) << 8;
    r |= (__u64)bpf_core_field_exists(((struct __sk_buff *)0)->cb[2]) << 16;
    return r;
}
