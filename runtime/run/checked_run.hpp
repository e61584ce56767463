// The run-time rules for JIT code the verifier did not prove (LoweredSlot::
// checked_access / checked_call): the same rules as the interpreter's, through the same
// GuestMemory and helper checks. The calls the code makes, and how they reach
// this file, are drawn in engine_abi/checked_calls.hpp:
//
//   FrameInfo.status ──► RunStatus.checked ──► LazyCheckedRun ──first check──► CheckedRun
//
// A RunScope sets RunStatus.checked for every run (one store); the CheckedRun itself is
// made only when checked code first asks, so a proven program pays nothing for it, while
// a proven program's tail call into a checked one (same frame, same FrameInfo) and a
// callback thunk (handed the same RunStatus) still find the run's. A nested run (a helper
// starting another run) has its own RunStatus, hence its own CheckedRun.
//
// A CheckedRun holds the run's regions, the direct values of every program that checks
// during the run (tail-call targets included), what helpers handed out, and the 512-byte
// stack windows of the active frames in the eBPF stack (engine_abi/ebpf_stack_layout.hpp:
// a chain's frames lie back to back below its FrameInfo::stack_top; a callback's chain
// continues at the frame of the helper call that ran the callback).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/memory_region.hpp"
#include "engine_abi/checked_calls.hpp"
#include "engine_abi/guest_memory.hpp"
#include "helpers/helper_checks.hpp"
#include "jit/checked_program.hpp"
#include "jit/hoist_checks.hpp"

namespace ebpfjit::runtime {

using engine_abi::AccessKind;
using jit::CheckedProgram;

class CheckedRun {
public:
    explicit CheckedRun(std::span<const MemoryRegion> regions) : regions_(regions) {}
    CheckedRun(const CheckedRun&) = delete;
    CheckedRun& operator=(const CheckedRun&) = delete;

    bool check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                      const CheckedProgram& program);
    // [addr, addr + size) inside one allowed region (writable for `write`), recording
    // nothing: a loop's hoisted checks (jit/hoist_checks.hpp).
    bool check_range(uint64_t addr, uint64_t size, bool write, uint64_t r10, uint64_t frame_info,
                     const CheckedProgram& program);
    bool check_helper_call(const uint64_t* args, uint32_t pc, int32_t id, uint64_t r10,
                           uint64_t frame_info, const CheckedProgram& program);
    bool record_helper_result(uint64_t r0, uint64_t frame_info);

    // Whether checked code has run in this run (its guest memory exists).
    bool active() const { return memory_.has_value(); }
    // A callback's key and value (bpf_for_each_map_elem) are accessible while it runs.
    std::optional<MemoryRegion> grant(const MemoryRegion& region);
    void revoke(uint64_t start, std::optional<MemoryRegion> previous);

    // The first fault's full text (RunStatus holds its kind, slot and value).
    const std::optional<Error>& error() const { return error_; }

private:
    struct PendingHelper { // a helper call in progress (it may run callbacks)
        uint64_t r10 = 0, frame_info = 0;
        const helpers::Helper* helper = nullptr;
        helpers::HelperArgs args{};
        const CheckedProgram* program = nullptr;
    };

    engine_abi::GuestMemory& memory(const CheckedProgram& program);
    // The one rule of check_access and check_range; `lasting` (when given) receives the
    // region outside the stack that held the bytes, for the inline cache.
    bool allowed(uint64_t addr, uint64_t size, bool write, uint64_t r10, uint64_t frame_info,
                 const CheckedProgram& program, std::optional<MemoryRegion>* lasting);
    bool walk_frames(uint64_t r10, uint64_t frame_info);
    bool fault(uint64_t frame_info, uint32_t fault, uint32_t pc, uint64_t value, Error error);

    std::span<const MemoryRegion> regions_;
    std::optional<engine_abi::GuestMemory> memory_; // built at the first check
    std::vector<const CheckedProgram*> programs_; // whose direct values memory_ holds
    std::vector<PendingHelper> pending_;
    std::vector<MemoryRegion> windows_;
    std::optional<Error> error_;
};

// A run's CheckedRun, made on first use (RunStatus::checked points here). `reset` starts
// the next run of a burst: a CheckedRun made by the previous one is dropped.
class LazyCheckedRun final : public engine_abi::RunChecks {
public:
    explicit LazyCheckedRun(std::span<const MemoryRegion> regions = {}) : regions_(regions) {}
    LazyCheckedRun(const LazyCheckedRun&) = delete;
    LazyCheckedRun& operator=(const LazyCheckedRun&) = delete;

    CheckedRun& get() {
        if (!run_) [[unlikely]]
            run_.emplace(regions_);
        return *run_;
    }
    // The CheckedRun if checked code has asked for it in this run, else nullptr.
    CheckedRun* made() { return run_ ? &*run_ : nullptr; }
    void reset(std::span<const MemoryRegion> regions) {
        if (run_) [[unlikely]]
            run_.reset();
        regions_ = regions;
    }

    // RunChecks, for the code's calls (engine_abi/checked_calls.hpp).
    bool check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                      const CheckedProgram& program) override {
        return get().check_access(addr, what, r10, frame_info, program);
    }
    bool check_range(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                     const CheckedProgram& program) override {
        return get().check_range(addr, what & ~jit::kRangeWrite, (what & jit::kRangeWrite) != 0, r10, frame_info,
                                 program);
    }
    bool check_helper_call(const uint64_t* args, uint32_t pc, int32_t id, uint64_t r10, uint64_t frame_info,
                           const CheckedProgram& program) override {
        return get().check_helper_call(args, pc, id, r10, frame_info, program);
    }
    // Nothing to record before checked code has run.
    bool record_helper_result(uint64_t r0, uint64_t frame_info) override {
        return !run_ || run_->record_helper_result(r0, frame_info);
    }

private:
    std::span<const MemoryRegion> regions_;
    std::optional<CheckedRun> run_;
};

} // namespace ebpfjit::runtime
