// Patching an instruction with a CO-RE answer from the core BTF (core_btf_target.hpp), as
// libbpf's bpf_core_patch_insn does: the instruction must hold what clang compiled in (the
// answer in the object's own BTF) unless the kind is exempt; an ALU immediate, an LDDW's
// 64-bit immediate or a load/store offset becomes the target's answer, a load/store of an
// unsigned integer or pointer of another size in the target changes its size, and an
// instruction whose relocation found no target is poisoned: `call 0xbad2310` (both slots of
// an LDDW), which only a path that reaches it refuses.
#pragma once

#include <expected>
#include <string>

#include "isa/instruction.hpp"
#include "runtime/elf/core_btf_target.hpp"

namespace ebpfjit::runtime::elf {

// `insn` is the relocated instruction; `second` its LDDW's second slot, or null when the
// section ends there. The error is libbpf's reason to fail the load, for the caller to place.
std::expected<void, std::string> patch_core_insn(isa::RawInsn& insn, isa::RawInsn* second, const CoreBtfAnswer& res);

} // namespace ebpfjit::runtime::elf
