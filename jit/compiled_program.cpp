#include "jit/compiled_program.hpp"

namespace ebpfjit::jit {

CompiledProgram::CompiledProgram(ExecutableMemory code, uint32_t body_offset,
                                 std::vector<uint32_t> slot_offsets, ProgramType type,
                                 std::unique_ptr<CheckedProgram> checked)
    : code_(std::move(code)), slot_offsets_(std::move(slot_offsets)), type_(type),
      tail_entry_(std::make_unique<engine_abi::ProgramEntry>()), checked_(std::move(checked)) {
    tail_entry_->native_entry = code_.data() + body_offset;
}

} // namespace ebpfjit::jit
