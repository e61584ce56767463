/* The C embedding API: the same operations as ebpfjit.hpp, for C packet processors.
 *
 *   char err[256];
 *   ebpfjit_object *obj = ebpfjit_object_open("counter.o", NULL, err, sizeof err);
 *   if (!obj) { fprintf(stderr, "%s\n", err); return 1; }
 *   ebpfjit_program *prog = ebpfjit_object_program(obj, "count_packets", err, sizeof err);
 *   uint64_t r0;
 *   if (ebpfjit_program_run_mem(prog, buf, len, &r0, err, sizeof err) != 0) ...
 *   ebpfjit_map *hits = ebpfjit_object_map(obj, "hits");
 *   ebpfjit_map_lookup(hits, &key, &value);            (0 or a negative errno)
 *   ebpfjit_object_close(obj);                         (programs and maps go with it)
 *
 * A packet processor (XDP):
 *
 *   ebpfjit_open_options opts = {"xdp", EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0};
 *   ebpfjit_object *obj = ebpfjit_object_open_opts("fw.o", &opts, err, sizeof err);
 *   ebpfjit_program *fw = ebpfjit_object_program(obj, "xdp_fw", err, sizeof err);
 *   ebpfjit_register_worker_thread(err, sizeof err);          (each worker, once)
 *   ebpfjit_xdp_frame *frames[32];  ... ebpfjit_xdp_frame_new(0) once, then per batch:
 *   ebpfjit_xdp_frame_load(frames[i], bytes, len, ifindex, rxq, err, sizeof err);
 *   ebpfjit_xdp_result res[32];
 *   ebpfjit_program_run_xdp_burst(fw, frames, n, res, err, sizeof err);
 *   res[i].action: EBPFJIT_XDP_PASS ...; EBPFJIT_XDP_REDIRECT: res[i].redirect_port
 *   ebpfjit_xdp_frame_data(frames[i], &len): the packet as the program left it
 *
 * Or in place, over the embedder's own buffers (zero copy: mbufs, umem chunks):
 *
 *   ebpfjit_xdp_buffer bufs[32];  bufs[i] = {base, capacity, headroom, length, 0}
 *   ebpfjit_program_run_xdp_buffers(fw, bufs, n, ifindex, rxq, res, err, sizeof err);
 *   bufs[i].headroom / .length / .meta_length: the packet as the program left it
 *
 * Error buffers may be NULL; messages are one line, truncated to the buffer. No C++
 * exception crosses this API. One program may run on many threads at once.
 */
#ifndef EBPFJIT_EBPFJIT_H
#define EBPFJIT_EBPFJIT_H

#include <stddef.h>
#include <stdint.h>

#include "ebpfjit/xdp_buffer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ebpfjit_object ebpfjit_object;
typedef struct ebpfjit_program ebpfjit_program; /* owned by its object */
typedef struct ebpfjit_map ebpfjit_map;         /* owned by its object */

typedef struct ebpfjit_xdp_frame ebpfjit_xdp_frame; /* owned by the caller */
typedef struct ebpfjit_skb ebpfjit_skb;             /* owned by the caller */

typedef enum {
    EBPFJIT_ENGINE_JIT = 0,    /* native code (the default) */
    EBPFJIT_ENGINE_INTERP = 1, /* the bounds-checked interpreter */
} ebpfjit_engine;

typedef enum {
    EBPFJIT_VERIFY_FULL = 0,       /* memory safety and termination (the default) */
    EBPFJIT_VERIFY_STRUCTURAL = 1, /* decoder and CFG rules only */
} ebpfjit_verify_level;

typedef struct {
    const char *program_type; /* NULL: from the ELF section; or "mem", "xdp", "tc", "socket" */
    ebpfjit_engine engine;
    ebpfjit_verify_level verify;
    /* 0 (the default): the kernel's unprivileged rules, no pointer may leave the program
     * (stored into maps, packets or ctx, returned, passed to a helper as data, ...).
     * Non-zero: the kernel's privileged rules (allow_ptr_leaks): still memory-safe, but
     * host addresses may escape to maps, helpers and the caller. Trusted programs only. */
    int allow_ptr_leaks;
    /* 0 (the default): loops the verifier proves memory safe but cannot prove to end (by
     * walking them, or by a ranking argument within 2^32 instructions) run under an
     * instruction budget (docs/loop-verification.md). Non-zero: such programs are
     * rejected, as the kernel rejects them. */
    int require_termination_proof;
} ebpfjit_open_options;

/* program_type: NULL to take each program's type from its ELF section, or one of
 * "mem", "xdp", "tc", "socket" to override it. NULL on failure. */
ebpfjit_object *ebpfjit_object_open(const char *path, const char *program_type, char *err, size_t err_size);
/* The same with engine and verifier level; options NULL = defaults. */
ebpfjit_object *ebpfjit_object_open_opts(const char *path, const ebpfjit_open_options *options, char *err,
                                         size_t err_size);
/* Hardening for untrusted programs (docs/hardening.md); zero-initialised = all off. */
typedef struct {
    int blind_constants; /* JIT: every immediate XORed with a random key (constant blinding) */
    int retpoline;       /* JIT, x86-64: indirect calls and jumps through a retpoline */
    uint64_t max_insns;  /* both engines: a run stops with an error after this many
                          * instructions (JIT: charged at loop back-edges and calls); 0 = none */
} ebpfjit_hardening;
/* ebpfjit_object_open_opts with hardening; hardening NULL = none. */
ebpfjit_object *ebpfjit_object_open_hardened(const char *path, const ebpfjit_open_options *options,
                                             const ebpfjit_hardening *hardening, char *err, size_t err_size);
/* Pinned maps (docs/loader.md, "Pinning"): objects opened with one registry share the maps
 * they declare pinned (LIBBPF_PIN_BY_NAME, iproute2 PIN_GLOBAL_NS / PIN_OBJECT_NS). Freeing
 * the registry unpins them; objects that use a map keep it. */
typedef struct ebpfjit_pin_registry ebpfjit_pin_registry;
ebpfjit_pin_registry *ebpfjit_pin_registry_new(void);
void ebpfjit_pin_registry_free(ebpfjit_pin_registry *pins);
/* ebpfjit_object_open_hardened with a pin registry; pins NULL = every map private. */
ebpfjit_object *ebpfjit_object_open_pinned(const char *path, const ebpfjit_open_options *options,
                                           const ebpfjit_hardening *hardening, ebpfjit_pin_registry *pins,
                                           char *err, size_t err_size);
/* A map's size set before the object's maps are created (libbpf's bpf_map__set_max_entries
 * between open and load): overrides the declared max_entries (0 included) of the BTF or legacy
 * map called name. */
typedef struct {
    const char *name;
    uint32_t max_entries; /* at least 1 */
} ebpfjit_map_size;
/* Everything ebpfjit_object_open_pinned takes beyond the options; zero-initialised = none. */
typedef struct {
    const ebpfjit_hardening *hardening; /* NULL: none */
    ebpfjit_pin_registry *pins;         /* NULL: every map private */
    const ebpfjit_map_size *map_sizes;  /* n_map_sizes entries; a name the object does not
                                         * define fails the open */
    size_t n_map_sizes;
    /* Data sections whose variables are inlined as Cilium's loader does for CONFIG()
     * (OpenOptions::inline_globals): n_inline_globals names, e.g. ".rodata.config". */
    const char *const *inline_globals;
    size_t n_inline_globals;
    /* libbpf's btf_custom_path (OpenOptions::core_btf): a file whose BTF (an ELF object's
     * .BTF or a raw BTF file such as /sys/kernel/btf/vmlinux) answers the CO-RE relocations
     * ebpfjit's own uapi does not. NULL or "": none. */
    const char *core_btf;
} ebpfjit_open_ext;
/* ebpfjit_object_open_pinned with map sizes; ext NULL = none of the above. */
ebpfjit_object *ebpfjit_object_open_ext(const char *path, const ebpfjit_open_options *options,
                                        const ebpfjit_open_ext *ext, char *err, size_t err_size);
void ebpfjit_object_close(ebpfjit_object *object);

/* NULL when the object has no such program (or it cannot be prepared). */
ebpfjit_program *ebpfjit_object_program(ebpfjit_object *object, const char *name, char *err, size_t err_size);
/* NULL when the object has no such map. */
ebpfjit_map *ebpfjit_object_map(ebpfjit_object *object, const char *name);

/* bpf_timer (helpers 169-172): runs, on the calling thread, the callbacks of this object's
 * timers due at now_ns (CLOCK_MONOTONIC ns; 0 = now), as Object::run_expired_timers.
 * Returns how many ran, or -1 with err set when a callback faults. */
int64_t ebpfjit_object_run_timers(ebpfjit_object *object, uint64_t now_ns, char *err, size_t err_size);
/* The earliest expiry (CLOCK_MONOTONIC ns) of an armed timer of this object, or 0 when none. */
uint64_t ebpfjit_object_next_timer(const ebpfjit_object *object);

/* mem programs: r1 = mem, r2 = size. Returns 0 and sets *r0, or -1 with err set. */
int ebpfjit_program_run_mem(ebpfjit_program *program, void *mem, size_t size, uint64_t *r0, char *err,
                            size_t err_size);

/* The same on a chosen engine (the interpreter always works; the JIT when the object was
 * opened with EBPFJIT_ENGINE_JIT). */
int ebpfjit_program_run_mem_engine(ebpfjit_program *program, ebpfjit_engine engine, void *mem, size_t size,
                                   uint64_t *r0, char *err, size_t err_size);

/* Per-CPU maps have one slot per worker thread: each worker calls this once. Returns the
 * slot (>= 0) or -1 with err set (all slots taken). */
int ebpfjit_register_worker_thread(char *err, size_t err_size);

/* ---- XDP -------------------------------------------------------------------------- */

/* enum xdp_action */
#define EBPFJIT_XDP_ABORTED 0
#define EBPFJIT_XDP_DROP 1
#define EBPFJIT_XDP_PASS 2
#define EBPFJIT_XDP_TX 3
#define EBPFJIT_XDP_REDIRECT 4

typedef struct {
    uint32_t action;        /* EBPFJIT_XDP_*: what to do with the frame */
    uint32_t r0;            /* what the program returned */
    uint32_t redirect_port; /* EBPFJIT_XDP_REDIRECT: bpf_redirect's ifindex or the DEVMAP value */
    uint64_t redirect_flags; /* BPF_F_BROADCAST / BPF_F_EXCLUDE_INGRESS (redirect_map) */
} ebpfjit_xdp_result;

/* A reusable frame buffer: 256 B headroom, the packet, tailroom. frame_size 0 = 4096. */
ebpfjit_xdp_frame *ebpfjit_xdp_frame_new(uint32_t frame_size);
void ebpfjit_xdp_frame_free(ebpfjit_xdp_frame *frame);
/* Copies the packet in (no metadata). 0, or -1 with err set when it does not fit. */
int ebpfjit_xdp_frame_load(ebpfjit_xdp_frame *frame, const void *packet, size_t len, uint32_t ingress_ifindex,
                           uint32_t rx_queue_index, char *err, size_t err_size);
/* The packet as the program left it (after adjust_head/tail); *len its length. */
uint8_t *ebpfjit_xdp_frame_data(ebpfjit_xdp_frame *frame, size_t *len);
/* The metadata area in front of the packet (bpf_xdp_adjust_meta); *len its length. */
uint8_t *ebpfjit_xdp_frame_meta(ebpfjit_xdp_frame *frame, size_t *len);

/* 0 and *result, or -1 with err set (wrong program type, engine fault). */
int ebpfjit_program_run_xdp(ebpfjit_program *program, ebpfjit_xdp_frame *frame, ebpfjit_xdp_result *result,
                            char *err, size_t err_size);
/* n frames with one call; results[0..n). 0, or -1 with err naming the frame index. */
int ebpfjit_program_run_xdp_burst(ebpfjit_program *program, ebpfjit_xdp_frame *const *frames, size_t n,
                                  ebpfjit_xdp_result *results, char *err, size_t err_size);
/* Zero copy: n packets in the embedder's own buffers (ebpfjit/xdp_buffer.h), run in place
 * with one call; every frame's ingress is ingress_ifindex / rx_queue_index. The program
 * reads and writes the embedder's bytes; bpf_xdp_adjust_head/meta/tail move the packet
 * within its buffer (the whole capacity is room; at least ETH_HLEN bytes of packet, at
 * most 32 of metadata), and each buffer's headroom, length and meta_length come back as
 * the program left them. 0, or -1 with err naming the frame index (an invalid buffer or
 * an engine fault; results and bounds before it are filled). */
int ebpfjit_program_run_xdp_buffers(ebpfjit_program *program, ebpfjit_xdp_buffer *buffers, size_t n,
                                    uint32_t ingress_ifindex, uint32_t rx_queue_index, ebpfjit_xdp_result *results,
                                    char *err, size_t err_size);
/* "XDP_PASS", ... ("XDP_UNKNOWN" for other values). */
const char *ebpfjit_xdp_action_name(uint32_t action);

/* ---- tc / socket filter ------------------------------------------------------------ */

/* A reusable socket buffer. capacity 0 = 4096. */
ebpfjit_skb *ebpfjit_skb_new(uint32_t capacity);
void ebpfjit_skb_free(ebpfjit_skb *skb);
/* Copies the frame in; ifindex goes to __sk_buff ifindex and ingress_ifindex. */
int ebpfjit_skb_load(ebpfjit_skb *skb, const void *frame, size_t len, uint32_t ifindex, char *err,
                     size_t err_size);
uint8_t *ebpfjit_skb_data(ebpfjit_skb *skb, size_t *len);
/* tc: *code = TC_ACT_* as returned; *redirect_port when TC_ACT_REDIRECT had a target. */
int ebpfjit_program_run_tc(ebpfjit_program *program, ebpfjit_skb *skb, int32_t *code, uint32_t *redirect_port,
                           char *err, size_t err_size);
/* socket filter: *keep = bytes to keep (0 = drop). */
int ebpfjit_program_run_socket_filter(ebpfjit_program *program, ebpfjit_skb *skb, uint32_t *keep, char *err,
                                      size_t err_size);

/* ---- cgroup socket programs (ebpfjit_sock_ctx.h, docs/cgroup-sock.md) -------------- */

struct ebpfjit_sock_addr_ctx;
struct ebpfjit_sock_ctx;
/* cgroup/connect4, sendmsg6, recvmsg4, bind6, ...: *verdict = r0 (1 go on, 0 refuse; bind
 * 0..3). ctx->addr holds what the program rewrote. 0, or -1 with err set. */
int ebpfjit_program_run_sock_addr(ebpfjit_program *program, struct ebpfjit_sock_addr_ctx *ctx, uint32_t *verdict,
                                  char *err, size_t err_size);
/* cgroup/sock_create, sock_release, post_bind4/6: *verdict = r0 (1 go on, 0 refuse). */
int ebpfjit_program_run_sock(ebpfjit_program *program, struct ebpfjit_sock_ctx *ctx, uint32_t *verdict, char *err,
                             size_t err_size);

/* ---- the network the helpers see (docs/helpers.md) -------------------------------- */

/* Devices, routes, neighbours and the netns cookie of one network namespace, for
 * bpf_fib_lookup, bpf_check_mtu, bpf_clone_redirect and bpf_get_netns_cookie. Objects
 * opened with it share it: it may be changed while their programs run, and freeing it
 * leaves them their reference. Without one, those helpers answer as a kernel with empty
 * tables (fib_lookup: BPF_FIB_LKUP_RET_NOT_FWDED; check_mtu: -ENODEV; ...). */
typedef struct ebpfjit_network ebpfjit_network;

#define EBPFJIT_ROUTE_UNICAST 0
#define EBPFJIT_ROUTE_BLACKHOLE 1
#define EBPFJIT_ROUTE_UNREACHABLE 2
#define EBPFJIT_ROUTE_PROHIBIT 3
#define EBPFJIT_ROUTE_LOCAL 4

ebpfjit_network *ebpfjit_network_new(void);
void ebpfjit_network_free(ebpfjit_network *network);
/* mtu is L3 (1500 for Ethernet); mac may be NULL (zero); forwarding 0 makes fib_lookup
 * answer BPF_FIB_LKUP_RET_FWD_DISABLED for packets coming in on it. 0 or -EINVAL. */
int ebpfjit_network_add_device(ebpfjit_network *network, uint32_t ifindex, uint32_t mtu, const uint8_t *mac,
                               int forwarding);
/* family AF_INET (addresses 4 bytes, network order) or AF_INET6 (16 bytes); gateway NULL
 * for an on-link route, else of family gateway_family; table 0 = main (254). 0 or -EINVAL. */
int ebpfjit_network_add_route(ebpfjit_network *network, int family, const void *prefix, uint8_t prefix_len,
                              uint32_t type, uint32_t ifindex, int gateway_family, const void *gateway,
                              uint32_t metric, uint32_t table);
int ebpfjit_network_add_neighbour(ebpfjit_network *network, uint32_t ifindex, int family, const void *address,
                                  const uint8_t *mac);
void ebpfjit_network_set_netns_cookie(ebpfjit_network *network, uint64_t cookie);
/* ebpfjit_object_open_hardened whose programs see `network` (NULL = none). */
ebpfjit_object *ebpfjit_object_open_network(const char *path, const ebpfjit_open_options *options,
                                            const ebpfjit_hardening *hardening, ebpfjit_network *network,
                                            char *err, size_t err_size);

/* The socket the skb belongs to (after ebpfjit_skb_load, which clears it): cookie,
 * cgroup v2 id, net_cls classid for bpf_get_socket_cookie / bpf_skb_cgroup_id /
 * bpf_get_cgroup_classid. */
void ebpfjit_skb_set_socket(ebpfjit_skb *skb, uint64_t cookie, uint64_t cgroup_id, uint32_t classid);

/* What the C++ SkbMetadata gives a load besides the frame and ifindex (SkbPacket), and
 * what a run left in the __sk_buff fields. In: ebpfjit_skb_meta_init sets the defaults,
 * ebpfjit_skb_load_meta loads with them. Out: ebpfjit_skb_get_meta (after a run: mark,
 * priority, tstamp, tc_index, tc_classid, queue_mapping, hash, vlan, protocol as the
 * program left them). Byte order as in struct __sk_buff. */
typedef struct {
    uint32_t ifindex;
    uint32_t ingress_ifindex; /* load: 0 = ifindex */
    uint32_t pkt_type;        /* PACKET_HOST, ... */
    uint32_t mark;
    uint32_t priority;
    uint32_t queue_mapping;
    uint32_t hash;
    int hash_valid;           /* load: -1 = valid when hash != 0; else 0 / 1 */
    uint32_t tc_index;
    uint32_t tc_classid;      /* out only (bpf's skb->tc_classid) */
    uint32_t napi_id;
    uint64_t tstamp;          /* skb->tstamp, ns (0: none); tc programs may set it (EDT) */
    int vlan_present;
    uint16_t vlan_tci;
    uint16_t vlan_proto;      /* network order */
    uint16_t protocol;        /* network order; load: 0 = the Ethernet type of bytes 12-13 */
    uint32_t linear_length;   /* bytes reachable by direct access; load: 0 = all */
    uint32_t route_realm;     /* dst->tclassid (bpf_get_route_realm) */
    uint32_t mac_header_length; /* load: ebpfjit_skb_meta_init's 14 */
} ebpfjit_skb_meta;
void ebpfjit_skb_meta_init(ebpfjit_skb_meta *meta);
int ebpfjit_skb_load_meta(ebpfjit_skb *skb, const void *frame, size_t len, const ebpfjit_skb_meta *meta, char *err,
                          size_t err_size);
void ebpfjit_skb_get_meta(ebpfjit_skb *skb, ebpfjit_skb_meta *meta);
/* skb->tstamp between load and run (SkbPacket::set_tstamp), and after a run. */
void ebpfjit_skb_set_tstamp(ebpfjit_skb *skb, uint64_t ns);
uint64_t ebpfjit_skb_tstamp(const ebpfjit_skb *skb);
/* ebpfjit_skb_set_socket with the ids of the cgroups above cgroup_id (SkbSocket's
 * cgroup_ancestors): bpf_skb_under_cgroup answers 1 for them too. 0 or -EINVAL / -ENOMEM. */
int ebpfjit_skb_set_socket_cgroups(ebpfjit_skb *skb, uint64_t cookie, uint64_t cgroup_id, uint32_t classid,
                                   const uint64_t *ancestors, size_t n_ancestors);

/* Tunnel metadata in bpf_tunnel_key's terms (IPv4 addresses host order in [0]). */
typedef struct {
    int present; /* ebpfjit_skb_tunnel: 0 = none */
    int ipv6;
    int tx;      /* set by bpf_skb_set_tunnel_key: what the egress tunnel is to use */
    uint64_t id;
    uint32_t remote[4];
    uint32_t local[4];
    uint8_t tos;
    uint8_t ttl;
    uint16_t flags; /* TUNNEL_* bits */
    uint32_t label;
    uint32_t options_len;
    uint8_t options[256];
} ebpfjit_tunnel_info;
/* Received tunnel metadata (after ebpfjit_skb_load); info NULL clears it. 0 or -EINVAL. */
int ebpfjit_skb_set_tunnel(ebpfjit_skb *skb, const ebpfjit_tunnel_info *info);
/* The skb's tunnel metadata now (after a run: what bpf_skb_set_tunnel_key/opt set). */
void ebpfjit_skb_tunnel(const ebpfjit_skb *skb, ebpfjit_tunnel_info *info);
/* Copies bpf_clone_redirect made since the last load: their number, and each one. */
size_t ebpfjit_skb_clone_count(const ebpfjit_skb *skb);
const uint8_t *ebpfjit_skb_clone(const ebpfjit_skb *skb, size_t index, size_t *len, uint32_t *ifindex,
                                 int *ingress);

/* bpf(2) syscall semantics: whole values (per-CPU maps: every CPU's value, 8-byte
 * rounded); 0 or a negative errno. key NULL in get_next_key gives the first key. */
uint32_t ebpfjit_map_key_size(const ebpfjit_map *map);
uint32_t ebpfjit_map_value_size(const ebpfjit_map *map);
uint32_t ebpfjit_map_max_entries(const ebpfjit_map *map);
int ebpfjit_map_lookup(const ebpfjit_map *map, const void *key, void *value);
/* -EPERM on a frozen map (.rodata*): the verifier proved with its bytes. */
int ebpfjit_map_update(ebpfjit_map *map, const void *key, const void *value, uint64_t flags);
int ebpfjit_map_delete(ebpfjit_map *map, const void *key);
int ebpfjit_map_get_next_key(const ebpfjit_map *map, const void *key, void *next_key);

#ifdef __cplusplus
}
#endif

#endif /* EBPFJIT_EBPFJIT_H */
