#include "engine_abi/checked_calls.hpp"

#include "engine_abi/frame_info.hpp"
#include "engine_abi/run_status.hpp"

namespace ebpfjit::engine_abi {

namespace {

RunStatus& status_of(uint64_t frame_info) {
    return *reinterpret_cast<const FrameInfo*>(frame_info)->status;
}

// Checked code run outside a RunScope (RunStatus::checked is null): nothing is allowed.
bool no_run(uint64_t frame_info, uint32_t pc, Fault kind, uint64_t value) {
    RunStatus& status = status_of(frame_info);
    if (status.fault == Fault::None) {
        status.fault = kind;
        status.slot = pc;
        status.value = value;
    }
    return false;
}

} // namespace

bool jit_check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                      const CheckedProgram* program) {
    RunChecks* run = status_of(frame_info).checked;
    if (run == nullptr) [[unlikely]]
        return no_run(frame_info, static_cast<uint32_t>(what >> 8), Fault::MemoryAccess, addr);
    return run->check_access(addr, what, r10, frame_info, *program);
}

// Outside a RunScope nothing is allowed; the checked loop then records the fault.
bool jit_check_range(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                     const CheckedProgram* program) {
    RunChecks* run = status_of(frame_info).checked;
    return run != nullptr && run->check_range(addr, what, r10, frame_info, *program);
}

bool jit_check_helper_call(const uint64_t* args, uint64_t pc, uint64_t id, uint64_t r10,
                           uint64_t frame_info, const CheckedProgram* program) {
    RunChecks* run = status_of(frame_info).checked;
    if (run == nullptr) [[unlikely]]
        return no_run(frame_info, static_cast<uint32_t>(pc), Fault::HelperArgument, id);
    return run->check_helper_call(args, static_cast<uint32_t>(pc), static_cast<int32_t>(id), r10, frame_info,
                                  *program);
}

bool jit_record_helper_result(uint64_t r0, uint64_t frame_info) {
    RunChecks* run = status_of(frame_info).checked;
    return run == nullptr || run->record_helper_result(r0, frame_info);
}

} // namespace ebpfjit::engine_abi
