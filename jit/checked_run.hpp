// Run-time memory safety for JIT code the verifier did not prove (LoweredSlot::
// checked_access / checked_call): the same rules as the interpreter's, through the same
// runtime::GuestMemory and helper checks.
//
//   compiled code                 per-program stub               C++ (this file)
//   ─────────────                 ────────────────               ───────────────
//   addr = base + off ──call──►   save every caller-saved  ──►   jit_check_access(addr, what,
//   (the access itself            register, pass r10 and            r10, frame_info, program)
//    follows the call)            the FrameInfo pointer     ◄──   true: allowed
//                                 restore; false: jump to         false: fault recorded in
//                                 the abort path                  RunStatus (via FrameInfo)
//
// A helper call brackets the call with jit_check_helper_call (arguments against the
// prototype) and jit_record_helper_result (map values, ringbuf records become accessible).
//
// The allowed set lives in the run's CheckedRun, reached from the code through FrameInfo:
//
//   FrameInfo.status ──► RunStatus.checked ──► LazyCheckedRun ──first check──► CheckedRun
//
// CompiledProgram's run entry sets RunStatus.checked for every run (one store); the
// CheckedRun itself is made only when checked code first asks, so a proven program pays
// nothing for it, while a proven program's tail call into a checked one (same frame, same
// FrameInfo) and a callback thunk (handed the same RunStatus) still find the run's. A nested
// run (a helper starting another run) has its own RunStatus, hence its own CheckedRun.
//
// A CheckedRun holds the run's regions, the direct values of every program that checks
// during the run (tail-call targets included), what helpers handed out, and the 512-byte
// stack windows of the active frames in the eBPF stack (jit/ebpf_stack.hpp: a chain's
// frames lie back to back below its FrameInfo::stack_top; a callback's chain continues at
// the frame of the helper call that ran the callback).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "engine_abi/guest_memory.hpp"
#include "helpers/helper_checks.hpp"
#include "ebpfjit/memory_region.hpp"

namespace ebpfjit::jit {

enum class AccessKind : uint8_t { Load = 0, Store = 1, Atomic = 2 };

// What a checked access passes in one register: slot, kind and width.
constexpr uint64_t pack_access(uint32_t pc, AccessKind kind, uint32_t size) {
    return uint64_t{pc} << 8 | uint64_t{static_cast<uint8_t>(kind)} << 4 | size;
}

// Per compiled program, at a stable address the code embeds (owned by CompiledProgram).
struct CheckedProgram {
    helpers::ProgramBindings bindings; // maps (direct values, map arguments) and helpers
};

class CheckedRun {
public:
    explicit CheckedRun(std::span<const runtime::MemoryRegion> regions) : regions_(regions) {}
    CheckedRun(const CheckedRun&) = delete;
    CheckedRun& operator=(const CheckedRun&) = delete;

    bool check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                      const CheckedProgram& program);
    bool check_helper_call(const uint64_t* args, uint32_t pc, int32_t id, uint64_t r10,
                           uint64_t frame_info, const CheckedProgram& program);
    bool record_helper_result(uint64_t r0, uint64_t frame_info);

    // Whether checked code has run in this run (its guest memory exists).
    bool active() const { return memory_.has_value(); }
    // A callback's key and value (bpf_for_each_map_elem) are accessible while it runs.
    std::optional<runtime::MemoryRegion> grant(const runtime::MemoryRegion& region);
    void revoke(uint64_t start, std::optional<runtime::MemoryRegion> previous);

    // The first fault's full text (RunStatus holds its kind, slot and value).
    const std::optional<Error>& error() const { return error_; }

private:
    struct PendingHelper { // a helper call in progress (it may run callbacks)
        uint64_t r10 = 0, frame_info = 0;
        const helpers::Helper* helper = nullptr;
        runtime::HelperArgs args{};
        const CheckedProgram* program = nullptr;
    };

    runtime::GuestMemory& memory(const CheckedProgram& program);
    bool walk_frames(uint64_t r10, uint64_t frame_info);
    bool fault(uint64_t frame_info, uint32_t fault, uint32_t pc, uint64_t value, Error error);

    std::span<const runtime::MemoryRegion> regions_;
    std::optional<runtime::GuestMemory> memory_; // built at the first check
    std::vector<const CheckedProgram*> programs_; // whose direct values memory_ holds
    std::vector<PendingHelper> pending_;
    std::vector<runtime::MemoryRegion> windows_;
    std::optional<Error> error_;
};

// A run's CheckedRun, made on first use (RunStatus::checked points here). `reset` starts
// the next run of a burst: a CheckedRun made by the previous one is dropped.
class LazyCheckedRun {
public:
    explicit LazyCheckedRun(std::span<const runtime::MemoryRegion> regions = {}) : regions_(regions) {}
    LazyCheckedRun(const LazyCheckedRun&) = delete;
    LazyCheckedRun& operator=(const LazyCheckedRun&) = delete;

    CheckedRun& get() {
        if (!run_) [[unlikely]]
            run_.emplace(regions_);
        return *run_;
    }
    // The CheckedRun if checked code has asked for it in this run, else nullptr.
    CheckedRun* made() { return run_ ? &*run_ : nullptr; }
    void reset(std::span<const runtime::MemoryRegion> regions) {
        if (run_) [[unlikely]]
            run_.reset();
        regions_ = regions;
    }

private:
    std::span<const runtime::MemoryRegion> regions_;
    std::optional<CheckedRun> run_;
};

// Called by the backends' stubs (plain C calling convention, absolute addresses).
bool jit_check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                      const CheckedProgram* program);
bool jit_check_helper_call(const uint64_t* args, uint64_t pc, uint64_t id, uint64_t r10,
                           uint64_t frame_info, const CheckedProgram* program);
bool jit_record_helper_result(uint64_t r0, uint64_t frame_info);

} // namespace ebpfjit::jit
