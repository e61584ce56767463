#include "runtime/maps/map.hpp"

#include <linux/bpf.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "runtime/maps/memory_budget.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/maps/spin_lock.hpp"
#include "runtime/maps/timer_table.hpp"

namespace ebpfjit::maps {
namespace {

struct Registry {
    std::mutex lock;
    std::unordered_map<uint32_t, Map*> by_id;
    uint32_t next_id = 1;
};
Registry& registry() {
    static Registry r;
    return r;
}

uint32_t round8(uint32_t n) { return (n + 7) & ~7u; }

} // namespace

Map::Map(MapDefinition def) : def_(std::move(def)) {
    auto& r = registry();
    std::lock_guard guard(r.lock);
    id_ = r.next_id++;
    r.by_id[id_] = this;
    if (def_.timer_offset >= 0) timers_ = std::make_unique<TimerTable>(*this, uint32_t(def_.timer_offset));
}

Map::~Map() {
    {
        auto& r = registry();
        std::lock_guard guard(r.lock);
        r.by_id.erase(id_);
    }
    if (charged_ != 0) uncharge_memory(charged_);
}

Map* find_map_by_id(uint32_t id) {
    auto& r = registry();
    std::lock_guard guard(r.lock);
    auto it = r.by_id.find(id);
    return it == r.by_id.end() ? nullptr : it->second;
}

void* Map::lookup_percpu(const void*, uint32_t) { return nullptr; }
const void* Map::timer_key(const void*, uint32_t&) const { return nullptr; }

void Map::release_timer(void* value) {
    if (timers_) timers_->release(value);
}
int Map::push(const void*, uint64_t) { return -kENOTSUPP; }
int Map::pop(void*) { return -kENOTSUPP; }
int Map::peek(void*) { return -kENOTSUPP; }

uint32_t Map::value_copy_size() const {
    return is_percpu() ? round8(def_.value_size) * possible_cpus() : def_.value_size;
}

int Map::check_lookup_flags(uint64_t flags) const {
    if (flags & ~uint64_t{BPF_F_LOCK}) return -EINVAL;
    if ((flags & BPF_F_LOCK) && !has_spin_lock()) return -EINVAL;
    return 0;
}

int Map::lookup_copy(const void* key, void* value_out, uint64_t flags) {
    if (int err = check_lookup_flags(flags)) return err;
    void* value = lookup(key);
    if (value == nullptr) return -ENOENT;
    if (flags & BPF_F_LOCK)
        copy_value_locked(def_, value_out, value, value);
    else
        copy_value(def_, value_out, value);
    clear_lock_word(def_, value_out);
    return 0;
}

int Map::update_copy(const void* key, const void* value, uint64_t flags) {
    return update(key, value, flags);
}

int Map::lookup_and_delete(const void*, void*, uint64_t) { return -kENOTSUPP; }

size_t Map::for_each(const Visitor& visit) {
    if (def_.key_size == 0) return 0;
    std::vector<uint8_t> key(def_.key_size), next(def_.key_size);
    size_t visited = 0;
    const void* cursor = nullptr;
    while (get_next_key(cursor, next.data()) == 0) {
        key.swap(next);
        cursor = key.data();
        void* value = lookup(key.data());
        if (value == nullptr) continue; // deleted since get_next_key
        ++visited;
        if (!visit(key.data(), value)) break;
    }
    return visited;
}

int Map::batch_walk(BatchCursor& cursor, void* keys, void* values, uint32_t& count,
                    uint64_t elem_flags, bool and_delete) {
    const uint32_t capacity = count;
    count = 0;
    if (elem_flags & ~uint64_t{BPF_F_LOCK}) return -EINVAL;
    if ((elem_flags & BPF_F_LOCK) && !has_spin_lock()) return -EINVAL;
    if (def_.key_size == 0) return -kENOTSUPP;
    if (capacity == 0) return 0;
    auto* key_out = static_cast<uint8_t*>(keys);
    auto* value_out = static_cast<uint8_t*>(values);
    const uint32_t vsize = value_copy_size();
    std::vector<uint8_t> next(def_.key_size);
    while (count < capacity) {
        // After deleting what we handed out, the first remaining key is where to go on.
        const void* from = (cursor.started && !and_delete) ? cursor.last_key.data() : nullptr;
        int err = get_next_key(from, next.data());
        if (err == -ENOENT) return -ENOENT;
        if (err != 0) return err;
        cursor.started = true;
        cursor.last_key = next;
        uint8_t* vdst = value_out + size_t{count} * vsize;
        err = and_delete ? lookup_and_delete(next.data(), vdst, elem_flags)
                         : lookup_copy(next.data(), vdst, elem_flags);
        if (err == -ENOENT) continue; // raced with a delete
        if (err != 0) return err;
        std::memcpy(key_out + size_t{count} * def_.key_size, next.data(), def_.key_size);
        ++count;
    }
    // Tell the caller whether anything is left, as the kernel does on the last batch.
    const void* from = and_delete ? nullptr : cursor.last_key.data();
    return get_next_key(from, next.data()) == -ENOENT ? -ENOENT : 0;
}

int Map::lookup_batch(BatchCursor& cursor, void* keys, void* values, uint32_t& count,
                      uint64_t elem_flags) {
    return batch_walk(cursor, keys, values, count, elem_flags, false);
}

int Map::lookup_and_delete_batch(BatchCursor& cursor, void* keys, void* values, uint32_t& count,
                                 uint64_t elem_flags) {
    return batch_walk(cursor, keys, values, count, elem_flags, true);
}

int Map::update_batch(const void* keys, const void* values, uint32_t& count, uint64_t elem_flags) {
    const uint32_t total = count;
    count = 0;
    auto* k = static_cast<const uint8_t*>(keys);
    auto* v = static_cast<const uint8_t*>(values);
    const uint32_t vsize = value_copy_size();
    for (; count < total; ++count) {
        int err = update_copy(k + size_t{count} * def_.key_size, v + size_t{count} * vsize,
                              elem_flags);
        if (err != 0) return err;
    }
    return 0;
}

int Map::delete_batch(const void* keys, uint32_t& count, uint64_t elem_flags) {
    const uint32_t total = count;
    count = 0;
    if (elem_flags & ~uint64_t{BPF_F_LOCK}) return -EINVAL;
    auto* k = static_cast<const uint8_t*>(keys);
    for (; count < total; ++count) {
        int err = remove(k + size_t{count} * def_.key_size);
        if (err != 0) return err;
    }
    return 0;
}

} // namespace ebpfjit::maps
