#include "runtime/maps/zeroed_buffer.hpp"

#include <sys/mman.h>

#include <utility>

namespace ebpfjit::maps {

ZeroedBuffer ZeroedBuffer::allocate(size_t bytes) {
    ZeroedBuffer b;
    if (bytes == 0) bytes = 1;
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return b;
    b.data_ = static_cast<uint8_t*>(p);
    b.size_ = bytes;
    return b;
}

ZeroedBuffer::~ZeroedBuffer() {
    if (data_ != nullptr) munmap(data_, size_);
}

ZeroedBuffer::ZeroedBuffer(ZeroedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ZeroedBuffer& ZeroedBuffer::operator=(ZeroedBuffer&& other) noexcept {
    if (this != &other) {
        if (data_ != nullptr) munmap(data_, size_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

} // namespace ebpfjit::maps
