#include "runtime/maps/map_factory.hpp"

#include "runtime/maps/timer_table.hpp"

#include <linux/bpf.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "runtime/maps/array_map.hpp"
#include "runtime/maps/bloom_filter_map.hpp"
#include "runtime/maps/cgroup_array.hpp"
#include "runtime/maps/devmap.hpp"
#include "runtime/maps/element_pool.hpp"
#include "runtime/maps/hash_map.hpp"
#include "runtime/maps/lpm_trie_map.hpp"
#include "runtime/maps/map_in_map.hpp"
#include "runtime/maps/memory_budget.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/maps/percpu_array_map.hpp"
#include "runtime/maps/perf_event_array.hpp"
#include "runtime/maps/queue_stack_map.hpp"
#include "runtime/maps/ringbuf_map.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime/maps/timer_table.hpp"

namespace ebpfjit::maps {
namespace {

// The kernel's size limits (include/linux/slab.h, bpf.h, percpu.h, lpm_trie.c).
constexpr uint64_t kKmallocMax = uint64_t{1} << 22;
constexpr uint32_t kMaxBpfStack = 512;
constexpr uint32_t kPercpuMinUnit = 32768;
constexpr uint32_t kLpmDataSizeMax = 256;
constexpr uint32_t kPage = 4096;

constexpr uint32_t kAccessMask = BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
constexpr uint32_t kArrayFlags =
    BPF_F_NUMA_NODE | BPF_F_MMAPABLE | kAccessMask | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
constexpr uint32_t kHashFlags =
    BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | kAccessMask | BPF_F_ZERO_SEED;
constexpr uint32_t kLpmFlags = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | kAccessMask;
constexpr uint32_t kQueueFlags = BPF_F_NUMA_NODE | kAccessMask;
constexpr uint32_t kBloomFlags = BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | kAccessMask;
constexpr uint32_t kDevmapFlags = BPF_F_NUMA_NODE | kAccessMask;
constexpr uint32_t kRingbufFlags = BPF_F_NUMA_NODE;

const char* errno_name(int err) {
    switch (err) {
    case EINVAL: return "EINVAL";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case kENOTSUPP: return "ENOTSUPP";
    default: return "errno";
    }
}

// Collects the first problem with a definition.
struct Check {
    const MapDefinition& def;
    int err = 0;
    std::string why;

    bool fails(bool bad, int code, std::string reason) {
        if (bad && err == 0) {
            err = code;
            why = std::move(reason);
        }
        return bad;
    }
    Error error() const {
        std::string_view type = map_type_name(def.type);
        return Error::plain(fmt::format("map '{}' ({}): {} ({})", def.name,
                                        type.empty() ? fmt::format("type {}", def.type)
                                                     : std::string(type),
                                        why, errno_name(err)));
    }
};

bool is_percpu_type(uint32_t type) {
    return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

void check_flags(Check& c, uint32_t allowed) {
    const MapDefinition& d = c.def;
    c.fails(d.flags & ~allowed, EINVAL, fmt::format("unsupported flags {:#x}", d.flags & ~allowed));
    c.fails((d.flags & BPF_F_RDONLY) && (d.flags & BPF_F_WRONLY), EINVAL,
            "BPF_F_RDONLY and BPF_F_WRONLY together");
    c.fails((d.flags & BPF_F_RDONLY_PROG) && (d.flags & BPF_F_WRONLY_PROG), EINVAL,
            "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
}

void check_nonzero(Check& c, bool key, bool value) {
    c.fails(c.def.max_entries == 0, EINVAL, "max_entries must be > 0");
    if (key) c.fails(c.def.key_size == 0, EINVAL, "key_size must be > 0");
    if (value) c.fails(c.def.value_size == 0, EINVAL, "value_size must be > 0");
}

void check_array(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, false, true);
    c.fails(d.key_size != 4, EINVAL, fmt::format("key_size must be 4, not {}", d.key_size));
    check_flags(c, kArrayFlags);
    c.fails(d.type != BPF_MAP_TYPE_ARRAY && (d.flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)),
            EINVAL, "BPF_F_MMAPABLE / BPF_F_INNER_MAP only apply to ARRAY");
    c.fails(d.flags & BPF_F_PRESERVE_ELEMS, EINVAL, "BPF_F_PRESERVE_ELEMS is for PERF_EVENT_ARRAY");
    c.fails(d.value_size > kKmallocMax, E2BIG, fmt::format("value_size {} too large", d.value_size));
}

// fd_array_map_alloc_check: an array of u32 "fds"; here, embedder-polled sample queues.
void check_perf_event_array(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, false, true);
    c.fails(d.key_size != 4, EINVAL, fmt::format("key_size must be 4, not {}", d.key_size));
    c.fails(d.value_size != 4, EINVAL, fmt::format("value_size must be 4, not {}", d.value_size));
    check_flags(c, BPF_F_NUMA_NODE | kAccessMask | BPF_F_PRESERVE_ELEMS);
}

// fd_array_map_alloc_check for a cgroup array: u32 keys, u32 cgroup fds.
void check_cgroup_array(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, false, true);
    c.fails(d.key_size != 4, EINVAL, fmt::format("key_size must be 4, not {}", d.key_size));
    c.fails(d.value_size != 4, EINVAL, fmt::format("value_size must be 4 (a cgroup fd), not {}", d.value_size));
    check_flags(c, BPF_F_NUMA_NODE | kAccessMask);
}

void check_hash(Check& c) {
    const MapDefinition& d = c.def;
    const bool lru = d.type == BPF_MAP_TYPE_LRU_HASH || d.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    check_flags(c, kHashFlags);
    c.fails(!lru && (d.flags & BPF_F_NO_COMMON_LRU), EINVAL, "BPF_F_NO_COMMON_LRU needs an LRU map");
    c.fails(lru && (d.flags & BPF_F_NO_PREALLOC), kENOTSUPP,
            "LRU maps are always preallocated (BPF_F_NO_PREALLOC)");
    check_nonzero(c, true, true);
    c.fails(d.key_size > kMaxBpfStack, E2BIG,
            fmt::format("key_size {} exceeds the 512-byte BPF stack", d.key_size));
    c.fails(uint64_t{d.key_size} + d.value_size >= kKmallocMax - ElementPool::kHeaderSize, E2BIG,
            "key_size + value_size too large");
}

void check_lpm(Check& c) {
    const MapDefinition& d = c.def;
    c.fails(d.max_entries == 0, EINVAL, "max_entries must be > 0");
    c.fails(!(d.flags & BPF_F_NO_PREALLOC), EINVAL, "LPM_TRIE requires BPF_F_NO_PREALLOC");
    check_flags(c, kLpmFlags);
    c.fails(d.key_size < 5 || d.key_size > 4 + kLpmDataSizeMax, EINVAL,
            fmt::format("key_size {} must be 4 + 1..256 prefix bytes", d.key_size));
    c.fails(d.value_size < 1 || d.value_size > kKmallocMax - kLpmDataSizeMax - 64, EINVAL,
            fmt::format("value_size {} out of range", d.value_size));
}

void check_queue_stack(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, false, true);
    c.fails(d.key_size != 0, EINVAL, "key_size must be 0");
    check_flags(c, kQueueFlags);
    c.fails(d.value_size > kKmallocMax, E2BIG, "value_size too large");
}

void check_ringbuf(Check& c) {
    const MapDefinition& d = c.def;
    check_flags(c, kRingbufFlags);
    c.fails(d.key_size != 0 || d.value_size != 0, EINVAL, "key_size and value_size must be 0");
    c.fails(d.max_entries == 0 || !std::has_single_bit(d.max_entries) || d.max_entries % kPage,
            EINVAL,
            fmt::format("max_entries {} must be a power of 2 and a multiple of {} bytes",
                        d.max_entries, kPage));
}

void check_bloom(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, false, true);
    c.fails(d.key_size != 0, EINVAL, "key_size must be 0");
    check_flags(c, kBloomFlags);
    c.fails(d.map_extra & ~uint64_t{0xf}, EINVAL,
            "map_extra holds only the number of hash functions (1..15)");
}

void check_map_in_map(Check& c) {
    const MapDefinition& d = c.def;
    if (d.type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
        c.fails(d.value_size != 4, EINVAL, "value_size must be 4 (a map fd)");
        c.fails(d.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), EINVAL,
                "BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG not allowed");
        check_array(c);
    } else {
        c.fails(d.value_size != 4, EINVAL, "value_size must be 4 (a map fd)");
        check_hash(c);
    }
    if (c.fails(!d.inner, EBADF, "needs an inner map definition")) return;
    const uint32_t t = d.inner->type;
    c.fails(t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS, EINVAL,
            "maps of maps cannot nest further");
    c.fails(t == BPF_MAP_TYPE_PROG_ARRAY, EINVAL, "a PROG_ARRAY cannot be an inner map");
    c.fails(d.inner->spin_lock_offset >= 0, kENOTSUPP, "inner maps cannot hold a bpf_spin_lock");
    // The kernel allows them (told apart by map_uid); ebpfjit's verifier knows an inner map
    // by its template only, so it could not check bpf_timer_init's map argument.
    c.fails(d.inner->timer_offset >= 0, kENOTSUPP, "inner maps with a bpf_timer are not supported by ebpfjit");
}

void check_devmap(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, false, false);
    c.fails(d.key_size != 4, EINVAL, "key_size must be 4");
    c.fails(d.value_size != 4 && d.value_size != 8, EINVAL,
            "value_size must be 4 (ifindex) or 8 (struct bpf_devmap_val)");
    check_flags(c, kDevmapFlags);
}

// sock_map_alloc / sock_hash_alloc: a value is a u32 or u64 (the socket's fd from user
// space, its cookie back); SOCKMAP keys are u32 indexes, SOCKHASH keys up to the BPF stack.
void check_socket_map(Check& c) {
    const MapDefinition& d = c.def;
    check_nonzero(c, true, false);
    if (d.type == BPF_MAP_TYPE_SOCKMAP)
        c.fails(d.key_size != 4, EINVAL, fmt::format("key_size must be 4, not {}", d.key_size));
    c.fails(d.value_size != 4 && d.value_size != 8, EINVAL,
            fmt::format("value_size must be 4 or 8 (a socket fd or cookie), not {}", d.value_size));
    check_flags(c, BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY);
    c.fails(d.key_size > kMaxBpfStack, E2BIG,
            fmt::format("key_size {} exceeds the 512-byte BPF stack", d.key_size));
}

void check_spin_lock(Check& c) {
    const MapDefinition& d = c.def;
    if (d.spin_lock_offset < 0) return;
    c.fails(d.type != BPF_MAP_TYPE_HASH && d.type != BPF_MAP_TYPE_ARRAY, EOPNOTSUPP,
            "bpf_spin_lock is only allowed in HASH and ARRAY values");
    c.fails(d.spin_lock_offset % 4 != 0 ||
                uint64_t(d.spin_lock_offset) + 4 > d.value_size,
            EINVAL,
            fmt::format("bpf_spin_lock at offset {} must be 4-aligned and inside the {}-byte value",
                        d.spin_lock_offset, d.value_size));
}

// The kernel's map_check_btf: a bpf_timer only in HASH, LRU_HASH and ARRAY values
// (-EOPNOTSUPP), 8-aligned (btf_parse_fields: -EINVAL), never in maps programs may only
// read or only write (-EACCES).
void check_timer(Check& c) {
    const MapDefinition& d = c.def;
    if (d.timer_offset < 0) return;
    c.fails(d.type != BPF_MAP_TYPE_HASH && d.type != BPF_MAP_TYPE_LRU_HASH && d.type != BPF_MAP_TYPE_ARRAY,
            EOPNOTSUPP, "bpf_timer is only allowed in HASH, LRU_HASH and ARRAY values");
    c.fails(d.timer_offset % kTimerAlign != 0 || uint64_t(d.timer_offset) + kTimerSize > d.value_size, EINVAL,
            fmt::format("bpf_timer at offset {} must be 8-aligned and inside the {}-byte value", d.timer_offset,
                        d.value_size));
    c.fails(d.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), EACCES,
            "a value with a bpf_timer cannot be BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG");
}

uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

uint64_t hash_bytes(const MapDefinition& d, uint64_t cpus) {
    return (ElementPool::kHeaderSize + round8(d.key_size) + round8(d.value_size) * cpus) *
               d.max_entries +
           8 * std::bit_ceil(uint64_t{d.max_entries});
}

uint64_t estimate_bytes(const MapDefinition& d) {
    const uint64_t cpus = is_percpu_type(d.type) ? possible_cpus() : 1;
    switch (d.type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY: return round8(d.value_size) * d.max_entries * cpus;
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: return hash_bytes(d, cpus);
    case BPF_MAP_TYPE_LPM_TRIE: // real and intermediate nodes
        return 2 * uint64_t{d.max_entries} * round8(32 + d.key_size + d.value_size);
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK: return uint64_t{d.value_size} * (uint64_t{d.max_entries} + 1);
    case BPF_MAP_TYPE_RINGBUF: return uint64_t{d.max_entries} + kPage;
    case BPF_MAP_TYPE_BLOOM_FILTER: return BloomFilterMap::bitset_bytes(d);
    case BPF_MAP_TYPE_ARRAY_OF_MAPS: return 8 * uint64_t{d.max_entries};
    case BPF_MAP_TYPE_HASH_OF_MAPS: {
        MapDefinition slots = d;
        slots.value_size = 8;
        return hash_bytes(slots, 1);
    }
    case BPF_MAP_TYPE_DEVMAP: return 8 * uint64_t{d.max_entries};
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY: // slot headers; samples are bounded per slot
        return 128 * uint64_t{d.max_entries};
    case BPF_MAP_TYPE_CGROUP_ARRAY: return 8 * uint64_t{d.max_entries};
    case BPF_MAP_TYPE_SOCKMAP: return 8 * uint64_t{d.max_entries};
    case BPF_MAP_TYPE_SOCKHASH: return (64 + round8(d.key_size)) * uint64_t{d.max_entries};
    default: return 0;
    }
}

std::unique_ptr<Map> allocate(const MapDefinition& d) {
    switch (d.type) {
    case BPF_MAP_TYPE_ARRAY: return ArrayMap::create(d);
    case BPF_MAP_TYPE_PERCPU_ARRAY: return PercpuArrayMap::create(d);
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: return HashMap::create(d);
    case BPF_MAP_TYPE_LPM_TRIE: return std::make_unique<LpmTrieMap>(d);
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK: return QueueStackMap::create(d);
    case BPF_MAP_TYPE_RINGBUF: return RingbufMap::create(d);
    case BPF_MAP_TYPE_BLOOM_FILTER: return BloomFilterMap::create(d);
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS: return MapInMap::create(d);
    case BPF_MAP_TYPE_DEVMAP: return DevMap::create(d);
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY: {
        auto m = PerfEventArray::create(d);
        return m ? std::unique_ptr<Map>(std::move(*m)) : nullptr;
    }
    case BPF_MAP_TYPE_CGROUP_ARRAY: {
        auto m = CgroupArray::create(d);
        return m ? std::unique_ptr<Map>(std::move(*m)) : nullptr;
    }
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_SOCKHASH: return SocketMap::create(d);
    default: return nullptr;
    }
}

struct ExternalTypes {
    std::mutex lock;
    std::unordered_map<uint32_t, ExternalMapType> by_type;
};
ExternalTypes& external_types() {
    static ExternalTypes t;
    return t;
}

} // namespace

std::string_view map_type_name(uint32_t type) {
    static constexpr std::array<std::string_view, 32> kNames = {
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
        "percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
        "lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
        "sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
        "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
        "task_storage", "bloom_filter", "user_ringbuf"};
    return type < kNames.size() ? kNames[type] : std::string_view{};
}

void register_map_type(uint32_t type, ExternalMapType creator) {
    auto& t = external_types();
    std::lock_guard guard(t.lock);
    t.by_type[type] = std::move(creator);
}

Result<std::unique_ptr<Map>> create_map(const MapDefinition& def) {
    Check c{def, 0, {}};
    std::optional<ExternalMapType> external;
    {
        auto& t = external_types();
        std::lock_guard guard(t.lock);
        if (auto it = t.by_type.find(def.type); it != t.by_type.end()) external = it->second;
    }
    switch (def.type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
        check_array(c);
        c.fails(def.type == BPF_MAP_TYPE_PERCPU_ARRAY && def.value_size > kPercpuMinUnit, E2BIG,
                fmt::format("per-CPU value_size {} exceeds {}", def.value_size, kPercpuMinUnit));
        break;
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
        check_hash(c);
        c.fails(is_percpu_type(def.type) && def.value_size > kPercpuMinUnit, E2BIG,
                fmt::format("per-CPU value_size {} exceeds {}", def.value_size, kPercpuMinUnit));
        break;
    case BPF_MAP_TYPE_LPM_TRIE: check_lpm(c); break;
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK: check_queue_stack(c); break;
    case BPF_MAP_TYPE_RINGBUF: check_ringbuf(c); break;
    case BPF_MAP_TYPE_BLOOM_FILTER: check_bloom(c); break;
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS: check_map_in_map(c); break;
    case BPF_MAP_TYPE_DEVMAP: check_devmap(c); break;
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY: check_perf_event_array(c); break;
    case BPF_MAP_TYPE_CGROUP_ARRAY: check_cgroup_array(c); break;
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_SOCKHASH: check_socket_map(c); break;
    default:
        c.fails(!external, EINVAL,
                map_type_name(def.type).empty() ? "unknown map type"
                                                : "map type not supported by ebpfjit");
        break;
    }
    check_spin_lock(c);
    check_timer(c);
    if (c.err != 0) return fail(c.error());

    const uint64_t bytes = external ? external->bytes(def) : estimate_bytes(def);
    if (!charge_memory(bytes)) {
        c.fails(true, ENOMEM,
                fmt::format("needs {} bytes, over the map memory budget ({} of {} bytes in use)",
                            bytes, memory_in_use(), memory_budget()));
        return fail(c.error());
    }
    std::unique_ptr<Map> map;
    if (external) {
        auto made = external->create(def);
        if (!made) {
            uncharge_memory(bytes);
            return fail(made.error());
        }
        map = std::move(*made);
    } else {
        map = allocate(def);
    }
    if (!map) {
        uncharge_memory(bytes);
        c.fails(true, ENOMEM, fmt::format("could not allocate {} bytes", bytes));
        return fail(c.error());
    }
    map->adopt_charge(bytes);
    return map;
}

} // namespace ebpfjit::maps
