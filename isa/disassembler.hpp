// llvm-objdump / bpftool style text: `r1 = *(u32 *)(r2 + 4)`, `if r1 > r2 goto +3`,
// `call bpf_map_lookup_elem#1`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "isa/instruction.hpp"

namespace ebpfjit::isa {

// Gives a helper's name (without the bpf_ prefix) for its id, or "" when unknown.
// isa/ knows no helper table; callers pass one in (helpers::helper_name).
using HelperNamer = std::function<std::string_view(int32_t)>;

// One instruction at slot `pc`. Returns "" for an LddwSecondSlot.
std::string disassemble(const Instruction& insn, uint32_t pc, const HelperNamer& namer = {});

// Whole program, one line per instruction: "   12: <text>".
std::string disassemble(const Program& program, const HelperNamer& namer = {});

} // namespace ebpfjit::isa
