// BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO): no keys; push/pop/peek.
// A ring of max_entries + 1 slots under one spin lock, as in the kernel's
// queue_stack_maps.c: head is where the next push goes, tail the oldest element.
#pragma once

#include <memory>

#include "runtime/maps/map.hpp"
#include "runtime/maps/spin_locks.hpp"
#include "runtime/maps/zeroed_buffer.hpp"

namespace ebpfjit::maps {

class QueueStackMap final : public Map {
public:
    static std::unique_ptr<QueueStackMap> create(const MapDefinition& def);

    // Program-side lookup is not defined for these maps (the verifier forbids it).
    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override; // = push
    int remove(const void* key) override;                                   // -EINVAL
    int get_next_key(const void* key, void* next_key) override;             // -EINVAL

    // flags: BPF_ANY, or BPF_EXIST to drop the oldest element when full.
    int push(const void* value, uint64_t flags) override;
    int pop(void* value) override;
    int peek(void* value) override;

    int lookup_copy(const void* key, void* value_out, uint64_t flags) override; // = peek
    int lookup_and_delete(const void* key, void* value_out, uint64_t flags) override; // = pop

private:
    QueueStackMap(const MapDefinition& def, ZeroedBuffer slots);
    int take(void* value, bool remove);
    uint8_t* slot(uint32_t i) const { return slots_.data() + size_t{i} * definition().value_size; }

    bool stack_;
    uint32_t size_; // max_entries + 1
    uint32_t head_ = 0, tail_ = 0;
    SpinLock lock_;
    ZeroedBuffer slots_;
};

} // namespace ebpfjit::maps
