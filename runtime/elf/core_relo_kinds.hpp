// The kinds of a CO-RE relocation (the uapi's enum bpf_core_relo_kind) under the names both
// resolvers use: core_target.cpp (ebpfjit's own uapi) and core_btf_target.cpp (a named BTF).
#pragma once

#include <cstdint>

#include <linux/bpf.h>

namespace ebpfjit::runtime::elf::core_kind {

inline constexpr uint32_t kFieldByteOffset = BPF_CORE_FIELD_BYTE_OFFSET;
inline constexpr uint32_t kFieldByteSize = BPF_CORE_FIELD_BYTE_SIZE;
inline constexpr uint32_t kFieldExists = BPF_CORE_FIELD_EXISTS;
inline constexpr uint32_t kFieldSigned = BPF_CORE_FIELD_SIGNED;
inline constexpr uint32_t kFieldLshiftU64 = BPF_CORE_FIELD_LSHIFT_U64;
inline constexpr uint32_t kFieldRshiftU64 = BPF_CORE_FIELD_RSHIFT_U64;
inline constexpr uint32_t kTypeIdLocal = BPF_CORE_TYPE_ID_LOCAL;
inline constexpr uint32_t kTypeIdTarget = BPF_CORE_TYPE_ID_TARGET;
inline constexpr uint32_t kTypeExists = BPF_CORE_TYPE_EXISTS;
inline constexpr uint32_t kTypeSize = BPF_CORE_TYPE_SIZE;
inline constexpr uint32_t kEnumvalExists = BPF_CORE_ENUMVAL_EXISTS;
inline constexpr uint32_t kEnumvalValue = BPF_CORE_ENUMVAL_VALUE;
inline constexpr uint32_t kTypeMatches = BPF_CORE_TYPE_MATCHES;

} // namespace ebpfjit::runtime::elf::core_kind
