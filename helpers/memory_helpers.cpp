// bpf_probe_read and bpf_probe_read_{user,kernel}[_str]: safe copies from anywhere in our
// own address space. User and kernel variants are the same here (there is one address
// space); on failure the destination is zeroed and -EFAULT returned, as in the kernel.
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/safe_memory.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t probe_read(uint64_t dst, uint64_t size, uint64_t unsafe_ptr, uint64_t, uint64_t) {
    auto* out = reinterpret_cast<void*>(dst);
    if (safe_read(out, unsafe_ptr, uint32_t(size))) return 0;
    std::memset(out, 0, uint32_t(size));
    return uint64_t(-EFAULT);
}

uint64_t probe_read_str(uint64_t dst, uint64_t size, uint64_t unsafe_ptr, uint64_t, uint64_t) {
    auto* out = reinterpret_cast<char*>(dst);
    int64_t n = safe_read_str(out, unsafe_ptr, uint32_t(size));
    if (n < 0) std::memset(out, 0, uint32_t(size));
    return uint64_t(n);
}

constexpr Prototype kReadProto{.ret = RetType::Integer,
                               .args = {ArgType::PtrToUninitMem, ArgType::ConstSizeOrZero, ArgType::Anything},
                               .reads_any_address = true};

} // namespace

void register_memory_helpers(HelperTable& t) {
    // The legacy bpf_probe_read is a tracing-only helper: of our types, `mem` only.
    t.add({BPF_FUNC_probe_read, "probe_read", kReadProto, mask_of(ProgramType::Mem), probe_read});
    t.add({BPF_FUNC_probe_read_user, "probe_read_user", kReadProto, kAllProgramTypes, probe_read});
    t.add({BPF_FUNC_probe_read_kernel, "probe_read_kernel", kReadProto, kAllProgramTypes, probe_read});
    t.add({BPF_FUNC_probe_read_user_str, "probe_read_user_str", kReadProto, kAllProgramTypes,
           probe_read_str});
    t.add({BPF_FUNC_probe_read_kernel_str, "probe_read_kernel_str", kReadProto, kAllProgramTypes,
           probe_read_str});
}

} // namespace ebpfjit::helpers
