#include "isa/cfg.hpp"

#include <algorithm>

namespace ebpfjit::isa {

std::vector<int32_t> successors(const Program& program, int32_t pc) {
    const Instruction& insn = program.insns.at(size_t(pc));
    if (std::holds_alternative<Exit>(insn) || std::holds_alternative<LddwSecondSlot>(insn)) return {};
    if (auto* j = std::get_if<Jump>(&insn)) {
        if (j->cond == Cond::Always) return {j->target};
        return {pc + 1, j->target};
    }
    if (std::holds_alternative<LoadImm64>(insn)) return {pc + 2};
    return {pc + 1};
}

size_t subprogram_of(const Program& program, int32_t pc) {
    const auto& starts = program.subprogram_starts;
    auto it = std::upper_bound(starts.begin(), starts.end(), pc);
    return it == starts.begin() ? 0 : size_t(it - starts.begin() - 1);
}

std::pair<int32_t, int32_t> subprogram_range(const Program& program, size_t index) {
    const auto& starts = program.subprogram_starts;
    const int32_t end = index + 1 < starts.size() ? starts[index + 1] : int32_t(program.size());
    return {starts.at(index), end};
}

std::vector<int32_t> block_starts(const Program& program) {
    std::vector<int32_t> starts(program.subprogram_starts.begin(), program.subprogram_starts.end());
    starts.push_back(0);
    const int32_t n = int32_t(program.size());
    for (int32_t pc = 0; pc < n; ++pc) {
        const Instruction& insn = program.insns[size_t(pc)];
        const bool ends_block = std::holds_alternative<Jump>(insn) || std::holds_alternative<Exit>(insn);
        if (!ends_block) continue;
        if (pc + 1 < n) starts.push_back(pc + 1);
        if (auto* j = std::get_if<Jump>(&insn)) starts.push_back(j->target);
    }
    std::ranges::sort(starts);
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    return starts;
}

} // namespace ebpfjit::isa
