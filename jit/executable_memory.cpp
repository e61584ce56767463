#include "jit/executable_memory.hpp"

#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace ebpfjit::jit {

namespace {
std::string asmjit_error(const char* what, asmjit::Error err) {
    return fmt::format("{}: {}", what, asmjit::DebugUtils::errorAsString(err));
}
} // namespace

ExecutableMemory::~ExecutableMemory() {
    if (data_ != nullptr) asmjit::VirtMem::release(data_, mapped_size_);
}

ExecutableMemory::ExecutableMemory(ExecutableMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), code_size_(std::exchange(other.code_size_, 0)),
      mapped_size_(std::exchange(other.mapped_size_, 0)) {}

ExecutableMemory& ExecutableMemory::operator=(ExecutableMemory&& other) noexcept {
    if (this != &other) {
        if (data_ != nullptr) asmjit::VirtMem::release(data_, mapped_size_);
        data_ = std::exchange(other.data_, nullptr);
        code_size_ = std::exchange(other.code_size_, 0);
        mapped_size_ = std::exchange(other.mapped_size_, 0);
    }
    return *this;
}

Result<ExecutableMemory> ExecutableMemory::from_code(asmjit::CodeHolder& code) {
    using asmjit::VirtMem::MemoryFlags;
    if (auto err = code.flatten()) return fail(Error::plain(asmjit_error("flattening code", err)));
    if (auto err = code.resolveUnresolvedLinks())
        return fail(Error::plain(asmjit_error("resolving labels", err)));
    // The estimate includes room for an address table that relocation may not need.
    const size_t estimate = code.codeSize();
    const size_t page = asmjit::VirtMem::info().pageSize;
    ExecutableMemory mem;
    mem.mapped_size_ = (estimate + page - 1) / page * page;
    void* p = nullptr;
    if (auto err = asmjit::VirtMem::alloc(&p, mem.mapped_size_, MemoryFlags::kAccessRW))
        return fail(Error::plain(asmjit_error("mapping code pages", err)));
    mem.data_ = static_cast<uint8_t*>(p);
    std::memset(mem.data_, 0xcc, mem.mapped_size_); // int3 beyond the code
    if (auto err = code.relocateToBase(reinterpret_cast<uint64_t>(p)))
        return fail(Error::plain(asmjit_error("relocating code", err)));
    for (const asmjit::Section* section : code.sections()) {
        const size_t offset = static_cast<size_t>(section->offset());
        const size_t size = section->bufferSize();
        if (offset + size > mem.mapped_size_) return fail(Error::plain("code grew during relocation"));
        std::memcpy(mem.data_ + offset, section->data(), size);
    }
    mem.code_size_ = code.codeSize();
    if (auto err = asmjit::VirtMem::protect(p, mem.mapped_size_, MemoryFlags::kAccessRX))
        return fail(Error::plain(asmjit_error("sealing code pages read-execute", err)));
    asmjit::VirtMem::flushInstructionCache(p, mem.mapped_size_);
    return mem;
}

} // namespace ebpfjit::jit
