// BPF_MAP_TYPE_CGROUP_ARRAY: slots naming cgroups, for bpf_skb_under_cgroup. In the kernel
// user space stores a cgroup v2 directory fd in a slot and the map keeps the cgroup; a
// program cannot read the map, it can only ask whether a packet's socket is in (or below)
// the cgroup of a slot. Here a slot holds the cgroup's 64-bit id (what bpf_skb_cgroup_id
// and bpf_get_current_cgroup_id answer, the cgroupfs directory's file handle):
//
//   embedder ── update(&idx, &fd)      a cgroup2 directory fd, as with bpf(2): the id is
//            │                         read from the fd (name_to_handle_at); -EBADF else
//            └─ set_cgroup(idx, id)    the id itself, for embedders without a cgroupfs
//   program ─── bpf_skb_under_cgroup(skb, &map, idx)
//                 compares cgroup_id(idx) with SkbSocket::cgroup_id and its ancestors
//
// key and value are 4 bytes (index, fd), as in the kernel; update takes only BPF_ANY.
// Syscall-side lookup is -ENOTSUPP (the kernel has no map_fd_sys_lookup_elem for it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "ebpfjit/error.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

class CgroupArray final : public Map {
public:
    // Checks the definition (type, key_size 4, value_size 4, max_entries > 0).
    static Result<std::unique_ptr<CgroupArray>> create(MapDefinition def);

    void* lookup(const void* key) override; // nothing: programs cannot read the map
    int lookup_copy(const void* key, void* value_out, uint64_t flags) override;
    // `value` is a cgroup v2 directory fd: 0, -EINVAL (flags), -E2BIG (index), -EBADF.
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override; // 0, -E2BIG or -ENOENT (empty slot)
    int get_next_key(const void* key, void* next_key) override;

    // Embedder side: store a cgroup id directly (0 empties the slot). 0 or -E2BIG.
    int set_cgroup(uint32_t index, uint64_t cgroup_id);
    // Program side: the id in slot `index`, 0 when empty; nullopt when out of range.
    std::optional<uint64_t> cgroup_id(uint32_t index) const;

private:
    explicit CgroupArray(MapDefinition def);
    std::unique_ptr<std::atomic<uint64_t>[]> ids_; // read by running programs, lock-free
};

// The cgroup id of a cgroup v2 directory fd (what bpf(2) reads from the fd a cgroup array
// update passes): -EBADF when fd is not an open cgroup2 directory.
Result<uint64_t> cgroup_id_of_fd(int fd);

} // namespace ebpfjit::maps
