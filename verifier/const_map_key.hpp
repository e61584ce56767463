// A map key the verifier knows: the kernel's get_constant_map_key (kernel/bpf/verifier.c,
// since 6.14), which lets bpf_map_lookup_elem on an array with a constant key below
// max_entries return a pointer that is never NULL (can_elide_value_nullness): the
// program's NULL check then has one feasible edge, and the other is never walked.
#pragma once

#include <cstdint>
#include <optional>

#include "verifier/abstract_state.hpp"

namespace ebpfjit::verifier {

struct ConstantKey {
    uint64_t value = 0;
    uint8_t frame = 0;  // the absolute frame whose stack holds the key
    uint64_t slots = 0; // its slots the value was read from (bit i: fp-8(i+1)): they must stay precise
};

// The value of the `key_size` bytes (at most 8) `key` points to, when every one is known:
// a known-zero byte, or a byte of a spilled scalar constant. nullopt otherwise (not a
// stack pointer, a variable offset, data the verifier does not know).
std::optional<ConstantKey> constant_stack_key(const AbstractState& s, const RegState& key, uint32_t key_size);

} // namespace ebpfjit::verifier
