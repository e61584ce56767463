#include "runtime/maps/queue_stack_map.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace ebpfjit::maps {

std::unique_ptr<QueueStackMap> QueueStackMap::create(const MapDefinition& def) {
    auto slots = ZeroedBuffer::allocate(size_t{def.value_size} * (uint64_t{def.max_entries} + 1));
    if (!slots) return nullptr;
    return std::unique_ptr<QueueStackMap>(new QueueStackMap(def, std::move(slots)));
}

QueueStackMap::QueueStackMap(const MapDefinition& def, ZeroedBuffer slots)
    : Map(def), stack_(def.type == BPF_MAP_TYPE_STACK), size_(def.max_entries + 1),
      slots_(std::move(slots)) {}

void* QueueStackMap::lookup(const void*) { return nullptr; }
int QueueStackMap::update(const void*, const void* value, uint64_t flags) {
    return push(value, flags);
}
int QueueStackMap::remove(const void*) { return -EINVAL; }
int QueueStackMap::get_next_key(const void*, void*) { return -EINVAL; }

int QueueStackMap::push(const void* value, uint64_t flags) {
    if ((flags & BPF_NOEXIST) || flags > BPF_EXIST) return -EINVAL;
    std::lock_guard guard(lock_);
    const uint32_t next_head = head_ + 1 == size_ ? 0 : head_ + 1;
    if (next_head == tail_) { // full
        if (flags != BPF_EXIST) return -E2BIG;
        tail_ = tail_ + 1 == size_ ? 0 : tail_ + 1; // overwrite the oldest
    }
    std::memcpy(slot(head_), value, definition().value_size);
    head_ = next_head;
    return 0;
}

int QueueStackMap::take(void* value, bool remove) {
    std::lock_guard guard(lock_);
    if (head_ == tail_) return -ENOENT;
    uint32_t index;
    if (stack_) {
        index = head_ == 0 ? size_ - 1 : head_ - 1;
        if (remove) head_ = index;
    } else {
        index = tail_;
        if (remove) tail_ = tail_ + 1 == size_ ? 0 : tail_ + 1;
    }
    std::memcpy(value, slot(index), definition().value_size);
    return 0;
}

int QueueStackMap::pop(void* value) { return take(value, true); }
int QueueStackMap::peek(void* value) { return take(value, false); }

int QueueStackMap::lookup_copy(const void*, void* value_out, uint64_t flags) {
    if (flags != 0) return -EINVAL;
    return peek(value_out);
}

int QueueStackMap::lookup_and_delete(const void*, void* value_out, uint64_t flags) {
    if (flags != 0) return -EINVAL;
    return pop(value_out);
}

} // namespace ebpfjit::maps
