#include "jit/callback_invoker.hpp"

#include "isa/instruction.hpp"

namespace ebpfjit::jit {

bool JitCallbacks::invoke(void* self, uint64_t fn, const std::array<uint64_t, 5>& args,
                          std::span<const runtime::CallbackMemory>, uint64_t& r0) {
    auto& callbacks = *static_cast<JitCallbacks*>(self);
    RunStatus& status = callbacks.status_;
    if (status.fault != Fault::None) return false;
    // Every callback adds at least one frame above the entry's.
    if (callbacks.nesting_ + 1 >= isa::kMaxCallDepth) {
        status.fault = Fault::CallbackTooDeep;
        status.value = callbacks.nesting_ + 1;
        return false;
    }
    ++callbacks.nesting_;
    r0 = reinterpret_cast<CallbackThunk>(fn)(args[0], args[1], args[2], args[3], args[4], &status);
    --callbacks.nesting_;
    return status.fault == Fault::None;
}

} // namespace ebpfjit::jit
