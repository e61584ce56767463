// The map abstraction every map type implements, with the kernel's syscall semantics:
// errors are negative errno values (-ENOENT, -EEXIST, -E2BIG, -EINVAL, -ENOMEM, ...).
// This layer depends on nothing above it (no helpers, no programs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace ebpfjit::maps {

// type uses the kernel's numbers: BPF_MAP_TYPE_* from <linux/bpf.h>.
struct MapDefinition {
    uint32_t type = 0;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t max_entries = 0;
    uint32_t flags = 0; // BPF_F_NO_PREALLOC, ...
    std::string name;
    std::shared_ptr<const MapDefinition> inner; // template for ARRAY_OF_MAPS / HASH_OF_MAPS
};

class Map {
public:
    explicit Map(MapDefinition def) : def_(std::move(def)) {}
    virtual ~Map() = default;
    Map(const Map&) = delete;
    Map& operator=(const Map&) = delete;

    const MapDefinition& definition() const { return def_; }

    // Program-side lookup (bpf_map_lookup_elem): pointer to the value in place (this
    // worker's slot for per-CPU maps), or nullptr. Must not take a global lock.
    virtual void* lookup(const void* key) = 0;
    // update/delete with BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK; 0 or -errno.
    virtual int update(const void* key, const void* value, uint64_t flags) = 0;
    virtual int remove(const void* key) = 0;
    // key == nullptr or a missing key gives the first key. -ENOENT after the last.
    virtual int get_next_key(const void* key, void* next_key) = 0;

private:
    MapDefinition def_;
};

} // namespace ebpfjit::maps
