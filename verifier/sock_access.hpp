// Loads through a socket from the bpf_sk_lookup family (RegType::Socket, the kernel's
// PTR_TO_SOCKET; RegType::SockCommon, PTR_TO_SOCK_COMMON): the kernel's check_mem_access
// for sk pointers (writes refused) and check_sock_access over the field table
// (engine_abi/sock_layout.hpp), with the kernel's messages. Accepted loads read the
// socket's struct bpf_sock fields as they are laid out at run time: no rewrite.
#pragma once

#include <cstdint>
#include <string>

namespace ebpfjit::verifier {

// "" when a load of `size` bytes at `off` (the pointer's offset plus the instruction's)
// through socket register r`base` is allowed; else the rejection, as the kernel words it.
// `common`: the register is a sock_common.
std::string sock_access_error(uint8_t base, int64_t off, uint32_t size, bool write, bool common);

} // namespace ebpfjit::verifier
