// The map helpers (bpf-helpers(7)): thin adapters from the r1..r5 calling convention to
// the Map interface. r1 is the maps::Map* an LDDW map reference loads. The verifier
// guarantees the argument kinds; the few checks here keep the interpreter safe when it
// runs unverified code, and return what the kernel would.
#include <linux/bpf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "runtime/maps/map.hpp"
#include "helpers/socket_map_ops.hpp"
#include "runtime/maps/ringbuf_map.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime/maps/spin_lock.hpp"

namespace ebpfjit::helpers {
namespace {

using maps::Map;

Map* map_of(uint64_t r) { return reinterpret_cast<Map*>(r); }
void* ptr(uint64_t r) { return reinterpret_cast<void*>(r); }
uint64_t ret(int err) { return static_cast<uint64_t>(static_cast<int64_t>(err)); }
uint64_t ret(const void* p) { return reinterpret_cast<uint64_t>(p); }

// A socket map's value is a socket, not memory (helpers/socket_map_ops.hpp).
maps::SocketMap* socket_map_of(Map* m) {
    return engine_abi::is_socket_map(m->definition().type) ? static_cast<maps::SocketMap*>(m) : nullptr;
}

uint64_t map_lookup_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
    Map* m = map_of(map);
    if (maps::SocketMap* sm = socket_map_of(m)) [[unlikely]]
        return socket_map_lookup(*sm, ptr(key));
    return ret(m->lookup(ptr(key)));
}
uint64_t map_update_elem(uint64_t map, uint64_t key, uint64_t value, uint64_t flags, uint64_t) {
    Map* m = map_of(map);
    if (maps::SocketMap* sm = socket_map_of(m)) [[unlikely]]
        return ret(socket_map_update(*sm, ptr(key), value, flags));
    return ret(m->update(ptr(key), ptr(value), flags));
}
uint64_t map_delete_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
    return ret(map_of(map)->remove(ptr(key)));
}
uint64_t map_push_elem(uint64_t map, uint64_t value, uint64_t flags, uint64_t, uint64_t) {
    return ret(map_of(map)->push(ptr(value), flags));
}
// pop and peek write the value, and the verifier counts it as written whatever they
// return: an empty queue or stack zeroes it, as the kernel's __queue_map_get and
// __stack_map_get do (else it would hold an earlier run's stack bytes). A bloom filter's
// peek reads the value (a membership test) and leaves it alone.
uint64_t map_pop_elem(uint64_t map, uint64_t value, uint64_t, uint64_t, uint64_t) {
    Map* m = map_of(map);
    const int err = m->pop(ptr(value));
    if (err != 0) std::memset(ptr(value), 0, m->definition().value_size);
    return ret(err);
}
uint64_t map_peek_elem(uint64_t map, uint64_t value, uint64_t, uint64_t, uint64_t) {
    Map* m = map_of(map);
    const int err = m->peek(ptr(value));
    if (err != 0 && m->definition().type != BPF_MAP_TYPE_BLOOM_FILTER)
        std::memset(ptr(value), 0, m->definition().value_size);
    return ret(err);
}
uint64_t spin_lock(uint64_t lock, uint64_t, uint64_t, uint64_t, uint64_t) {
    maps::spin_lock(ptr(lock));
    return 0;
}
uint64_t spin_unlock(uint64_t lock, uint64_t, uint64_t, uint64_t, uint64_t) {
    maps::spin_unlock(ptr(lock));
    return 0;
}
uint64_t map_lookup_percpu_elem(uint64_t map, uint64_t key, uint64_t cpu, uint64_t, uint64_t) {
    if (cpu > UINT32_MAX) return 0;
    return ret(map_of(map)->lookup_percpu(ptr(key), static_cast<uint32_t>(cpu)));
}

maps::RingbufMap* ringbuf_of(uint64_t map) {
    Map* m = map_of(map);
    return m->definition().type == BPF_MAP_TYPE_RINGBUF ? static_cast<maps::RingbufMap*>(m)
                                                        : nullptr;
}
uint64_t ringbuf_output(uint64_t map, uint64_t data, uint64_t size, uint64_t flags, uint64_t) {
    auto* rb = ringbuf_of(map);
    return rb ? ret(rb->output(ptr(data), size, flags)) : ret(-EINVAL);
}
uint64_t ringbuf_reserve(uint64_t map, uint64_t size, uint64_t flags, uint64_t, uint64_t) {
    auto* rb = ringbuf_of(map);
    return rb ? ret(rb->reserve(size, flags)) : 0;
}
uint64_t ringbuf_submit(uint64_t data, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    maps::RingbufMap::submit(ptr(data), flags);
    return 0;
}
uint64_t ringbuf_discard(uint64_t data, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    maps::RingbufMap::discard(ptr(data), flags);
    return 0;
}
uint64_t ringbuf_query(uint64_t map, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    auto* rb = ringbuf_of(map);
    return rb ? rb->query(flags) : 0;
}

constexpr ArgType N = ArgType::None;
namespace type = engine_abi::map_type;
// A program looks up inner maps of a map-in-map but cannot replace them.
constexpr MapTypeMask kChangeableMapTypes = kGeneralMapTypes & ~map_types({type::kArrayOfMaps, type::kHashOfMaps});
constexpr MapTypeMask kRingbufOnly = map_types({type::kRingbuf});
// The kernel forbids bpf_spin_lock in socket filters (no preemption guarantees there).
constexpr ProgramTypeMask kSpinLockTypes = kAllProgramTypes & ~mask_of(ProgramType::SocketFilter);

// The kernel's may_update_sockmap: of our program types, XDP, tc and socket filters may
// change a socket map (a socket is never locked there).
constexpr ProgramTypeMask kSocketMapWriters =
    mask_of(ProgramType::Xdp) | mask_of(ProgramType::SchedCls) | mask_of(ProgramType::SocketFilter);
constexpr std::string_view kSocketMapRefused = "cannot update sockmap in this context";

} // namespace

void register_map_helpers(HelperTable& table) {
    using A = ArgType;
    using R = RetType;
    // lookup, update and delete read no run state: a per-CPU map's slot is the thread's own
    // with or without one (maps::current_cpu()), so programs calling only these run without
    // one (Helper::uses_run_state).
    // On a socket map (Helper::on_socket_maps): a lookup acquires the socket it returns
    // (released with bpf_sk_release), an update takes a socket where the value was, and
    // only kSocketMapWriters may update or delete. Those need the run state (its sockets).
    const SocketMapRole socket_lookup{.map_types = kSocketMapTypes,
                                      .ret = R::SocketOrNull,
                                      .args = {A::ConstMapPtr, A::PtrToMapKey, N, N, N},
                                      .refs = {.acquires = RefKind::Socket}};
    const SocketMapRole socket_update{.map_types = kSocketMapTypes,
                                      .allowed = kSocketMapWriters,
                                      .refused = kSocketMapRefused,
                                      .args = {A::ConstMapPtr, A::PtrToMapKey, A::PtrToSockCommon, A::Anything, N}};
    const SocketMapRole socket_delete{.map_types = kSocketMapTypes,
                                      .allowed = kSocketMapWriters,
                                      .refused = kSocketMapRefused,
                                      .args = {A::ConstMapPtr, A::PtrToMapKey, N, N, N}};
    const Helper helpers[] = {
        {BPF_FUNC_map_lookup_elem, "map_lookup_elem",
         {.ret = R::MapValueOrNull,
          .args = {A::ConstMapPtr, A::PtrToMapKey, N, N, N},
          .map_types = kGeneralMapTypes | kSocketMapTypes,
          .array_lookup_not_null = true},
         kAllProgramTypes,
         map_lookup_elem, false, /*uses_run_state=*/false, kAnyAttach, socket_lookup},
        {BPF_FUNC_map_update_elem, "map_update_elem",
         {.ret = R::Integer,
          .args = {A::ConstMapPtr, A::PtrToMapKey, A::PtrToMapValue, A::Anything, N},
          .map_types = kChangeableMapTypes | kSocketMapTypes,
          .map_access = kMapWrites},
         kAllProgramTypes, map_update_elem, false, /*uses_run_state=*/false, kAnyAttach, socket_update},
        {BPF_FUNC_map_delete_elem, "map_delete_elem",
         {.ret = R::Integer,
          .args = {A::ConstMapPtr, A::PtrToMapKey, N, N, N},
          .map_types = kChangeableMapTypes | kSocketMapTypes,
          .map_access = kMapWrites},
         kAllProgramTypes, map_delete_elem, false, /*uses_run_state=*/false, kAnyAttach, socket_delete},
        {BPF_FUNC_map_push_elem, "map_push_elem",
         {.ret = R::Integer,
          .args = {A::ConstMapPtr, A::PtrToMapValue, A::Anything, N, N},
          .map_access = kMapWrites},
         kAllProgramTypes, map_push_elem},
        // pop and peek copy a value out (reads); pop also removes it (the kernel's
        // record_func_map counts pop among the writes).
        {BPF_FUNC_map_pop_elem, "map_pop_elem",
         {.ret = R::Integer,
          .args = {A::ConstMapPtr, A::PtrToUninitMapValue, N, N, N},
          .map_access = kMapReads | kMapWrites},
         kAllProgramTypes, map_pop_elem},
        {BPF_FUNC_map_peek_elem, "map_peek_elem",
         {.ret = R::Integer,
          .args = {A::ConstMapPtr, A::PtrToUninitMapValue, N, N, N},
          .map_access = kMapReads,
          .value_read_by = map_types({engine_abi::map_type::kBloomFilter})},
         kAllProgramTypes, map_peek_elem},
        {BPF_FUNC_spin_lock, "spin_lock",
         {.ret = R::Void, .args = {A::PtrToSpinLock, N, N, N, N}, .lock = LockRole::Lock}, kSpinLockTypes,
         spin_lock},
        {BPF_FUNC_spin_unlock, "spin_unlock",
         {.ret = R::Void, .args = {A::PtrToSpinLock, N, N, N, N}, .lock = LockRole::Unlock}, kSpinLockTypes,
         spin_unlock},
        {BPF_FUNC_map_lookup_percpu_elem, "map_lookup_percpu_elem",
         {R::MapValueOrNull, {A::ConstMapPtr, A::PtrToMapKey, A::Anything, N, N}},
         kAllProgramTypes, map_lookup_percpu_elem},
        {BPF_FUNC_ringbuf_output, "ringbuf_output",
         {.ret = R::Integer,
          .args = {A::ConstMapPtr, A::PtrToMem, A::ConstSizeOrZero, A::Anything, N},
          .map_types = kRingbufOnly},
         kAllProgramTypes, ringbuf_output},
        {BPF_FUNC_ringbuf_reserve, "ringbuf_reserve",
         {.ret = R::AllocMemOrNull,
          .args = {A::ConstMapPtr, A::ConstAllocSizeOrZero, A::Anything, N, N},
          .map_types = kRingbufOnly,
          .refs = {.acquires = RefKind::RingbufRecord}},
         kAllProgramTypes, ringbuf_reserve},
        {BPF_FUNC_ringbuf_submit, "ringbuf_submit",
         {.ret = R::Void,
          .args = {A::PtrToAllocMem, A::Anything, N, N, N},
          .refs = {.releases = RefKind::RingbufRecord, .release_arg = 0}},
         kAllProgramTypes, ringbuf_submit},
        {BPF_FUNC_ringbuf_discard, "ringbuf_discard",
         {.ret = R::Void,
          .args = {A::PtrToAllocMem, A::Anything, N, N, N},
          .refs = {.releases = RefKind::RingbufRecord, .release_arg = 0}},
         kAllProgramTypes, ringbuf_discard},
        {BPF_FUNC_ringbuf_query, "ringbuf_query",
         {.ret = R::Integer, .args = {A::ConstMapPtr, A::Anything, N, N, N}, .map_types = kRingbufOnly},
         kAllProgramTypes, ringbuf_query},
        // No function: both engines turn the call into a jump (jit/lowering,
        // runtime/interpreter/tail_call); the entry gives the verifier its prototype.
        {BPF_FUNC_tail_call, "tail_call",
         {.ret = R::Void,
          .args = {A::PtrToCtx, A::ConstMapPtr, A::Anything, N, N},
          .map_types = map_types({type::kProgArray}),
          .tail_call = true},
         kAllProgramTypes, nullptr},
    };
    for (const Helper& h : helpers) table.add(h);
}

} // namespace ebpfjit::helpers
