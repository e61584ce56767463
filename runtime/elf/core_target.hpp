// CO-RE relocations answered against ebpfjit's own uapi, the "kernel" an object runs on
// here. libbpf answers them from the running kernel's BTF; a userspace runtime has none, but
// programs mostly ask about the uapi the runtime itself implements, to pick a code path:
//   bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)   is that helper there?
//   bpf_core_field_exists(skb->gso_size)                           may I read that field?
//   bpf_core_field_exists(((struct bpf_fib_lookup *)0)->mark)      does fib_lookup know it?
// Those are answered here, from the helper table and the ctx layouts, so a program takes
// the path that works on ebpfjit (as it would on a kernel that lacks the newer feature).
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/elf/btf_info.hpp"

namespace ebpfjit::runtime::elf {

// The value libbpf would patch in: bpf_core_type_id_local() -> the local type id; for
// enum bpf_func_id, struct __sk_buff, struct xdp_md and struct bpf_fib_lookup: type_exists,
// field_exists, enumval_exists (0 / 1) and enumval_value (a helper ebpfjit has). nullopt:
// only the kernel's BTF can answer (field offsets and sizes, other types).
std::optional<uint64_t> core_target_value(const RawCoreRelocation& r);

} // namespace ebpfjit::runtime::elf
