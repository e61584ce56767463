// BPF_MAP_TYPE_SOCKMAP (u32 index keys) and BPF_MAP_TYPE_SOCKHASH (keys of any size):
// maps whose values are sockets (net/core/sock_map.c). Here a value is the cookie of a
// socket of the embedder's SocketTable (include/ebpfjit/socket_table.hpp); this room does
// not know the table, so the rooms above turn sockets into cookies and back:
//
//   program ── bpf_map_update_elem(&map, &key, sk, flags)   helpers/socket_map_helpers.cpp:
//           │                                                a held socket's cookie is stored
//           ├─ bpf_map_lookup_elem(&map, &key)             the table's socket with the stored
//           │                                                cookie, acquired (or NULL)
//           └─ bpf_map_delete_elem(&map, &key)             remove()
//   embedder ─ MapRef::update(key, cookie) / lookup / remove (runtime/map_ref.cpp checks
//              the cookie names a socket of the object's table first)
//
// value_size is 4 or 8 as in the kernel: what a user-space lookup copies out is the
// socket's cookie, and only for value_size 8 (-ENOSPC otherwise, as sock_map_lookup_sys).
// The kernel stores the socket itself and unlinks it from every map when it closes; a
// removed table socket stays here until deleted, and program lookups of it give NULL.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

class SocketMap : public Map {
public:
    // The definition was checked by create_map (map_factory.cpp).
    static std::unique_ptr<SocketMap> create(const MapDefinition& def);

    // Programs never get a pointer into the map: their lookups go through the helper.
    void* lookup(const void*) override { return nullptr; }
    // Stores the socket `cookie` (non-zero) at `key` with the kernel's flag rules:
    // 0, -EINVAL (flags > BPF_EXIST, cookie 0), -E2BIG (index or entries), -EEXIST, -ENOENT.
    virtual int store(const void* key, uint64_t cookie, uint64_t flags) = 0;
    // The cookie stored at `key`, 0 when none.
    virtual uint64_t cookie_at(const void* key) const = 0;

    // The raw store of a cookie held in `value` (u32 or u64 as value_size says), as
    // MapRef::update passes it after checking the socket.
    int update(const void* key, const void* value, uint64_t flags) override;
    // The cookie (value_size 8 only: -ENOSPC), or -ENOENT.
    int lookup_copy(const void* key, void* value_out, uint64_t flags) override;

protected:
    using Map::Map;
};

// SOCKMAP: an array of cookies; readers load one word, writers share a lock.
class SockArrayMap final : public SocketMap {
public:
    explicit SockArrayMap(const MapDefinition& def);
    int store(const void* key, uint64_t cookie, uint64_t flags) override;
    uint64_t cookie_at(const void* key) const override;
    int remove(const void* key) override; // -EINVAL for an index out of range or an empty slot
    int get_next_key(const void* key, void* next_key) override;

private:
    std::unique_ptr<std::atomic<uint64_t>[]> cookies_;
    std::mutex write_lock_;
};

// SOCKHASH: key bytes -> cookie, at most max_entries of them.
class SockHashMap final : public SocketMap {
public:
    explicit SockHashMap(const MapDefinition& def) : SocketMap(def) {}
    int store(const void* key, uint64_t cookie, uint64_t flags) override;
    uint64_t cookie_at(const void* key) const override;
    int remove(const void* key) override; // -ENOENT when absent
    int get_next_key(const void* key, void* next_key) override;

private:
    std::string key_of(const void* key) const;
    mutable std::shared_mutex lock_;
    std::unordered_map<std::string, uint64_t> cookies_;
};

} // namespace ebpfjit::maps
