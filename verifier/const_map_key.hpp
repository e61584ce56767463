// A map key the verifier knows: the kernel's get_constant_map_key (kernel/bpf/verifier.c,
// since 6.14), which lets bpf_map_lookup_elem on an array with a constant key below
// max_entries return a pointer that is never NULL (can_elide_value_nullness): the
// program's NULL check then has one feasible edge, and the other is never walked.
//
// The value must hold on every path pruned against a checkpoint this path passed since
// the key was written: those checkpoints get the key's bytes (or the registers they were
// stored from) marked precise, as the kernel's mark_chain_precision of the key's slot.
// The walk back is by byte, and stops at the stores that wrote the key from constants
// (`*(u32 *)(r10 - 4) = 0`, or a register moved from an immediate): marking the whole
// 8-byte slot up to the program's start instead cost real programs thousands of
// instructions (Katran's balancer: 30,288 -> 39,902 processed), as this verifier matches
// an imprecise zero byte with any data where the kernel never does.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/abstract_state.hpp"

namespace ebpfjit::verifier {

struct ConstantKey {
    uint64_t value = 0;
    int64_t start = 0; // fp + start: its first byte, in the current frame
};

// The value of the `key_size` bytes (at most 8) `key` points to in the current frame, when
// `s` knows each one: a known-zero byte, or a byte of a spilled scalar constant. nullopt
// otherwise (not a stack pointer into the current frame, a variable offset, data).
std::optional<ConstantKey> constant_stack_key(const AbstractState& s, const RegState& key, uint32_t key_size);

// One history segment (a path's instructions between two checkpoints) walked back from its
// newest entry. `bytes`: bit i, the key byte fp + start + i still to be found written;
// `regs`: registers a found byte was stored from, still to be found moved from an
// immediate. Found: nothing left; Lost: the bytes or registers may come from elsewhere (a
// register computed or clobbered by a call, an atomic on the key, a callee's frame);
// Continue: look further back.
enum class KeyTrace { Found, Lost, Continue };
KeyTrace trace_constant_key(const isa::Program& program, const std::vector<HistoryEntry>& history, size_t depth,
                            int64_t start, uint8_t& bytes, uint16_t& regs);

} // namespace ebpfjit::verifier
