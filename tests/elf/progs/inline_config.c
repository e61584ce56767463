// Cilium's compile-once configuration (its bpf/lib/static_data.h): each CONFIG(x) is one
// `r = __config_x ll` LDDW against a variable of .rodata.config, which Cilium's loader
// rewrites into an immediate LDDW of the variable's value. Loaded as a map-value LDDW the
// register holds a pointer, and the program would return an address.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define DECLARE_CONFIG(type, name, value) \
    __attribute__((section(".rodata.config"), used)) static const type __config_##name = value;
#define CONFIG(name) ({ \
    __u64 out; \
    asm volatile("%[out] = __config_" #name " ll" : [out] "=r"(out)); \
    (typeof(__config_##name))out; \
})

DECLARE_CONFIG(__u32, mtu, 1500)
DECLARE_CONFIG(__u16, port, 8080)
DECLARE_CONFIG(__u64, magic, 0x1122334455667788ULL)

char LICENSE[] SEC("license") = "GPL";

SEC("mem")
int config_sum(void *mem)
{
    return CONFIG(mtu) + CONFIG(port) + (__u32)(CONFIG(magic) >> 32);
}
