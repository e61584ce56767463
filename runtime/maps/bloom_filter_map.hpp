// BPF_MAP_TYPE_BLOOM_FILTER: push adds a value, peek answers "maybe present" (0) or
// "definitely absent" (-ENOENT). Sized as the kernel sizes it: nr_hash_funcs from
// map_extra (default 5), bits = roundup_pow_of_two(max_entries * nr_hash_funcs * 7 / 5).
// Bits are set with atomic OR, so pushes and peeks need no lock.
#pragma once

#include <memory>

#include "runtime/maps/map.hpp"
#include "runtime/maps/zeroed_buffer.hpp"

namespace ebpfjit::maps {

class BloomFilterMap final : public Map {
public:
    static std::unique_ptr<BloomFilterMap> create(const MapDefinition& def);
    // The size in bytes of the bit array a definition gets (for the memory budget).
    static uint64_t bitset_bytes(const MapDefinition& def);

    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    int push(const void* value, uint64_t flags) override;
    int pop(void* value) override;
    int peek(void* value) override;
    int lookup_copy(const void* key, void* value_out, uint64_t flags) override;

private:
    BloomFilterMap(const MapDefinition& def, ZeroedBuffer bits, uint64_t mask);
    uint64_t bit_index(const void* value, uint32_t i) const;

    uint32_t nr_hash_funcs_;
    uint64_t mask_;
    uint64_t seed_;
    ZeroedBuffer bits_;
};

} // namespace ebpfjit::maps
