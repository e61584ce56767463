// bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf over the shared formatter
// (bprintf.hpp). Return values as in the kernel: the formatted length for the trace
// helpers, the length plus the NUL for snprintf, or -EINVAL.
#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "helpers/bprintf.hpp"
#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/safe_memory.hpp"
#include "helpers/trace_output.hpp"

namespace ebpfjit::helpers {
namespace {

// The kernel truncates a trace line to its buffer but reports the full length.
uint64_t trace(const std::string& text) {
    emit_trace(std::string_view(text).substr(0, kMaxBprintfOutput - 1));
    return text.size();
}

// data_len must be a multiple of 8, at most 12 arguments, and data non-NULL if data_len.
std::expected<std::vector<uint64_t>, int> array_args(uint64_t data, uint64_t data_len) {
    const uint32_t len = uint32_t(data_len);
    if (len % 8 || len > kMaxBprintfArgs * 8 || (len && !data)) return std::unexpected(-EINVAL);
    std::vector<uint64_t> args(len / 8);
    if (len) std::memcpy(args.data(), reinterpret_cast<const void*>(data), len);
    return args;
}

uint64_t trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3) {
    const std::array<uint64_t, kMaxTracePrintkArgs> args{a1, a2, a3};
    auto text = bpf_format(reinterpret_cast<const char*>(fmt), uint32_t(fmt_size), args);
    if (!text) return uint64_t(int64_t(text.error()));
    return trace(*text);
}

uint64_t trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len, uint64_t) {
    auto args = array_args(data, data_len);
    if (!args) return uint64_t(int64_t(args.error()));
    auto text = bpf_format(reinterpret_cast<const char*>(fmt), uint32_t(fmt_size), *args);
    if (!text) return uint64_t(int64_t(text.error()));
    return trace(*text);
}

// The format is a read-only map string the verifier proved NUL-terminated; it is still
// read safely, bounded by the largest format we accept.
uint64_t snprintf(uint64_t str, uint64_t str_size, uint64_t fmt, uint64_t data, uint64_t data_len) {
    auto args = array_args(data, data_len);
    if (!args) return uint64_t(int64_t(args.error()));
    char format[4096];
    const int64_t flen = safe_read_str(format, fmt, sizeof format);
    if (flen <= 0) return uint64_t(int64_t(-EINVAL));
    auto text = bpf_format(format, uint32_t(flen), *args);
    if (!text) return uint64_t(int64_t(text.error()));
    const uint32_t size = uint32_t(str_size);
    if (size > 0) {
        auto* out = reinterpret_cast<char*>(str);
        const size_t n = std::min<size_t>(text->size(), size - 1);
        std::memcpy(out, text->data(), n);
        out[n] = '\0';
    }
    return text->size() + 1;
}

} // namespace

void register_print_helpers(HelperTable& t) {
    t.add({BPF_FUNC_trace_printk, "trace_printk",
           Prototype{.ret = RetType::Integer,
                     .args = {ArgType::PtrToMem, ArgType::ConstSize},
                     .formats_extra_args = true,
                     .format_reads_addresses = true},
           kAllProgramTypes, trace_printk});
    t.add({BPF_FUNC_trace_vprintk, "trace_vprintk",
           Prototype{.ret = RetType::Integer,
                     .args = {ArgType::PtrToMem, ArgType::ConstSize, ArgType::PtrToMemOrNull,
                              ArgType::ConstSizeOrZero},
                     .format_reads_addresses = true},
           kAllProgramTypes, trace_vprintk});
    t.add({BPF_FUNC_snprintf, "snprintf",
           Prototype{.ret = RetType::Integer,
                     .args = {ArgType::PtrToUninitMem, ArgType::ConstSizeOrZero, ArgType::PtrToConstStr,
                              ArgType::PtrToMemOrNull, ArgType::ConstSizeOrZero},
                     .format_reads_addresses = true},
           kAllProgramTypes, snprintf});
}

} // namespace ebpfjit::helpers
