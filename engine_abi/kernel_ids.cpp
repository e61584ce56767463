// Build-time proof that engine_abi/kernel_ids.hpp agrees with the uapi header this build
// compiles against: a wrong number fails the build instead of misreading a program.
#include "engine_abi/kernel_ids.hpp"

#include <linux/bpf.h>

namespace ebpfjit::engine_abi {

namespace h = helper_id;
static_assert(h::kMapLookupElem == BPF_FUNC_map_lookup_elem);
static_assert(h::kMapUpdateElem == BPF_FUNC_map_update_elem);
static_assert(h::kMapDeleteElem == BPF_FUNC_map_delete_elem);
static_assert(h::kTailCall == BPF_FUNC_tail_call);
static_assert(h::kPerfEventRead == BPF_FUNC_perf_event_read);
static_assert(h::kPerfEventOutput == BPF_FUNC_perf_event_output);
static_assert(h::kPerfEventReadValue == BPF_FUNC_perf_event_read_value);
static_assert(h::kMapPushElem == BPF_FUNC_map_push_elem);
static_assert(h::kMapPopElem == BPF_FUNC_map_pop_elem);
static_assert(h::kMapPeekElem == BPF_FUNC_map_peek_elem);
static_assert(h::kSpinLock == BPF_FUNC_spin_lock);
static_assert(h::kSpinUnlock == BPF_FUNC_spin_unlock);
static_assert(h::kRingbufOutput == BPF_FUNC_ringbuf_output);
static_assert(h::kRingbufReserve == BPF_FUNC_ringbuf_reserve);
static_assert(h::kRingbufSubmit == BPF_FUNC_ringbuf_submit);
static_assert(h::kRingbufDiscard == BPF_FUNC_ringbuf_discard);
static_assert(h::kRingbufQuery == BPF_FUNC_ringbuf_query);
static_assert(h::kForEachMapElem == BPF_FUNC_for_each_map_elem);
static_assert(h::kLoop == BPF_FUNC_loop);

namespace t = map_type;
static_assert(t::kHash == BPF_MAP_TYPE_HASH);
static_assert(t::kArray == BPF_MAP_TYPE_ARRAY);
static_assert(t::kProgArray == BPF_MAP_TYPE_PROG_ARRAY);
static_assert(t::kPerfEventArray == BPF_MAP_TYPE_PERF_EVENT_ARRAY);
static_assert(t::kPercpuHash == BPF_MAP_TYPE_PERCPU_HASH);
static_assert(t::kPercpuArray == BPF_MAP_TYPE_PERCPU_ARRAY);
static_assert(t::kStackTrace == BPF_MAP_TYPE_STACK_TRACE);
static_assert(t::kCgroupArray == BPF_MAP_TYPE_CGROUP_ARRAY);
static_assert(t::kLruHash == BPF_MAP_TYPE_LRU_HASH);
static_assert(t::kLruPercpuHash == BPF_MAP_TYPE_LRU_PERCPU_HASH);
static_assert(t::kLpmTrie == BPF_MAP_TYPE_LPM_TRIE);
static_assert(t::kArrayOfMaps == BPF_MAP_TYPE_ARRAY_OF_MAPS);
static_assert(t::kHashOfMaps == BPF_MAP_TYPE_HASH_OF_MAPS);
static_assert(t::kDevmap == BPF_MAP_TYPE_DEVMAP);
static_assert(t::kSockmap == BPF_MAP_TYPE_SOCKMAP);
static_assert(t::kCpumap == BPF_MAP_TYPE_CPUMAP);
static_assert(t::kXskmap == BPF_MAP_TYPE_XSKMAP);
static_assert(t::kSockhash == BPF_MAP_TYPE_SOCKHASH);
static_assert(t::kQueue == BPF_MAP_TYPE_QUEUE);
static_assert(t::kStack == BPF_MAP_TYPE_STACK);
static_assert(t::kDevmapHash == BPF_MAP_TYPE_DEVMAP_HASH);
static_assert(t::kRingbuf == BPF_MAP_TYPE_RINGBUF);
static_assert(t::kBloomFilter == BPF_MAP_TYPE_BLOOM_FILTER);
static_assert(t::kUserRingbuf == BPF_MAP_TYPE_USER_RINGBUF);

static_assert(map_flag::kRdonlyProg == BPF_F_RDONLY_PROG);
static_assert(map_flag::kWronlyProg == BPF_F_WRONLY_PROG);

} // namespace ebpfjit::engine_abi
