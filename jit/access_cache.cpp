// Which region-cache entries (jit/access_cache.hpp) live in registers: a hit then compares
// the address with two registers instead of two FrameInfo words, which on a byte loop with
// a checked load and a checked store is what the checks cost (issue 18 item 3).
//
// The registers are the host registers of eBPF r6-r9 that the program never reads or
// writes: callee-saved on both backends, saved by the full entry frame every checked
// program has, and never a temporary of any emitted sequence. A pair per entry, so at
// most two entries, given to the entries with the most checked sites inside loops (then
// the most sites; ties to the lower entry).
//
// Only programs of one subprogram: a local call's callee saves and restores r6-r9, so a
// caller's registers would come back describing a region a helper call in the callee
// may have revoked; a callback thunk runs a subprogram with registers of its own.
// Otherwise a register pair follows its FrameInfo entry exactly: emptied where the entry
// is emptied (body entry, helper results), reloaded from it after every stub call that
// may have filled it (the access's own miss).
#include <algorithm>
#include <array>
#include <variant>

#include "engine_abi/frame_info.hpp"
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {
constexpr uint8_t kEntries = engine_abi::kAccessCacheEntries;
} // namespace

void assign_access_cache_registers(Lowered& out) {
    if (!out.needs_guest_memory || out.subprograms.size() != 1) return;
    std::array<uint8_t, 4> spare{};
    size_t n_spare = 0;
    for (uint8_t r = 6; r <= 9; ++r)
        if (((out.regs_used >> r) & 1) == 0) spare[n_spare++] = r;
    if (n_spare < 2) return;

    // Slots inside some loop: between a backward jump's target and the jump.
    std::vector<int> loop_depth(out.slots.size() + 1, 0);
    for (size_t pc = 0; pc < out.slots.size(); ++pc) {
        const LoweredSlot& s = out.slots[pc];
        if (!s.emit) continue;
        const auto* j = std::get_if<isa::Jump>(&s.insn);
        if (j == nullptr || j->target < 0 || static_cast<size_t>(j->target) > pc) continue;
        ++loop_depth[static_cast<size_t>(j->target)];
        --loop_depth[pc + 1];
    }
    std::array<uint64_t, kEntries> score{};
    int depth = 0;
    for (size_t pc = 0; pc < out.slots.size(); ++pc) {
        depth += loop_depth[pc];
        const LoweredSlot& s = out.slots[pc];
        if (!s.emit || !s.checked_access) continue;
        score[s.access_cache_entry] += (depth > 0 ? uint64_t{1} << 32 : 0) + 1;
    }
    std::array<uint8_t, kEntries> order{};
    for (uint8_t e = 0; e < kEntries; ++e) order[e] = e;
    std::stable_sort(order.begin(), order.end(), [&](uint8_t a, uint8_t b) { return score[a] > score[b]; });
    for (size_t i = 0; 2 * i + 1 < n_spare; ++i) {
        const uint8_t e = order[i];
        if (score[e] == 0) break;
        out.access_cache_regs[e] = {spare[2 * i], spare[2 * i + 1]};
    }
}

} // namespace ebpfjit::jit::detail
