// Global functions verified once, on their own, as the kernel does (its do_check_subprogs
// and btf_check_subprog_call): each call to one whose prototype is supported and whose
// own proof succeeded checks only the arguments against the prototype; the call's result
// is an unknown scalar. Every other function is walked inline at each call.
//
//   prove_program: the program's walk, then each global function a walk called, on its own
//   (until every summarised function's proof holds with the others summarised), then
//   their facts merged.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/global_function.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier {

struct ProgramShape;

// A global function whose calls are summarised.
struct GlobalCallee {
    const GlobalFunction* fn = nullptr;
    uint32_t func_index = 0;     // its subprogram number: the kernel's func#N
    bool changes_packet = false; // it (or a function it calls) may move the packet or tail-call
    bool may_tail_call = false;  // it (or a function it calls) may tail-call
};

// What one walk starts from and which calls it summarises.
struct WalkScope {
    const GlobalCallee* entry = nullptr;           // walk this function on its own; null: the program
    std::vector<const GlobalCallee*> summarised;   // per slot (or empty): the callee starting there
    const GlobalCallee* summary_at(int64_t target) const {
        return target >= 0 && size_t(target) < summarised.size() ? summarised[size_t(target)] : nullptr;
    }
};

// The Full-level proof of one walk (verifier.cpp: the path walk, then the loop passes).
Report prove(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape,
             const WalkScope& scope);

// The Full-level proof of the program, global functions summarised where they can be.
Report prove_program(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape);

} // namespace ebpfjit::verifier
