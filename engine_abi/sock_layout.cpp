#include "engine_abi/sock_layout.hpp"

namespace ebpfjit::engine_abi {

static_assert(kBpfSockSize == 80, "struct bpf_sock changed size: re-check kSockFields");
static_assert(offsetof(bpf_sock, rx_queue_mapping) + sizeof(bpf_sock::rx_queue_mapping) == kBpfSockSize);

const SockField* sock_field_at(int64_t off) {
    for (const SockField& f : kSockFields)
        if (off >= f.offset && off < int64_t(f.offset) + f.size) return &f;
    return nullptr;
}

bool sock_read_ok(int64_t off, uint32_t size, bool common) {
    constexpr uint32_t kDefault = 4; // sizeof(__u32)
    if (off < 0 || off >= int64_t(kBpfSockSize)) return false;
    if (size == 0 || off % size != 0) return false;
    const SockField* f = sock_field_at(off);
    if (!f) return false; // dst_port's padding: the kernel's explicit `return false`
    if (common && !f->sock_common) return false;
    // bpf_ctx_narrow_access_ok: a power of two no wider than the field's access size.
    const bool narrow_ok = size <= kDefault && (size & (size - 1)) == 0;
    switch (f->narrow) {
    case SockNarrow::AtStart:
        if (off == f->offset) return narrow_ok;
        break; // inside the field: only the default rule below
    case SockNarrow::Anywhere: return narrow_ok;
    case SockNarrow::DstPort: return size == kDefault || (narrow_ok && size <= f->size);
    case SockNarrow::None: break;
    }
    return size == kDefault;
}

} // namespace ebpfjit::engine_abi
