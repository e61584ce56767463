// Constant blinding: an IR rewrite before jit::lower, in the style of the kernel's
// bpf_jit_blind_constants, so that no immediate an attacker chose reaches the code pages
// as written (JIT spraying: chosen constants are chosen machine code).
//
//   dst op= imm          ──►  ax = imm ^ k ; ax ^= k ; dst op= ax
//   if dst cond imm goto ──►  ax = imm ^ k ; ax ^= k ; if dst cond ax goto
//   *(size *)(b + o) = imm ─►  ax = imm ^ k ; ax ^= k ; *(size *)(b + o) = ax
//   r0 = ld_abs [imm]    ──►  ax = imm ^ k ; ax ^= k ; r0 = ld_ind [ax]
//   r0 = ld_ind [s + imm] ─►  ax = imm ^ k ; ax ^= k ; ax += s (32) ; r0 = ld_ind [ax]
//   dst = imm64 (lddw)   ──►  ax = hi ^ k1 ; ax ^= k1 ; ax <<= 32 ; dst = ax ;
//                             ax = lo ^ k2 (32) ; ax ^= k2 (32) ; dst |= ax
//                             (3 instructions when the value fits 32 bits)
//
// ax is isa::kAuxRegister (r11), which both backends map to a register with that one role.
// k is fresh for every instruction (getrandom), unless a fixed key is asked for (tests).
// Left raw, as in the kernel: shift counts (masked to < 64 by the lowering), memory
// offsets (16-bit displacements), helper ids and local-call offsets (they become
// addresses and labels, never the user's bits), map LDDW forms (host addresses).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

struct BlindingOptions {
    // Every instruction uses this key instead of a random one (tests; 0 is refused: it
    // would leave the immediates as they are).
    std::optional<uint32_t> fixed_key;
};

struct BlindedProgram {
    isa::Program program;  // register 11 appears only in the rewritten sequences
    verifier::Facts facts; // re-indexed: each fact sits on the slot that needs it
    // Original slot -> the first slot of its rewrite (size: original slots + 1, the last
    // entry is the new size). Jumps to an original slot land on that first slot.
    std::vector<uint32_t> first_slot;
    // New slot -> the original slot it came from (listings and faults name that one).
    std::vector<uint32_t> original_slot;
};

// Errors name the instruction: a register above r10 in the input, a jump or call target
// outside the program, a fixed key of 0.
Result<BlindedProgram> blind_constants(const isa::Program& program, const verifier::Facts& facts,
                                       const BlindingOptions& options = {});

// Native offsets of the rewritten program's slots back on the original slots: where each
// original instruction's rewrite starts (an absorbed LDDW second slot: kNoNativeCode).
std::vector<uint32_t> to_original_slots(const BlindedProgram& blinded, std::span<const uint32_t> offsets);

} // namespace ebpfjit::jit
