#include "verifier/combined_stack.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ebpfjit::verifier {

namespace {

constexpr uint32_t kStackRound = 32; // per-frame stack is rounded as the kernel's JIT does

} // namespace

std::optional<StackViolation> check_combined_stack(const isa::Program& program, const ProgramShape& shape,
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
        size_t end = f.sub + 1 < shape.subprogram_starts.size() ? size_t(shape.subprogram_starts[f.sub + 1])
                                                                 : program.size();
        for (size_t pc = size_t(shape.subprogram_starts[f.sub]); pc < end; ++pc) {
            // Local calls, and callbacks (they run above the subprogram naming them).
            const auto* c = std::get_if<isa::Call>(&program.insns[pc]);
            const auto* l = std::get_if<isa::LoadImm64>(&program.insns[pc]);
            int64_t target = -1;
            if (c && c->kind == isa::CallKind::Local) target = c->target;
            if (l && l->kind == isa::LddwKind::CodeAddr) target = int64_t(pc) + 1 + l->imm;
            if (target < 0 || !reachable[pc]) continue;
            uint32_t callee = shape.subprogram_of[size_t(target)];
            uint32_t total = f.total + rounded[callee];
            if (total > isa::kStackSize)
                return StackViolation{uint32_t(pc),
                                      {Reason::CombinedStackTooLarge,
                                       fmt::format("combined stack of the call chain is {} bytes, the limit is {}",
                                                   total, isa::kStackSize)}};
            work.push_back({callee, total});
        }
    }
    return std::nullopt;
}

} // namespace ebpfjit::verifier
