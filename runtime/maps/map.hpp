// The map abstraction every map type implements, with the kernel's syscall semantics:
// errors are negative errno values (-ENOENT, -EEXIST, -E2BIG, -EINVAL, -ENOMEM, ...).
// This layer depends on nothing above it (no helpers, no programs).
//
// Two faces, as in the kernel:
//  - program side (what helpers call): lookup() returns a pointer into the map (this
//    worker's slot for per-CPU maps); update() of a per-CPU map writes this worker's slot.
//  - syscall side (what embedders, the loader and the CLI call): lookup_copy()/update_copy()
//    move whole values; for per-CPU maps all possible CPUs' values, each rounded up to
//    8 bytes (value_copy_size()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ebpfjit::maps {

class TimerTable; // runtime/maps/timer_table.hpp

// The kernel-internal errno bpf(2) returns for operations a map type lacks.
inline constexpr int kENOTSUPP = 524;

// type uses the kernel's numbers: BPF_MAP_TYPE_* from <linux/bpf.h>.
struct MapDefinition {
    uint32_t type = 0;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t max_entries = 0;
    uint32_t flags = 0; // BPF_F_NO_PREALLOC, ...
    std::string name;
    std::shared_ptr<const MapDefinition> inner; // template for ARRAY_OF_MAPS / HASH_OF_MAPS
    // Additive: byte offset of struct bpf_spin_lock in the value (from BTF), -1 when none.
    int32_t spin_lock_offset = -1;
    // Additive: byte offset of struct bpf_timer (16 bytes) in the value (from BTF), -1 when
    // none. The map keeps the timers (runtime/maps/timer_table.hpp); value copies skip it.
    int32_t timer_offset = -1;
    // Additive: the kernel's map_extra (BLOOM_FILTER: low 4 bits = number of hash functions).
    uint64_t map_extra = 0;
    // Additive: the single value of a frozen BPF_F_RDONLY_PROG array (.rodata) as loaded,
    // so the verifier can read constant strings from it (the kernel's bpf_map_direct_read).
    // Null when the contents are not known before the program runs.
    std::shared_ptr<const std::vector<uint8_t>> frozen_value = nullptr;
};

// Where a batch operation continues; start with a default-constructed cursor.
struct BatchCursor {
    std::vector<uint8_t> last_key; // last key handed out (empty: start from the first key)
    bool started = false;
};

class Map {
public:
    explicit Map(MapDefinition def);
    virtual ~Map();
    Map(const Map&) = delete;
    Map& operator=(const Map&) = delete;

    const MapDefinition& definition() const { return def_; }
    // Process-unique id (what bpftool prints; the value of map-in-map slots on the syscall side).
    uint32_t id() const { return id_; }
    const std::string& name() const { return def_.name; }

    // ---- program side ---------------------------------------------------------------
    // bpf_map_lookup_elem: pointer to the value in place, or nullptr. No global lock.
    virtual void* lookup(const void* key) = 0;
    // update/delete with BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK; 0 or -errno.
    virtual int update(const void* key, const void* value, uint64_t flags) = 0;
    virtual int remove(const void* key) = 0;
    // key == nullptr or a missing key gives the first key. -ENOENT after the last.
    virtual int get_next_key(const void* key, void* next_key) = 0;
    // bpf_map_lookup_percpu_elem: the value of `key` on `cpu`; nullptr for non-per-CPU maps.
    virtual void* lookup_percpu(const void* key, uint32_t cpu);
    // QUEUE / STACK / BLOOM_FILTER (bpf_map_push_elem / pop / peek).
    virtual int push(const void* value, uint64_t flags);
    virtual int pop(void* value);
    virtual int peek(void* value);

    // ---- syscall side ---------------------------------------------------------------
    virtual bool is_percpu() const { return false; }
    // Bytes lookup_copy() writes and update_copy() reads.
    uint32_t value_copy_size() const;
    // BPF_MAP_LOOKUP_ELEM (flags: 0 or BPF_F_LOCK). The bpf_spin_lock field reads as zero.
    virtual int lookup_copy(const void* key, void* value_out, uint64_t flags = 0);
    // BPF_MAP_UPDATE_ELEM: like update(), but per-CPU maps take every CPU's value.
    virtual int update_copy(const void* key, const void* value, uint64_t flags);
    // BPF_MAP_LOOKUP_AND_DELETE_ELEM (QUEUE/STACK: pop; hash maps: lookup then delete).
    virtual int lookup_and_delete(const void* key, void* value_out, uint64_t flags = 0);

    // Batch commands. count is in/out: capacity of keys/values in elements, then how many
    // were processed. lookup batches return 0 while more remain and -ENOENT at the end
    // (count still set), as BPF_MAP_LOOKUP_BATCH does.
    int lookup_batch(BatchCursor& cursor, void* keys, void* values, uint32_t& count,
                     uint64_t elem_flags = 0);
    int lookup_and_delete_batch(BatchCursor& cursor, void* keys, void* values, uint32_t& count,
                                uint64_t elem_flags = 0);
    int update_batch(const void* keys, const void* values, uint32_t& count, uint64_t elem_flags);
    int delete_batch(const void* keys, uint32_t& count, uint64_t elem_flags = 0);

    // Visits every entry with its key and program-side value pointer; stop by returning
    // false. Returns the number of entries visited. Not a snapshot under concurrent updates.
    using Visitor = std::function<bool(const void* key, void* value)>;
    virtual size_t for_each(const Visitor& visit);

    // The timers of a map whose values hold a struct bpf_timer (MapDefinition::timer_offset),
    // else nullptr. They are cancelled when the map goes away.
    TimerTable* timers() const { return timers_.get(); }
    // The key of the element whose (program-side) value is `value`, for a timer callback's
    // r2: hash maps return the stored key, arrays write the index into `index`.
    virtual const void* timer_key(const void* value, uint32_t& index) const;

    // Bytes charged to the memory budget for this map (released on destruction).
    uint64_t charged_bytes() const { return charged_; }
    void adopt_charge(uint64_t bytes) { charged_ = bytes; }

protected:
    bool has_spin_lock() const { return def_.spin_lock_offset >= 0; }
    // The element holding `value` is deleted or replaced: its bpf_timer is cancelled and
    // freed (the kernel's bpf_obj_free_fields). Nothing for maps without timers.
    void release_timer(void* value);
    // The flag checks every lookup_copy shares: -EINVAL for unknown flags or BPF_F_LOCK
    // without a bpf_spin_lock in the value.
    int check_lookup_flags(uint64_t flags) const;

private:
    int batch_walk(BatchCursor& cursor, void* keys, void* values, uint32_t& count,
                   uint64_t elem_flags, bool and_delete);

    MapDefinition def_;
    uint32_t id_;
    uint64_t charged_ = 0;
    std::unique_ptr<TimerTable> timers_;
};

// The map with this id while it is alive, else nullptr (ids are never reused).
Map* find_map_by_id(uint32_t id);

} // namespace ebpfjit::maps
