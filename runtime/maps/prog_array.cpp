#include "runtime/maps/prog_array.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/maps/map_factory.hpp"

namespace ebpfjit::maps {

namespace {
constexpr uint64_t kBpfAny = 0, kBpfNoExist = 1, kBpfExist = 2;

uint32_t read_key(const void* key) {
    uint32_t k;
    std::memcpy(&k, key, sizeof k);
    return k;
}
} // namespace

std::unique_ptr<ProgArray> ProgArray::create(const MapDefinition& def, int* error) {
    auto set_error = [&](int e) {
        if (error) *error = e;
        return nullptr;
    };
    if (def.type != kMapTypeProgArray || def.key_size != 4 || def.value_size != sizeof(void*) ||
        def.max_entries == 0)
        return set_error(-EINVAL);
    if (error) *error = 0;
    return std::unique_ptr<ProgArray>(new ProgArray(def));
}

ProgArray::ProgArray(MapDefinition def) : Map(std::move(def)) {
    const uint32_t n = definition().max_entries;
    storage_ = std::make_unique<std::atomic<const engine_abi::ProgramEntry*>[]>(n);
    for (uint32_t i = 0; i < n; ++i) storage_[i].store(nullptr, std::memory_order_relaxed);
    slots_.entries = storage_.get();
    slots_.count = n;
}

void* ProgArray::lookup(const void*) { return nullptr; }

int ProgArray::update(const void* key, const void* value, uint64_t flags) {
    const uint32_t k = read_key(key);
    if (flags > kBpfExist) return -EINVAL;
    if (k >= slots_.count) return -E2BIG;
    if (flags == kBpfNoExist) return -EEXIST; // array slots always exist (kernel semantics)
    (void)kBpfAny;
    const engine_abi::ProgramEntry* entry;
    std::memcpy(&entry, value, sizeof entry);
    if (entry == nullptr) return -EINVAL;
    set(k, entry);
    return 0;
}

int ProgArray::remove(const void* key) {
    const uint32_t k = read_key(key);
    if (k >= slots_.count) return -ENOENT;
    if (slots_.entries[k].exchange(nullptr, std::memory_order_acq_rel) == nullptr) return -ENOENT;
    return 0;
}

int ProgArray::get_next_key(const void* key, void* next_key) {
    uint32_t next = 0;
    if (key != nullptr) {
        const uint32_t k = read_key(key);
        next = k >= slots_.count ? 0 : k + 1;
    }
    if (next >= slots_.count) return -ENOENT;
    std::memcpy(next_key, &next, sizeof next);
    return 0;
}

int32_t ProgArray::slots_offset_from_map() {
    // offsetof is not portable on a polymorphic class; measure it on a real object once.
    static const int32_t offset = [] {
        ProgArray probe(MapDefinition{kMapTypeProgArray, 4, sizeof(void*), 1, 0, "probe", nullptr});
        const auto* base = static_cast<const Map*>(&probe);
        return static_cast<int32_t>(reinterpret_cast<const unsigned char*>(&probe.slots_) -
                                    reinterpret_cast<const unsigned char*>(base));
    }();
    return offset;
}

ProgArray* as_prog_array(Map* map) { return dynamic_cast<ProgArray*>(map); }

namespace {
// Plugs PROG_ARRAY into create_map(). This file is always linked with the JIT (which reads
// the slot layout), so the registration runs whenever tail calls can happen.
const bool registered = [] {
    register_map_type(kMapTypeProgArray,
                      ExternalMapType{
                          [](const MapDefinition& def) {
                              return uint64_t{def.max_entries} * sizeof(void*);
                          },
                          [](const MapDefinition& def) -> Result<std::unique_ptr<Map>> {
                              int err = 0;
                              auto array = ProgArray::create(def, &err);
                              if (!array)
                                  return fail(Error::plain(fmt::format(
                                      "map '{}' (prog_array): key_size must be 4, value_size {} "
                                      "(a program entry pointer), max_entries > 0 (EINVAL)",
                                      def.name, sizeof(void*))));
                              return std::unique_ptr<Map>(std::move(array));
                          }});
    return true;
}();
} // namespace

} // namespace ebpfjit::maps
