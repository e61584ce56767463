#include "verifier/combined_stack.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ebpfjit::verifier {

namespace {

constexpr uint32_t kStackRound = 32; // per-frame stack is rounded as the kernel's JIT does

} // namespace

std::optional<StackViolation> check_combined_stack(const ProgramShape& shape,
                                                   const std::vector<bool>& reachable,
                                                   const std::vector<uint32_t>& stack_depth) {
    std::vector<uint32_t> rounded(stack_depth.size());
    for (size_t i = 0; i < rounded.size(); ++i)
        rounded[i] = (std::max<uint32_t>(stack_depth[i], 1) + kStackRound - 1) / kStackRound * kStackRound;
    struct Frame { uint32_t sub; uint32_t total; };
    std::vector<Frame> work{{0, rounded[0]}};
    while (!work.empty()) {
        Frame f = work.back();
        work.pop_back();
        for (const isa::CallEdge& edge : shape.callees[f.sub]) { // local calls and callbacks
            if (!reachable[edge.slot]) continue;
            const uint32_t total = f.total + rounded[edge.callee];
            if (total > isa::kStackSize)
                return StackViolation{edge.slot,
                                      {Reason::CombinedStackTooLarge,
                                       fmt::format("combined stack of the call chain is {} bytes, the limit is {}",
                                                   total, isa::kStackSize)}};
            work.push_back({edge.callee, total});
        }
    }
    return std::nullopt;
}

} // namespace ebpfjit::verifier
