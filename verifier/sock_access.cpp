#include "verifier/sock_access.hpp"

#include <fmt/format.h>

#include "engine_abi/sock_layout.hpp"

namespace ebpfjit::verifier {

namespace {

// Why the kernel's bpf_sock(_common)_is_valid_access refuses it, for the log's reader.
std::string why(int64_t off, uint32_t size, bool common) {
    using engine_abi::SockNarrow;
    if (off < 0 || off >= int64_t(engine_abi::kBpfSockSize))
        return fmt::format("outside struct bpf_sock ({} bytes)", engine_abi::kBpfSockSize);
    if (off % size != 0) return fmt::format("offset {} is not a multiple of the size", off);
    const engine_abi::SockField* f = engine_abi::sock_field_at(off);
    if (!f) return "the padding after dst_port in struct bpf_sock";
    if (common && !f->sock_common)
        return fmt::format("struct bpf_sock field {} is not readable through a sock_common (it may be a time-wait "
                           "or request socket: only bound_dev_if, family, the addresses and ports, state and "
                           "rx_queue_mapping are)",
                           f->name);
    switch (f->narrow) {
    case SockNarrow::None: return fmt::format("struct bpf_sock field {} is read with 4 bytes only", f->name);
    case SockNarrow::AtStart:
        return fmt::format("struct bpf_sock field {} is read with 1, 2 or 4 bytes at its start", f->name);
    case SockNarrow::Anywhere:
    case SockNarrow::DstPort:
        return fmt::format("struct bpf_sock field {} is read with 1, 2 or 4 bytes", f->name);
    }
    return "";
}

} // namespace

std::string sock_access_error(uint8_t base, int64_t off, uint32_t size, bool write, bool common) {
    const char* type = common ? "sock_common" : "sock";
    // check_mem_access: "cannot write into" before any field rule (struct bpf_sock is
    // read-only to every program that gets it from a lookup).
    if (write) return fmt::format("R{} cannot write into {} (struct bpf_sock is read-only)", base, type);
    if (engine_abi::sock_read_ok(off, size, common)) return "";
    return fmt::format("R{} invalid {} access off={} size={}: {}", base, type, off, size, why(off, size, common));
}

} // namespace ebpfjit::verifier
