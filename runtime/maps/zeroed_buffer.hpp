// Page-aligned zero-filled memory for map storage. Backed by an anonymous mapping so
// that large preallocated maps cost address space first and pages only when touched.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebpfjit::maps {

class ZeroedBuffer {
public:
    ZeroedBuffer() = default;
    // Returns an empty buffer (data() == nullptr) when the mapping fails.
    static ZeroedBuffer allocate(size_t bytes);
    ~ZeroedBuffer();
    ZeroedBuffer(ZeroedBuffer&& other) noexcept;
    ZeroedBuffer& operator=(ZeroedBuffer&& other) noexcept;
    ZeroedBuffer(const ZeroedBuffer&) = delete;
    ZeroedBuffer& operator=(const ZeroedBuffer&) = delete;

    uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    explicit operator bool() const { return data_ != nullptr; }

private:
    uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

} // namespace ebpfjit::maps
