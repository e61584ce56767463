// struct bpf_spin_lock { __u32 val; } inside map values, and the value copies that must
// leave it (and a struct bpf_timer) alone: the kernel never copies the lock word between user and map
// (copy_map_value skips it; lookups return it as zero).
#pragma once

#include <cstdint>

#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

// bpf_spin_lock()/bpf_spin_unlock() on the 4-byte lock word at `lock`.
void spin_lock(void* lock);
void spin_unlock(void* lock);

// Copies value_size bytes, skipping the lock word and the bpf_timer when the definition
// has them (the kernel's copy_map_value).
void copy_value(const MapDefinition& def, void* dst, const void* src);
// The same, holding the element's lock (BPF_F_LOCK). `locked_value` is the map-side value.
void copy_value_locked(const MapDefinition& def, void* dst, const void* src, void* locked_value);
// Zeroes the lock word and the bpf_timer in a copy handed to the caller.
void clear_lock_word(const MapDefinition& def, void* value);

} // namespace ebpfjit::maps
