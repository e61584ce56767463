// The kernel's numbers that the engine's layers name: BPF_FUNC_* helper ids, BPF_MAP_TYPE_*
// map types, BPF_F_* map flags and the tail-call limit. One place, so a number is written
// once; kernel_ids.cpp checks each against <linux/bpf.h> at build time.
//
// The names avoid the uapi's BPF_* spelling: <linux/bpf.h> defines those as macros, and
// isa/opcodes.hpp must be includable beside this header.
#pragma once

#include <cstdint>

namespace ebpfjit::engine_abi {

// BPF_FUNC_* (enum bpf_func_id): the helpers code outside the helper table refers to.
namespace helper_id {
inline constexpr int32_t kMapLookupElem = 1;
inline constexpr int32_t kMapUpdateElem = 2;
inline constexpr int32_t kMapDeleteElem = 3;
inline constexpr int32_t kTailCall = 12; // both engines turn it into a jump
inline constexpr int32_t kPerfEventRead = 22;
inline constexpr int32_t kPerfEventOutput = 25;
inline constexpr int32_t kPerfEventReadValue = 55;
inline constexpr int32_t kMapPushElem = 87;
inline constexpr int32_t kMapPopElem = 88;
inline constexpr int32_t kMapPeekElem = 89;
inline constexpr int32_t kSpinLock = 93;
inline constexpr int32_t kSpinUnlock = 94;
inline constexpr int32_t kRingbufOutput = 130;
inline constexpr int32_t kRingbufReserve = 131;
inline constexpr int32_t kRingbufSubmit = 132;
inline constexpr int32_t kRingbufDiscard = 133;
inline constexpr int32_t kRingbufQuery = 134;
inline constexpr int32_t kForEachMapElem = 164;
inline constexpr int32_t kLoop = 181;
} // namespace helper_id

// BPF_MAP_TYPE_* (enum bpf_map_type).
namespace map_type {
inline constexpr uint32_t kHash = 1;
inline constexpr uint32_t kArray = 2;
inline constexpr uint32_t kProgArray = 3;
inline constexpr uint32_t kPerfEventArray = 4;
inline constexpr uint32_t kPercpuHash = 5;
inline constexpr uint32_t kPercpuArray = 6;
inline constexpr uint32_t kStackTrace = 7;
inline constexpr uint32_t kCgroupArray = 8;
inline constexpr uint32_t kLruHash = 9;
inline constexpr uint32_t kLruPercpuHash = 10;
inline constexpr uint32_t kLpmTrie = 11;
inline constexpr uint32_t kArrayOfMaps = 12;
inline constexpr uint32_t kHashOfMaps = 13;
inline constexpr uint32_t kDevmap = 14;
inline constexpr uint32_t kSockmap = 15;
inline constexpr uint32_t kCpumap = 16;
inline constexpr uint32_t kXskmap = 17;
inline constexpr uint32_t kSockhash = 18;
inline constexpr uint32_t kQueue = 22;
inline constexpr uint32_t kStack = 23;
inline constexpr uint32_t kSkStorage = 24;
inline constexpr uint32_t kDevmapHash = 25;
inline constexpr uint32_t kRingbuf = 27;
inline constexpr uint32_t kInodeStorage = 28;
inline constexpr uint32_t kTaskStorage = 29;
inline constexpr uint32_t kBloomFilter = 30;
inline constexpr uint32_t kUserRingbuf = 31;
inline constexpr uint32_t kCgrpStorage = 32;
// One past the largest type a mask of map types (helpers::MapTypeMask) can name.
inline constexpr uint32_t kLimit = 64;
} // namespace map_type

constexpr bool is_map_in_map(uint32_t type) {
    return type == map_type::kArrayOfMaps || type == map_type::kHashOfMaps;
}
// Local storage (per socket, inode, task, cgroup): sized by its owners, so max_entries is 0
// (the kernel refuses any other value; bpf_local_storage_map_alloc_check).
constexpr bool is_local_storage(uint32_t type) {
    return type == map_type::kSkStorage || type == map_type::kInodeStorage || type == map_type::kTaskStorage ||
           type == map_type::kCgrpStorage;
}
// SOCKMAP / SOCKHASH: values are sockets (runtime/maps/sock_map.hpp).
constexpr bool is_socket_map(uint32_t type) { return type == map_type::kSockmap || type == map_type::kSockhash; }

// BPF_F_* map flags (map_flags of BPF_MAP_CREATE) the verifier reads.
namespace map_flag {
inline constexpr uint32_t kRdonlyProg = 1u << 7; // BPF_F_RDONLY_PROG: programs may only read values
inline constexpr uint32_t kWronlyProg = 1u << 8; // BPF_F_WRONLY_PROG: programs may only write values
} // namespace map_flag

// MAX_TAIL_CALL_CNT: a run makes at most 33 tail calls; the 34th falls through.
inline constexpr uint32_t kMaxTailCalls = 33;

} // namespace ebpfjit::engine_abi
