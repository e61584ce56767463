// The one dispatch from an instruction's kind to a backend's emitter, shared by the x86-64
// and ARM64 backends (each Emitter befriends it and names its methods alike).
#pragma once

#include <variant>

#include "isa/instruction.hpp"

namespace ebpfjit::jit {

template <class Emitter>
void emit_instruction(Emitter& e, const isa::Instruction& insn) {
    if (const auto* v = std::get_if<isa::Alu>(&insn)) e.emit_alu(*v);
    else if (const auto* v = std::get_if<isa::Endian>(&insn)) e.emit_endian(*v);
    else if (const auto* v = std::get_if<isa::Load>(&insn)) e.emit_load(*v);
    else if (const auto* v = std::get_if<isa::Store>(&insn)) e.emit_store(*v);
    else if (const auto* v = std::get_if<isa::LoadImm64>(&insn)) e.emit_load_imm64(*v);
    else if (const auto* v = std::get_if<isa::Atomic>(&insn)) e.emit_atomic(*v);
    else if (const auto* v = std::get_if<isa::Jump>(&insn)) e.emit_jump(*v);
    else if (const auto* v = std::get_if<isa::Call>(&insn)) e.emit_call(*v);
    else if (const auto* v = std::get_if<isa::CallX>(&insn)) e.emit_callx(*v);
    else if (std::holds_alternative<isa::Exit>(insn)) e.emit_exit();
    else if (const auto* v = std::get_if<isa::PacketLoad>(&insn)) e.emit_packet_load(*v);
}

} // namespace ebpfjit::jit
