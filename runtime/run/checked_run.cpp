#include "runtime/run/checked_run.hpp"

#include <fmt/format.h>

#include "engine_abi/ebpf_stack_layout.hpp"
#include "engine_abi/frame_info.hpp"
#include "engine_abi/run_status.hpp"
#include "isa/instruction.hpp"
#include "jit/access_cache.hpp"

namespace ebpfjit::runtime {

using engine_abi::FrameInfo;
using engine_abi::Fault;
using engine_abi::RunStatus;
using engine_abi::kChainBytes;
using engine_abi::kFrameStride;

namespace {

constexpr uint64_t kStack = isa::kStackSize;
// One step per chain, chains bounded by the callback nesting (kMaxCallDepth): a longer
// walk means a broken chain, and the access is refused.
constexpr uint32_t kMaxWalk = isa::kMaxCallDepth;

std::string_view kind_name(engine_abi::AccessKind kind) {
    switch (kind) {
    case engine_abi::AccessKind::Load: return "load";
    case engine_abi::AccessKind::Store: return "store";
    case engine_abi::AccessKind::Atomic: return "atomic";
    }
    return "access";
}

RunStatus& status_of(uint64_t frame_info) {
    return *reinterpret_cast<const FrameInfo*>(frame_info)->status;
}

} // namespace

engine_abi::GuestMemory& CheckedRun::memory(const CheckedProgram& program) {
    // No contiguous stack block: walk_frames lists the windows.
    if (!memory_) memory_.emplace(0, regions_);
    for (const CheckedProgram* seen : programs_)
        if (seen == &program) return *memory_;
    programs_.push_back(&program);
    for (const auto& b : program.bindings.maps)
        if (b.direct_value != nullptr && b.value_size != 0)
            memory_->add_fixed({reinterpret_cast<uint64_t>(b.direct_value), b.value_size, true});
    return *memory_;
}

// The active frames, innermost first (engine_abi/ebpf_stack_layout.hpp): a chain's frames lie
// kFrameStride apart in the eBPF stack, from the current r10 up to the chain's first r10
// (FrameInfo::stack_top of the entry's or a callback thunk's frame). A callback's chain
// goes on at the helper call that ran it, if that call was checked (pending_). Only the
// 512 bytes below each r10 are listed, never the gaps between frames.
bool CheckedRun::walk_frames(uint64_t r10, uint64_t frame_info) {
    windows_.clear();
    size_t pending = pending_.size();
    for (uint32_t step = 0; step < kMaxWalk; ++step) {
        const auto top = reinterpret_cast<uint64_t>(reinterpret_cast<const FrameInfo*>(frame_info)->stack_top);
        // A chain holds 1 to kMaxCallDepth frames; anything else is a broken frame.
        if (r10 > top || top - r10 >= kChainBytes || (top - r10) % kFrameStride != 0) break;
        for (uint64_t fp = r10; fp <= top; fp += kFrameStride) windows_.push_back({fp - kStack, kStack, true});
        if (pending == 0) {
            memory_->set_stack_windows(windows_);
            return true;
        }
        --pending;
        r10 = pending_[pending].r10;
        frame_info = pending_[pending].frame_info;
    }
    windows_.clear();
    memory_->set_stack_windows(windows_);
    return false;
}

bool CheckedRun::fault(uint64_t frame_info, uint32_t kind, uint32_t pc, uint64_t value, Error error) {
    RunStatus& status = status_of(frame_info);
    if (status.fault == Fault::None) {
        status.fault = static_cast<Fault>(kind);
        status.slot = pc;
        status.value = value;
    }
    if (!error_) error_ = std::move(error);
    return false;
}

namespace {
// [addr, addr + size) inside [start, start + length), without overflow.
bool inside(uint64_t addr, uint64_t size, uint64_t start, uint64_t length) {
    return addr >= start && size <= length && addr - start <= length - size;
}
} // namespace

bool CheckedRun::allowed(uint64_t addr, uint64_t size, bool write, uint64_t r10, uint64_t frame_info,
                         const CheckedProgram& program, std::optional<MemoryRegion>* lasting) {
    // Fast path, no frame walk: the current frame's 512 bytes (the eBPF stack) and the
    // run's own regions (input, ctx, packet) answer nearly every access.
    if (inside(addr, size, r10 - kStack, kStack)) [[likely]]
        return true;
    // Other regions go to the inline cache (jit/access_cache.hpp), the stack never.
    for (const MemoryRegion& r : regions_)
        if ((r.writable || !write) && inside(addr, size, r.start, r.size)) {
            if (lasting != nullptr) *lasting = r;
            return true;
        }
    engine_abi::GuestMemory& mem = memory(program);
    if (walk_frames(r10, frame_info) && mem.allows(addr, size, write)) [[likely]] {
        if (lasting != nullptr) *lasting = mem.lasting_region(addr, size, write);
        return true;
    }
    return false;
}

bool CheckedRun::check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                              const CheckedProgram& program) {
    const auto pc = static_cast<uint32_t>(what >> 8);
    const auto kind = static_cast<engine_abi::AccessKind>((what >> 4) & 0xf);
    const uint64_t size = what & 0xf;
    const bool write = kind != engine_abi::AccessKind::Load;
    std::optional<MemoryRegion> lasting;
    if (allowed(addr, size, write, r10, frame_info, program, &lasting)) [[likely]] {
        if (lasting) jit::remember_region(frame_info, what, write, *lasting);
        return true;
    }
    return fault(frame_info, static_cast<uint32_t>(Fault::MemoryAccess), pc, addr,
                 Error::at_insn(pc, fmt::format("{} of {} bytes at {:#x} is outside program memory",
                                                kind_name(kind), size, addr)));
}

// The rule of check_access for a whole range: every access inside it would be allowed
// (one region holds the range, so it holds each part). Nothing is recorded or cached.
bool CheckedRun::check_range(uint64_t addr, uint64_t size, bool write, uint64_t r10, uint64_t frame_info,
                             const CheckedProgram& program) {
    return size != 0 && allowed(addr, size, write, r10, frame_info, program, nullptr);
}

bool CheckedRun::check_helper_call(const uint64_t* args, uint32_t pc, int32_t id, uint64_t r10,
                                   uint64_t frame_info, const CheckedProgram& program) {
    const helpers::HelperTable* table = program.bindings.helpers;
    const helpers::Helper* helper = table ? table->find(id) : nullptr;
    if (helper == nullptr)
        return fault(frame_info, static_cast<uint32_t>(Fault::HelperArgument), pc, static_cast<uint64_t>(id),
                     Error::at_insn(pc, fmt::format("call to unknown helper id {}", id)));
    PendingHelper call{r10, frame_info, helper, {args[0], args[1], args[2], args[3], args[4]}, &program};
    engine_abi::GuestMemory& mem = memory(program);
    walk_frames(r10, frame_info);
    if (auto ok = helpers::check_helper_arguments(*helper, call.args, mem, program.bindings, pc); !ok)
        return fault(frame_info, static_cast<uint32_t>(Fault::HelperArgument), pc, static_cast<uint64_t>(id),
                     std::move(ok.error()));
    pending_.push_back(call);
    return true;
}

bool CheckedRun::record_helper_result(uint64_t r0, uint64_t frame_info) {
    if (pending_.empty()) return true;
    const PendingHelper call = pending_.back();
    pending_.pop_back();
    // A callback the helper ran may have faulted: the run ends here.
    if (status_of(frame_info).fault != Fault::None) return false;
    helpers::record_helper_result(*call.helper, call.args, r0, memory(*call.program), call.program->bindings);
    return true;
}

std::optional<MemoryRegion> CheckedRun::grant(const MemoryRegion& region) {
    if (!memory_) memory_.emplace(0, regions_);
    auto previous = memory_->dynamic_at(region.start);
    memory_->add_dynamic(region.start, region.size, region.writable);
    return previous;
}

void CheckedRun::revoke(uint64_t start, std::optional<MemoryRegion> previous) {
    if (memory_) memory_->restore_dynamic(start, previous);
}

} // namespace ebpfjit::runtime
