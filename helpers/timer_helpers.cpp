// 169 bpf_timer_init, 170 bpf_timer_set_callback, 171 bpf_timer_start, 172 bpf_timer_cancel
// (kernel/bpf/helpers.c). The timer state lives in the map (runtime/maps/timer_table.hpp);
// a callback runs when the embedder runs the due timers (Object::run_expired_timers),
// on the engine whose run set it. The verifier checks the timer argument (a map value at
// exactly its bpf_timer), init's map (the same map) and the callback (async: a frame of
// its own, returns 0).
#include <linux/bpf.h>

#include <cerrno>
#include <cstdint>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/timer_table.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t ret(int64_t v) { return static_cast<uint64_t>(v); }
void* field(uint64_t timer) { return reinterpret_cast<void*>(timer); }

// long bpf_timer_init(struct bpf_timer *timer, struct bpf_map *map, u64 flags)
uint64_t timer_init(uint64_t timer, uint64_t map_ptr, uint64_t flags, uint64_t, uint64_t) {
    auto* map = reinterpret_cast<maps::Map*>(map_ptr);
    maps::TimerTable* timers = map->timers();
    if (timers == nullptr) return ret(-EINVAL); // the verifier refuses it: no bpf_timer in the map
    return ret(timers->init(field(timer), flags));
}

// long bpf_timer_set_callback(struct bpf_timer *timer, void *callback_fn)
uint64_t timer_set_callback(uint64_t timer, uint64_t fn, uint64_t, uint64_t, uint64_t) {
    return ret(maps::TimerTable::set_callback(field(timer), fn));
}

// long bpf_timer_start(struct bpf_timer *timer, u64 nsecs, u64 flags)
uint64_t timer_start(uint64_t timer, uint64_t nsecs, uint64_t flags, uint64_t, uint64_t) {
    return ret(maps::TimerTable::start(field(timer), nsecs, flags));
}

// long bpf_timer_cancel(struct bpf_timer *timer)
uint64_t timer_cancel(uint64_t timer, uint64_t, uint64_t, uint64_t, uint64_t) {
    return ret(maps::TimerTable::cancel(field(timer)));
}

} // namespace

void register_timer_helpers(HelperTable& table) {
    using A = ArgType;
    constexpr ArgType N = ArgType::None;
    using P = CallbackParam;
    namespace type = engine_abi::map_type;
    // The maps that may hold a bpf_timer (the kernel's map_check_btf; runtime/maps/map_factory.cpp).
    constexpr MapTypeMask kTimerMapTypes = map_types({type::kHash, type::kLruHash, type::kArray});
    // The kernel gives them to every program type but tracing ones (none here), with CAP_BPF.
    table.add({BPF_FUNC_timer_init, "timer_init",
               {.ret = RetType::Integer, .args = {A::PtrToTimer, A::ConstMapPtr, A::Anything, N, N},
                .map_types = kTimerMapTypes},
               kAllProgramTypes, timer_init});
    // callback: static int cb(void *map, void *key, void *value), r1..r3 as the kernel's
    // set_timer_callback_state; the map is the timer's.
    table.add({BPF_FUNC_timer_set_callback, "timer_set_callback",
               {.ret = RetType::Integer, .args = {A::PtrToTimer, A::PtrToFunc, N, N, N},
                .callback = {.func_arg = 1, .params = {P::MapPtr, P::MapKey, P::MapValue}, .async = true}},
               kAllProgramTypes, timer_set_callback});
    table.add({BPF_FUNC_timer_start, "timer_start",
               {.ret = RetType::Integer, .args = {A::PtrToTimer, A::Anything, A::Anything, N, N}},
               kAllProgramTypes, timer_start});
    table.add({BPF_FUNC_timer_cancel, "timer_cancel",
               {.ret = RetType::Integer, .args = {A::PtrToTimer, N, N, N, N}},
               kAllProgramTypes, timer_cancel});
}

} // namespace ebpfjit::helpers
