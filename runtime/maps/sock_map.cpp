#include "runtime/maps/sock_map.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

namespace ebpfjit::maps {

namespace {

uint32_t index_of(const void* key) {
    uint32_t i;
    std::memcpy(&i, key, sizeof i);
    return i;
}

// sock_map_update_common / sock_hash_update_common: the flags, then the slot's state.
int check_flags(uint64_t flags, bool present) {
    if (flags > BPF_EXIST) return -EINVAL;
    if (present && flags == BPF_NOEXIST) return -EEXIST;
    if (!present && flags == BPF_EXIST) return -ENOENT;
    return 0;
}

} // namespace

std::unique_ptr<SocketMap> SocketMap::create(const MapDefinition& def) {
    if (def.type == BPF_MAP_TYPE_SOCKMAP) return std::make_unique<SockArrayMap>(def);
    return std::make_unique<SockHashMap>(def);
}

int SocketMap::update(const void* key, const void* value, uint64_t flags) {
    uint64_t cookie = 0;
    std::memcpy(&cookie, value, definition().value_size == 8 ? 8 : 4);
    return store(key, cookie, flags);
}

int SocketMap::lookup_copy(const void* key, void* value_out, uint64_t flags) {
    if (flags != 0) return -EINVAL;
    if (definition().value_size != 8) return -ENOSPC; // sock_map_lookup_sys
    const uint64_t cookie = cookie_at(key);
    if (cookie == 0) return -ENOENT;
    std::memcpy(value_out, &cookie, 8);
    return 0;
}

SockArrayMap::SockArrayMap(const MapDefinition& def)
    : SocketMap(def), cookies_(new std::atomic<uint64_t>[def.max_entries]) {
    for (uint32_t i = 0; i < def.max_entries; ++i) cookies_[i].store(0, std::memory_order_relaxed);
}

int SockArrayMap::store(const void* key, uint64_t cookie, uint64_t flags) {
    const uint32_t i = index_of(key);
    if (flags > BPF_EXIST || cookie == 0) return -EINVAL;
    if (i >= definition().max_entries) return -E2BIG;
    std::lock_guard guard(write_lock_);
    if (int err = check_flags(flags, cookies_[i].load(std::memory_order_relaxed) != 0)) return err;
    cookies_[i].store(cookie, std::memory_order_release);
    return 0;
}

uint64_t SockArrayMap::cookie_at(const void* key) const {
    const uint32_t i = index_of(key);
    return i < definition().max_entries ? cookies_[i].load(std::memory_order_acquire) : 0;
}

int SockArrayMap::remove(const void* key) {
    const uint32_t i = index_of(key);
    if (i >= definition().max_entries) return -EINVAL; // sock_map_delete_elem
    std::lock_guard guard(write_lock_);
    return cookies_[i].exchange(0, std::memory_order_acq_rel) != 0 ? 0 : -EINVAL;
}

// sock_map_get_next_key: every index exists, as in an array.
int SockArrayMap::get_next_key(const void* key, void* next_key) {
    const uint32_t max = definition().max_entries;
    const uint32_t i = key ? index_of(key) : UINT32_MAX;
    if (i == max - 1) return -ENOENT;
    const uint32_t next = i >= max ? 0 : i + 1;
    std::memcpy(next_key, &next, sizeof next);
    return 0;
}

std::string SockHashMap::key_of(const void* key) const {
    return std::string(static_cast<const char*>(key), definition().key_size);
}

int SockHashMap::store(const void* key, uint64_t cookie, uint64_t flags) {
    if (flags > BPF_EXIST || cookie == 0) return -EINVAL;
    std::string k = key_of(key);
    std::unique_lock guard(lock_);
    auto it = cookies_.find(k);
    if (int err = check_flags(flags, it != cookies_.end())) return err;
    if (it != cookies_.end()) {
        it->second = cookie;
        return 0;
    }
    if (cookies_.size() >= definition().max_entries) return -E2BIG; // sock_hash_alloc_elem
    cookies_.emplace(std::move(k), cookie);
    return 0;
}

uint64_t SockHashMap::cookie_at(const void* key) const {
    const std::string k = key_of(key);
    std::shared_lock guard(lock_);
    auto it = cookies_.find(k);
    return it == cookies_.end() ? 0 : it->second;
}

int SockHashMap::remove(const void* key) {
    const std::string k = key_of(key);
    std::unique_lock guard(lock_);
    return cookies_.erase(k) ? 0 : -ENOENT;
}

// The key after `key` in the table's order; the first key when `key` is absent.
int SockHashMap::get_next_key(const void* key, void* next_key) {
    std::shared_lock guard(lock_);
    auto it = cookies_.begin();
    if (key) {
        auto found = cookies_.find(key_of(key));
        if (found != cookies_.end()) it = std::next(found);
    }
    if (it == cookies_.end()) return -ENOENT;
    std::memcpy(next_key, it->first.data(), it->first.size());
    return 0;
}

} // namespace ebpfjit::maps
