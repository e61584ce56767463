#include "runtime/maps/perf_event_array.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ebpfjit::maps {

Result<std::unique_ptr<PerfEventArray>> PerfEventArray::create(MapDefinition def) {
    if (def.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return fail(Error::plain(fmt::format("map '{}': not a perf event array", def.name)));
    if (def.key_size != 4 || def.value_size != 4 || def.max_entries == 0)
        return fail(Error::plain(fmt::format("map '{}': a perf event array needs key_size 4, "
                                             "value_size 4 and max_entries > 0",
                                             def.name)));
    return std::unique_ptr<PerfEventArray>(new PerfEventArray(std::move(def)));
}

PerfEventArray::PerfEventArray(MapDefinition def) : Map(std::move(def)) {
    slots_.resize(definition().max_entries);
    for (auto& s : slots_) s = std::make_unique<Slot>();
}

void* PerfEventArray::lookup(const void*) { return nullptr; }

int PerfEventArray::update(const void* key, const void*, uint64_t flags) {
    if (flags != BPF_ANY) return -EINVAL; // fd_array_map_update_elem
    uint32_t index;
    std::memcpy(&index, key, 4);
    return open(index);
}

int PerfEventArray::remove(const void* key) {
    uint32_t index;
    std::memcpy(&index, key, 4);
    if (index >= slots_.size()) return -E2BIG;
    Slot& s = *slots_[index];
    std::lock_guard lock(s.mutex);
    if (!s.open) return -ENOENT;
    s.open = false;
    s.samples.clear();
    s.used = 0;
    return 0;
}

int PerfEventArray::get_next_key(const void* key, void* next_key) {
    uint32_t index = 0, next = 0;
    if (key) {
        std::memcpy(&index, key, 4);
        next = index >= slots_.size() ? 0 : index + 1;
    }
    if (next >= slots_.size()) return -ENOENT;
    std::memcpy(next_key, &next, 4);
    return 0;
}

int PerfEventArray::open(uint32_t index, size_t capacity) {
    if (index >= slots_.size()) return -E2BIG;
    Slot& s = *slots_[index];
    std::lock_guard lock(s.mutex);
    s.open = true;
    s.capacity = capacity;
    return 0;
}

size_t PerfEventArray::poll(const SampleFn& fn) {
    size_t n = 0;
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        std::deque<std::vector<uint8_t>> taken;
        {
            Slot& s = *slots_[i];
            std::lock_guard lock(s.mutex);
            taken.swap(s.samples);
            s.used = 0;
        }
        for (const auto& sample : taken) fn(i, sample);
        n += taken.size();
    }
    return n;
}

uint64_t PerfEventArray::lost(uint32_t index) const {
    if (index >= slots_.size()) return 0;
    std::lock_guard lock(slots_[index]->mutex);
    return slots_[index]->lost;
}

int PerfEventArray::output(uint32_t index, std::span<const uint8_t> data,
                           std::span<const uint8_t> extra) {
    if (index >= slots_.size()) return -E2BIG;
    Slot& s = *slots_[index];
    std::lock_guard lock(s.mutex);
    if (!s.open) return -ENOENT;
    const size_t size = data.size() + extra.size();
    if (s.used + size > s.capacity) {
        ++s.lost;
        return -ENOSPC;
    }
    std::vector<uint8_t> sample(data.begin(), data.end());
    sample.insert(sample.end(), extra.begin(), extra.end());
    s.samples.push_back(std::move(sample));
    s.used += size;
    return 0;
}

} // namespace ebpfjit::maps
