// Programs the kernel's verifier refuses, one bpf_timer rule each (test_timers checks
// that ebpfjit refuses them with the kernel's words, at the instruction).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
    struct bpf_timer timer;
    __u64 counter;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct elem);
} hmap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct elem);
} amap SEC(".maps");

struct plain {
    __u64 a, b, c;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct plain);
} nomap SEC(".maps");

static __always_inline struct elem *first(void *map)
{
    __u32 key = 0;
    return bpf_map_lookup_elem(map, &key);
}

static int ok_cb(void *map, __u32 *key, struct elem *val)
{
    return 0;
}

static int one_cb(void *map, __u32 *key, struct elem *val)
{
    return 1;
}

// check_map_field_pointer: the pointer must be the field itself.
SEC("prog")
int wrong_offset(void *ctx)
{
    struct elem *v = first(&amap);
    if (!v)
        return 0;
    return bpf_timer_init((struct bpf_timer *)&v->counter, &amap, 1);
}

// process_timer_func / check_func_arg: init's map is the timer's map.
SEC("prog")
int other_map(void *ctx)
{
    struct elem *v = first(&amap);
    if (!v)
        return 0;
    return bpf_timer_init(&v->timer, &hmap, 1);
}

// check_map_access: no load or store may touch the timer.
SEC("prog")
int direct_load(void *ctx)
{
    struct elem *v = first(&amap);
    if (!v)
        return 0;
    return *(volatile __u32 *)((char *)&v->timer + 4);
}

// check_return_code: an async callback returns 0.
SEC("prog")
int callback_returns_one(void *ctx)
{
    struct elem *v = first(&amap);
    if (!v)
        return 0;
    bpf_timer_init(&v->timer, &amap, 1);
    bpf_timer_set_callback(&v->timer, one_cb);
    return 0;
}

// A map value without a bpf_timer.
SEC("prog")
int no_timer(void *ctx)
{
    __u32 key = 0;
    struct plain *v = bpf_map_lookup_elem(&nomap, &key);
    if (!v)
        return 0;
    return bpf_timer_init((struct bpf_timer *)v, &nomap, 1);
}

// The same callback, properly used: the object's one good program.
SEC("prog")
int good(void *ctx)
{
    struct elem *v = first(&hmap);
    if (!v)
        return 0;
    bpf_timer_init(&v->timer, &hmap, 1);
    bpf_timer_set_callback(&v->timer, ok_cb);
    return 0;
}
