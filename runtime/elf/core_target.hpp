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
// field_exists, enumval_exists (0 / 1) and enumval_value (a helper ebpfjit has); for a
// __sk_buff or xdp_md field: its offset, size, signedness and load shifts in the uapi.
// nullopt: only the kernel's BTF can answer (other types' layouts).
std::optional<uint64_t> core_target_value(const RawCoreRelocation& r);

// Whether the instruction already holds libbpf's answer: the relocation asks about a
// struct whose layout no kernel can change, so the kernel's BTF describes it as the
// object's does and every field kind (offset, size, signedness, bitfield shifts, exists)
// and type kind (exists, size, matches) resolves to what clang compiled in. Those structs:
// the wire-format headers (ethhdr, iphdr, ipv6hdr, tcphdr, udphdr, icmphdr, icmp6hdr,
// sctphdr, in6_addr, vlan_hdr, arphdr), named exactly so and of the wire size in the
// object. vmlinux.h makes every access to them a relocation, so every program built
// against it needs this (and core_target_value's ctx fields) to load.
bool core_keeps_compiled_layout(const RawCoreRelocation& r);

} // namespace ebpfjit::runtime::elf
