#include "runtime/run/jit_callbacks.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "engine_abi/ebpf_stack_layout.hpp"
#include "isa/instruction.hpp"
#include "runtime/run/checked_run.hpp"

namespace ebpfjit::runtime {

using engine_abi::Fault;
using engine_abi::kChainBytes;
using engine_abi::kRunStackBytes;
using engine_abi::RunStatus;

bool JitCallbacks::invoke(void* self, uint64_t fn, const std::array<uint64_t, 5>& args,
                          std::span<const engine_abi::CallbackMemory> memory, uint64_t& r0) {
    auto& callbacks = *static_cast<JitCallbacks*>(self);
    RunStatus& status = callbacks.status_;
    if (status.fault != Fault::None) return false;
    // Every callback adds at least one frame above the entry's. The bound also keeps
    // every callback chain inside the run's eBPF stack level (kRunStackBytes).
    static_assert(isa::kMaxCallDepth * kChainBytes <= kRunStackBytes);
    if (callbacks.nesting_ + 1 >= isa::kMaxCallDepth) {
        status.fault = Fault::CallbackTooDeep;
        status.value = callbacks.nesting_ + 1;
        return false;
    }
    // Checked code may touch the key and value the helper hands over, while the callback
    // runs. (A checked program's helper call has made its run active already.)
    CheckedRun* checked = callbacks.checked_.made();
    if (checked != nullptr && !checked->active()) checked = nullptr;
    std::vector<std::pair<uint64_t, std::optional<MemoryRegion>>> granted;
    if (checked != nullptr)
        for (const engine_abi::CallbackMemory& m : memory) {
            const auto start = reinterpret_cast<uint64_t>(m.start);
            auto previous = checked->grant({start, m.size, m.writable});
            if (!m.for_the_run) granted.emplace_back(start, previous);
        }
    // The callback's frames go kChainBytes below the chain that called the helper
    // (engine_abi/ebpf_stack_layout.hpp): that chain may hold up to kMaxCallDepth frames.
    uint8_t* const caller_top = status.stack_top;
    status.stack_top = caller_top - kChainBytes;
    ++callbacks.nesting_;
    r0 = reinterpret_cast<CallbackThunk>(fn)(args[0], args[1], args[2], args[3], args[4], &status);
    --callbacks.nesting_;
    status.stack_top = caller_top;
    for (auto it = granted.rbegin(); it != granted.rend(); ++it) checked->revoke(it->first, it->second);
    return status.fault == Fault::None;
}

} // namespace ebpfjit::runtime
