// A program that hands out a host address: rejected by default (the kernel's unprivileged
// rules: "leaks addr into map"), accepted with the allow_ptr_leaks opt-in
// (tests/object/pointer_leaks_test.cpp, tests/object/cli_engine_test.cpp).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} addresses SEC(".maps");

// Stores the address of its own stack into the map value: memory-safe, but the embedder
// (or any program sharing the map) then reads where the program's stack lives.
SEC("mem")
int stack_address_into_map(__u8 *data, __u64 len)
{
    __u32 key = 0;
    __u64 *slot = bpf_map_lookup_elem(&addresses, &key);
    if (!slot)
        return 1;
    *slot = (__u64)&key;
    return 0;
}
