// The "kernel" for core_custom.c (its --core-btf): the same names, another layout. Only
// its BTF is used; the variables keep the types in it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum probe_mode { MODE_ON = 7, MODE_OFF = 0 };

struct probe_rec {
    __u64 reserved;    // bytes 0-7
    __u8 pad[3];       // bytes 8-10
    __u16 flags;       // bytes 12-13
    __u8 level : 3;    // byte 14, bits 0-2
    __u8 ipv6only : 1; // byte 14, bit 3
    __u16 port;        // bytes 16-17
    __u8 kind;         // byte 18
};

struct probe_rec probe_rec_layout;
enum probe_mode probe_mode_values;

char LICENSE[] SEC("license") = "GPL";
