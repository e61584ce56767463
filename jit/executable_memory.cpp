#include "jit/executable_memory.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

#include <fmt/format.h>

namespace ebpfjit::jit {

namespace {
std::string asmjit_error(const char* what, asmjit::Error err) {
    return fmt::format("{}: {}", what, asmjit::DebugUtils::errorAsString(err));
}

// Read-write pages for code within 2 GiB of this library's own code, or nullptr.
//
// Why: on the AMD EPYC (Zen) machines we measure, an indirect call whose target lies far
// from the call site (an ordinary mmap lands in the 0x7f... area, the executable's text
// at 0x55...) costs about 1 ns more than one to a near target: `return 0x1234` called
// through a pointer takes 2.3-2.4 ns at an mmap'd address and 1.4 ns 64 MiB from the text,
// the same as a compiled function (docs/performance.md, issue 18 item 2). Every run calls
// its code so, from this library. The pages go downwards from 1 GiB below the text (the
// area below a program's text is unused; the heap grows upwards after it), each at an
// address nothing occupies (MAP_FIXED_NOREPLACE: never over another mapping). Where
// that fails (an older kernel ignoring the flag, the area taken, a text below 2 GiB) the
// caller maps anywhere, as before.
void* map_near_code(size_t size) {
    static std::mutex mutex;
    static uintptr_t next = 0; // the lowest address handed out so far
    constexpr uintptr_t kBelowText = uintptr_t{1} << 30;
    constexpr uintptr_t kReach = (uintptr_t{1} << 31) - (uintptr_t{1} << 24); // rel32, with room
    const auto text = reinterpret_cast<uintptr_t>(&map_near_code);
    const uintptr_t page = asmjit::VirtMem::info().pageSize;
    if (text < kReach) return nullptr;
    std::lock_guard lock(mutex);
    if (next == 0) next = (text - kBelowText) & ~(page - 1);
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (next < size + page || text - (next - size) > kReach) return nullptr;
        const uintptr_t at = next - size;
        void* p = mmap(reinterpret_cast<void*>(at), size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == reinterpret_cast<void*>(at)) {
            next = at;
            return p;
        }
        if (p != MAP_FAILED) munmap(p, size); // a kernel without MAP_FIXED_NOREPLACE put it elsewhere
        next = at - (uintptr_t{1} << 20);     // something is there: try below it
    }
    return nullptr;
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
    void* p = map_near_code(mem.mapped_size_);
    if (p == nullptr) {
        if (auto err = asmjit::VirtMem::alloc(&p, mem.mapped_size_, MemoryFlags::kAccessRW))
            return fail(Error::plain(asmjit_error("mapping code pages", err)));
    }
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
