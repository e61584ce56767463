#include "engine_abi/cgroup_sock_layout.hpp"

#include <fmt/format.h>

namespace ebpfjit::engine_abi {

static_assert(sizeof(bpf_sock_addr) == 72, "struct bpf_sock_addr changed size: re-check kSockAddrCtxFields");
static_assert(offsetof(bpf_sock_addr, sk) == 64);

namespace {

constexpr uint32_t kDefault = 4; // sizeof(__u32), the kernel's size_default

// bpf_ctx_wide_access_ok: 8 bytes at an 8-aligned offset wholly inside the array.
bool wide_ok(const CtxField& f, int64_t off, uint32_t size) {
    return f.size == 16 && size == 8 && off % 8 == 0 && off + 8 <= int64_t(f.offset) + f.size;
}

bool is_address(const CtxField& f) {
    return f.offset == offsetof(bpf_sock_addr, user_ip4) || f.offset == offsetof(bpf_sock_addr, user_ip6) ||
           f.offset == offsetof(bpf_sock_addr, msg_src_ip4) || f.offset == offsetof(bpf_sock_addr, msg_src_ip6) ||
           f.offset == offsetof(bpf_sock_addr, user_port);
}

std::string refused(const CtxField& f, int64_t off, uint32_t size, bool write, std::string_view rule) {
    return fmt::format("invalid bpf_context access off={} size={}: {} of ctx field {} {}", off, size,
                       write ? "write" : "read", f.name, rule);
}

} // namespace

std::optional<ReturnRange> return_range(ProgramType type, AttachType attach) {
    if (type == ProgramType::CgroupSock) return ReturnRange{0, 1};
    if (type != ProgramType::CgroupSockAddr) return std::nullopt;
    switch (attach) {
    case AttachType::Udp4Recvmsg:
    case AttachType::Udp6Recvmsg:
    case AttachType::Inet4Getpeername:
    case AttachType::Inet6Getpeername:
    case AttachType::Inet4Getsockname:
    case AttachType::Inet6Getsockname: return ReturnRange{1, 1};
    case AttachType::Inet4Bind:
    case AttachType::Inet6Bind: return ReturnRange{0, 3};
    default: return ReturnRange{0, 1};
    }
}

std::string sock_addr_size_error(const CtxField& f, int64_t off, uint32_t size, bool write) {
    if (size == 0 || off % size != 0) return refused(f, off, size, write, "is not aligned to its size");
    if (f.kind == CtxFieldKind::Socket)
        return size == 8 ? std::string() : refused(f, off, size, write, "must be a whole u64");
    if (is_address(f)) {
        if (wide_ok(f, off, size)) return {};
        if (write) return size == kDefault ? std::string() : refused(f, off, size, write, "must be 4 bytes (or 8 inside an IPv6 address)");
        const bool narrow = size <= kDefault && (size & (size - 1)) == 0;
        return narrow ? std::string() : refused(f, off, size, write, "must be 1, 2 or 4 bytes (or 8 inside an IPv6 address)");
    }
    return size == kDefault ? std::string() : refused(f, off, size, write, "must be a whole u32");
}

std::string cgroup_sock_size_error(const CtxField& f, int64_t off, uint32_t size, bool write) {
    if (write) // only bound_dev_if, mark and priority are writable: u32, whole
        return size == kDefault && off == f.offset ? std::string() : refused(f, off, size, write, "must be a whole u32");
    return engine_abi::sock_read_ok(off, size, false) ? std::string()
                                                       : refused(f, off, size, write, "has no such narrow access");
}

} // namespace ebpfjit::engine_abi
