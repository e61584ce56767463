// mem programs for the run paths (jit::RunNeeds): one that calls nothing, one that uses
// only map helpers (no per-run state, but a per-CPU slot), one whose helper reads the run's
// state (bpf_get_smp_processor_id), one that uses its stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} per_cpu_runs SEC(".maps");

SEC("mem") __u64 constant(void *mem, __u64 len) { return 0x1234; }

// Counts runs in this worker's per-CPU slot; r0 = the count after this run.
SEC("mem") __u64 count_per_cpu(void *mem, __u64 len)
{
    __u32 key = 0;
    __u64 *runs = bpf_map_lookup_elem(&per_cpu_runs, &key);
    if (!runs) {
        __u64 first = 1;
        bpf_map_update_elem(&per_cpu_runs, &key, &first, BPF_ANY);
        return 1;
    }
    *runs += 1;
    return *runs;
}

SEC("mem") __u64 cpu_id(void *mem, __u64 len) { return bpf_get_smp_processor_id(); }

// r0 = the first 8 input bytes reversed through a stack buffer (len >= 8).
SEC("mem") __u64 via_stack(__u8 *mem, __u64 len)
{
    volatile __u8 buf[8];
    if (len < 8)
        return 0;
    for (int i = 0; i < 8; i++)
        buf[7 - i] = mem[i];
    __u64 r = 0;
    for (int i = 0; i < 8; i++)
        r = r << 8 | buf[i];
    return r;
}

// Four local calls: each charges the instruction budget once, so a budget of 3 stops it
// (the one fault code that needs no per-run state can take). r0 = ((len*3+1)*3+1)... .
static __attribute__((noinline)) __u64 step(__u64 x) { return x * 3 + 1; }

SEC("mem") __u64 four_calls(void *mem, __u64 len)
{
    __u64 x = len;
    x = step(x);
    x = step(x);
    x = step(x);
    return step(x);
}
