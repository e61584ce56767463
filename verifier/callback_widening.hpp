// What a bpf_loop-style callback's return leaves of the caller's stack: slots the callback
// changed lose their imprecise values (the kernel's widen_imprecise_scalars), so that the
// callback's runs reach a state seen before at the helper call and stop.
#pragma once

#include "verifier/abstract_state.hpp"

namespace ebpfjit::verifier {

// `s`: the state just after the callback's frame was popped; `callee`: that frame, whose
// caller_stacks hold the caller frames' stacks as the callback found them. A widened
// spill that was a copy (an id shared with other registers or slots) stays one: every
// copy is widened with it, keeping the id, unless one of them is precise, in which case
// the widened slot alone is unlinked. Narrow spills widen to their size's range, unlinked.
void widen_changed_caller_slots(AbstractState& s, const FrameState& callee);

} // namespace ebpfjit::verifier
