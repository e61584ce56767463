// Programs that arm bpf_timers (helpers 169-172) and callbacks that run when the embedder
// runs the due timers; what each call returned goes to `results` (slot = call), for
// test_timers to compare with the kernel's return codes on both engines.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_BOOTTIME 7

char LICENSE[] SEC("license") = "GPL";

struct elem {
    __u64 counter;
    struct bpf_timer timer; // at 8: copies skip it
    __u64 tail;
};

// Pinned by name: objects opened with one PinRegistry share it (private otherwise).
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, struct elem);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} hmap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, struct elem);
} lru SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct elem);
} amap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 32);
    __type(key, __u32);
    __type(value, __s64);
} results SEC(".maps");

static __always_inline void put(__u32 slot, __s64 value)
{
    bpf_map_update_elem(&results, &slot, &value, BPF_ANY);
}

static __always_inline void bump(__u32 slot)
{
    __s64 *v = bpf_map_lookup_elem(&results, &slot);
    if (v)
        __sync_fetch_and_add(v, 1);
}

// Calico's pattern: the callback deletes the element that holds its timer.
static int delete_cb(void *map, __u32 *key, struct elem *val)
{
    bump(0);
    put(1, *key);
    put(2, val->tail);
    bpf_map_delete_elem(map, key);
    return 0;
}

static __always_inline int arm_delete(void *map, __u32 key)
{
    struct elem init = {.tail = 77};
    bpf_map_update_elem(map, &key, &init, BPF_ANY);
    struct elem *v = bpf_map_lookup_elem(map, &key);
    if (!v)
        return 1;
    put(3, bpf_timer_init(&v->timer, map, CLOCK_MONOTONIC));
    put(4, bpf_timer_init(&v->timer, map, CLOCK_MONOTONIC)); // -EBUSY
    put(5, bpf_timer_set_callback(&v->timer, delete_cb));
    put(6, bpf_timer_start(&v->timer, 10000000000ull, 0)); // 10 s
    return 0;
}

SEC("prog")
int arm_hash(void *ctx)
{
    return arm_delete(&hmap, 5);
}

SEC("prog")
int arm_lru(void *ctx)
{
    return arm_delete(&lru, 6);
}

// Runs three times: each run but the last starts its timer again (0 ns: due at once).
// Cancelling its own timer from the callback would wait for itself: -EDEADLK.
static int again_cb(void *map, __u32 *key, struct elem *val)
{
    val->counter++;
    put(10, *key);
    put(11, bpf_timer_cancel(&val->timer));
    if (val->counter < 3)
        put(12, bpf_timer_start(&val->timer, 0, 0));
    return 0;
}

SEC("prog")
int arm_array(void *ctx)
{
    __u32 key = 1;
    struct elem *v = bpf_map_lookup_elem(&amap, &key);
    if (!v)
        return 1;
    put(13, bpf_timer_init(&v->timer, &amap, CLOCK_BOOTTIME));
    put(14, bpf_timer_set_callback(&v->timer, again_cb));
    put(15, bpf_timer_start(&v->timer, 0, 0));
    return 0;
}

static int count_cb(void *map, __u32 *key, struct elem *val)
{
    bump(20);
    return 0;
}

// The return codes around the calls' preconditions.
SEC("prog")
int errors(void *ctx)
{
    __u32 key = 2;
    struct elem *v = bpf_map_lookup_elem(&amap, &key);
    if (!v)
        return 1;
    put(0, bpf_timer_set_callback(&v->timer, count_cb));          // -EINVAL: not initialised
    put(1, bpf_timer_start(&v->timer, 0, 0));                     // -EINVAL
    put(2, bpf_timer_cancel(&v->timer));                          // -EINVAL
    put(3, bpf_timer_init(&v->timer, &amap, CLOCK_PROCESS_CPUTIME_ID)); // -EINVAL: clock
    put(4, bpf_timer_init(&v->timer, &amap, 16));                 // -EINVAL: flags >= MAX_CLOCKS
    put(5, bpf_timer_init(&v->timer, &amap, CLOCK_REALTIME));     // 0
    put(6, bpf_timer_start(&v->timer, 0, 0));                     // -EINVAL: no callback
    put(7, bpf_timer_set_callback(&v->timer, count_cb));          // 0
    put(8, bpf_timer_start(&v->timer, 0, 4));                     // -EINVAL: unknown flag
    put(9, bpf_timer_start(&v->timer, 1000000000000ull, 0));      // 0 (1000 s)
    put(10, bpf_timer_cancel(&v->timer));                         // 1: it was armed
    put(11, bpf_timer_cancel(&v->timer));                         // 0: not armed
    put(12, bpf_timer_start(&v->timer, 0, 0));                    // -EINVAL: cancel dropped the callback
    put(13, bpf_timer_set_callback(&v->timer, count_cb));         // 0
    put(14, bpf_timer_start(&v->timer, 0, 1));                    // 0: BPF_F_TIMER_ABS, long past
    return 0;
}

// The timer inside a struct inside the value (gtp-guard's fragment rule): the kernel's
// btf_parse_fields finds it in nested structs too.
struct frag_rule {
    struct bpf_timer timer;
    __u8 flags;
};
struct frag_value {
    __u64 hits;
    struct frag_rule rule;
    __u16 psid;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct frag_value);
} nested SEC(".maps");

static int nested_cb(void *map, __u32 *key, struct frag_value *val)
{
    put(21, val->psid);
    return 0;
}

SEC("prog")
int arm_nested(void *ctx)
{
    __u32 key = 3;
    struct frag_value init = {.psid = 99};
    bpf_map_update_elem(&nested, &key, &init, BPF_ANY);
    struct frag_value *v = bpf_map_lookup_elem(&nested, &key);
    if (!v)
        return 1;
    put(22, bpf_timer_init(&v->rule.timer, &nested, CLOCK_MONOTONIC));
    put(23, bpf_timer_set_callback(&v->rule.timer, nested_cb));
    put(24, bpf_timer_start(&v->rule.timer, 0, 0));
    return 0;
}
