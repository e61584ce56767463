// The kernel's BPF printf dialect (kernel/bpf/helpers.c bpf_bprintf_prepare + bstr_printf),
// shared by bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf.
//
// Conversions: %d %i %u %x %X with optional l / ll, %c, %s, %p (also %pK %px %ps %pS, printed
// as 16 hex digits), %pks / %pus (strings), %pI4 %pi4 %pI6 %pi6 (addresses read through the
// pointer), %%. Flags [0 +-] and a width are accepted; a precision is not. Every character
// of the format must be printable ASCII or white space, and the format must end with a NUL
// within its size. Anything else, or more conversions than arguments, is -EINVAL.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>

namespace ebpfjit::helpers {

inline constexpr uint32_t kMaxBprintfArgs = 12;        // MAX_BPRINTF_VARARGS
inline constexpr uint32_t kMaxTracePrintkArgs = 3;     // bpf_trace_printk's r3..r5
inline constexpr uint32_t kMaxBprintfOutput = 1024;    // MAX_BPRINTF_BUF: trace line limit

// The formatted text (strings behind %s and %pI read safely: an unreadable %s prints as
// empty, an unreadable address as zeros, as in the kernel), or -errno. `fmt` holds at
// most `fmt_size` bytes, and `args` are the u64 arguments in order.
std::expected<std::string, int> bpf_format(const char* fmt, uint32_t fmt_size,
                                           std::span<const uint64_t> args);

} // namespace ebpfjit::helpers
