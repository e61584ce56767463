// Code pages that are never writable and executable at once: mapped read-write, filled,
// then switched to read-execute for good (asmjit::VirtMem). asmjit 1.9's JitRuntime maps
// RWX unless it dual-maps, and dual mapping keeps a writable alias of the code alive, so
// the JIT owns its pages this way instead.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ebpfjit/error.hpp"

#include <asmjit/core.h>

namespace ebpfjit::jit {

class ExecutableMemory {
public:
    ExecutableMemory() = default;
    ~ExecutableMemory();
    ExecutableMemory(ExecutableMemory&& other) noexcept;
    ExecutableMemory& operator=(ExecutableMemory&& other) noexcept;
    ExecutableMemory(const ExecutableMemory&) = delete;
    ExecutableMemory& operator=(const ExecutableMemory&) = delete;

    // Flattens, relocates and copies `code`, then seals the pages read-execute.
    static Result<ExecutableMemory> from_code(asmjit::CodeHolder& code);

    const uint8_t* data() const { return data_; }
    size_t code_size() const { return code_size_; }
    size_t mapped_size() const { return mapped_size_; }

private:
    uint8_t* data_ = nullptr;
    size_t code_size_ = 0;
    size_t mapped_size_ = 0;
};

} // namespace ebpfjit::jit
