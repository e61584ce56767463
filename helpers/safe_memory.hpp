// Fault-tolerant reads of our own address space, for the probe_read family and the %s
// of the printf helpers: an unmapped or unreadable address is an error value, never a
// crash (the kernel's copy_from_kernel_nofault / strncpy_from_kernel_nofault).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebpfjit::helpers {

// Copies `size` bytes at `addr` into `dst`. False if any of them cannot be read.
bool safe_read(void* dst, uint64_t addr, size_t size);

// Copies the NUL-terminated string at `addr` into `dst`, at most size - 1 bytes plus a
// NUL. Returns the bytes written including the NUL (0 when size is 0), or -EFAULT if a
// byte before the end of the string cannot be read.
int64_t safe_read_str(char* dst, uint64_t addr, size_t size);

namespace detail {
// The fallback safe_read uses where process_vm_readv is not allowed (seccomp, ptrace
// policy): write(2) the bytes into a pipe, which fails with EFAULT instead of faulting.
bool read_via_pipe(void* dst, uint64_t addr, size_t size);
} // namespace detail

} // namespace ebpfjit::helpers
