#include "runtime/maps/bloom_filter_map.hpp"

#include <linux/bpf.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <random>

namespace ebpfjit::maps {
namespace {

uint32_t hash_funcs(const MapDefinition& def) {
    const uint32_t n = static_cast<uint32_t>(def.map_extra & 0xf);
    return n == 0 ? 5 : n;
}

// Number of bits (a power of two, at least 64).
uint64_t nr_bits(const MapDefinition& def) {
    const uint64_t want = uint64_t{def.max_entries} * hash_funcs(def) / 5 * 7;
    if (want > (uint64_t{1} << 31)) return uint64_t{1} << 32;
    return std::max<uint64_t>(64, std::bit_ceil(want));
}

uint64_t mix(uint64_t x) {
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dULL;
    x ^= x >> 33;
    return x;
}

} // namespace

uint64_t BloomFilterMap::bitset_bytes(const MapDefinition& def) { return nr_bits(def) / 8; }

std::unique_ptr<BloomFilterMap> BloomFilterMap::create(const MapDefinition& def) {
    auto bits = ZeroedBuffer::allocate(bitset_bytes(def));
    if (!bits) return nullptr;
    return std::unique_ptr<BloomFilterMap>(new BloomFilterMap(def, std::move(bits), nr_bits(def) - 1));
}

BloomFilterMap::BloomFilterMap(const MapDefinition& def, ZeroedBuffer bits, uint64_t mask)
    : Map(def), nr_hash_funcs_(hash_funcs(def)), mask_(mask),
      seed_((def.flags & BPF_F_ZERO_SEED) ? 0 : std::random_device{}()), bits_(std::move(bits)) {}

uint64_t BloomFilterMap::bit_index(const void* value, uint32_t i) const {
    const auto* p = static_cast<const uint8_t*>(value);
    uint64_t h = mix(seed_ + i + 1);
    for (uint32_t off = 0; off < definition().value_size; off += 8) {
        uint64_t w = 0;
        std::memcpy(&w, p + off, std::min<uint32_t>(8, definition().value_size - off));
        h = mix(h ^ w);
    }
    return h & mask_;
}

int BloomFilterMap::push(const void* value, uint64_t flags) {
    if (flags != BPF_ANY) return -EINVAL;
    auto* words = reinterpret_cast<uint64_t*>(bits_.data());
    for (uint32_t i = 0; i < nr_hash_funcs_; ++i) {
        const uint64_t bit = bit_index(value, i);
        std::atomic_ref<uint64_t>(words[bit / 64]).fetch_or(uint64_t{1} << (bit % 64),
                                                            std::memory_order_relaxed);
    }
    return 0;
}

int BloomFilterMap::peek(void* value) {
    auto* words = reinterpret_cast<uint64_t*>(bits_.data());
    for (uint32_t i = 0; i < nr_hash_funcs_; ++i) {
        const uint64_t bit = bit_index(value, i);
        if (!(std::atomic_ref<uint64_t>(words[bit / 64]).load(std::memory_order_relaxed) &
              (uint64_t{1} << (bit % 64))))
            return -ENOENT;
    }
    return 0;
}

// What the kernel's bloom_filter.c answers for the operations a bloom filter lacks.
int BloomFilterMap::pop(void*) { return -EOPNOTSUPP; }
void* BloomFilterMap::lookup(const void*) { return nullptr; }
int BloomFilterMap::update(const void*, const void* value, uint64_t flags) {
    return push(value, flags); // BPF_MAP_UPDATE_ELEM with a NULL key pushes
}
int BloomFilterMap::remove(const void*) { return -EOPNOTSUPP; }
int BloomFilterMap::get_next_key(const void*, void*) { return -EOPNOTSUPP; }
int BloomFilterMap::lookup_copy(const void*, void* value_out, uint64_t flags) {
    if (flags != 0) return -EINVAL;
    return peek(value_out); // BPF_MAP_LOOKUP_ELEM with a NULL key peeks
}

} // namespace ebpfjit::maps
