// What checked compiled code calls at run time: the calls the backends' stubs make for
// code the verifier did not prove (LoweredSlot::checked_access / checked_call), and the
// interface of the run's checker behind them. The JIT embeds the addresses of the three
// jit_check_* functions and of its CheckedProgram (jit/checked_program.hpp); the runtime
// implements the checker (runtime/run/checked_run.hpp) and hangs it in RunStatus.
//
//   compiled code                 per-program stub               this file
//   ─────────────                 ────────────────               ─────────
//   addr = base + off ──call──►   save every caller-saved  ──►   jit_check_access(addr, what,
//   (the access itself            register, pass r10 and            r10, frame_info, program)
//    follows the call)            the FrameInfo pointer     ◄──   true: allowed
//                                 restore; false: jump to         false: fault recorded in
//                                 the abort path                  RunStatus (via FrameInfo)
//
// A loop with hoisted checks (jit/hoist_checks.hpp) asks jit_check_range once per access
// before it runs: true when the whole range is allowed; false records nothing (the
// checked loop then runs and faults where it would).
//
// A helper call brackets the call with jit_check_helper_call (arguments against the
// prototype) and jit_record_helper_result (map values, ringbuf records become accessible).
//
//   FrameInfo.status ──► RunStatus.checked (RunChecks, the runtime's) ──► the run's rules
//
// RunStatus.checked is null outside a RunScope's runs (a lean run): checked code may then
// touch nothing, and the first check records a fault.
#pragma once

#include <cstdint>

namespace ebpfjit::jit {
struct CheckedProgram; // jit/checked_program.hpp: what the code embeds per program
}

namespace ebpfjit::engine_abi {

using jit::CheckedProgram;

enum class AccessKind : uint8_t { Load = 0, Store = 1, Atomic = 2 };

// What a checked access passes in one register: slot, kind and width.
constexpr uint64_t pack_access(uint32_t pc, AccessKind kind, uint32_t size) {
    return uint64_t{pc} << 8 | uint64_t{static_cast<uint8_t>(kind)} << 4 | size;
}

// The run's checker (runtime/run/checked_run.hpp: LazyCheckedRun). `frame_info` is the
// address of the calling frame's FrameInfo (engine_abi/frame_info.hpp). Each returns
// false after recording the fault in the run's RunStatus.
class RunChecks {
public:
    virtual bool check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                              const CheckedProgram& program) = 0;
    // `what`: the length, bit 63 set for a write (jit::kRangeWrite). Never records a fault.
    virtual bool check_range(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                             const CheckedProgram& program) = 0;
    virtual bool check_helper_call(const uint64_t* args, uint32_t pc, int32_t id, uint64_t r10,
                                   uint64_t frame_info, const CheckedProgram& program) = 0;
    virtual bool record_helper_result(uint64_t r0, uint64_t frame_info) = 0;

protected:
    ~RunChecks() = default;
};

// Called by the backends' stubs (plain C calling convention, absolute addresses).
bool jit_check_access(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                      const CheckedProgram* program);
bool jit_check_range(uint64_t addr, uint64_t what, uint64_t r10, uint64_t frame_info,
                     const CheckedProgram* program);
bool jit_check_helper_call(const uint64_t* args, uint64_t pc, uint64_t id, uint64_t r10,
                           uint64_t frame_info, const CheckedProgram* program);
bool jit_record_helper_result(uint64_t r0, uint64_t frame_info);

} // namespace ebpfjit::engine_abi
