// The timers of one map whose values hold a `struct bpf_timer` (helpers 169-172, the
// kernel's kernel/bpf/helpers.c bpf_timer_*). Userspace has no softirq: an armed timer
// waits here until the embedder runs the due ones (Object::run_expired_timers), which
// calls back into the program that set the callback.
//
//   value:  [ ... | struct bpf_timer (16 bytes, 8-aligned) | ... ]
//                   word 0: Timer* (0 = not initialised), word 1: its tag (timer_table.cpp)
//
// As in the kernel the 16-byte field holds a pointer to the timer's state, written only
// here (the verifier refuses loads and stores that touch the field, value copies skip it).
// Timer records live as long as the table (the map): a pointer read from a field stays
// valid memory even while another thread frees the timer, and every operation re-checks,
// under the table's mutex, that the field still names the record (else: not initialised).
//
// Thread safety: every operation takes the table's one mutex; callbacks run without it
// (a callback may start, cancel or delete timers of the same map). Lock order: a map's
// bucket lock, then this mutex; nothing here takes a map lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ebpfjit::maps {

class Map;

inline constexpr uint32_t kTimerSize = 16;  // sizeof(struct bpf_timer)
inline constexpr uint32_t kTimerAlign = 8;  // __alignof__(struct bpf_timer)
// BPF_F_TIMER_ABS / BPF_F_TIMER_CPU_PIN (kernel 6.7+ uapi; not in every <linux/bpf.h>).
inline constexpr uint64_t kTimerAbs = 1u << 0;
inline constexpr uint64_t kTimerCpuPin = 1u << 1;

class TimerTable {
public:
    // `offset`: the bpf_timer's offset in `map`'s values.
    TimerTable(Map& map, uint32_t offset);
    ~TimerTable();
    TimerTable(const TimerTable&) = delete;
    TimerTable& operator=(const TimerTable&) = delete;

    // ---- helpers (field: the program's struct bpf_timer pointer) ---------------------
    // bpf_timer_init: clock (flags) CLOCK_MONOTONIC, CLOCK_REALTIME or CLOCK_BOOTTIME, else
    // -EINVAL; -EBUSY when the field already holds a timer.
    int init(void* field, uint64_t flags);
    // bpf_timer_set_callback: `fn` is what the program loaded with LDDW src 4; -EINVAL
    // before init.
    static int set_callback(void* field, uint64_t fn);
    // bpf_timer_start: due `nsecs` from now on the timer's clock, or at `nsecs` with
    // kTimerAbs; -EINVAL before init or without a callback, or for unknown flags.
    static int start(void* field, uint64_t nsecs, uint64_t flags);
    // bpf_timer_cancel: 1 when it was armed, 0 when not, -EINVAL before init, -EDEADLK
    // from the timer's own callback (or from a callback whose own timer another callback is
    // cancelling). Waits for the callback when another thread runs it.
    // Drops the callback, as the kernel does (start needs set_callback again).
    static int cancel(void* field);

    // ---- map side --------------------------------------------------------------------
    // The element holding `value` is deleted or replaced (the kernel's
    // bpf_obj_free_timer): its timer is cancelled without waiting and freed; the field
    // reads zero again.
    void release(void* value);

    // ---- embedder side ---------------------------------------------------------------
    struct Due {
        uint64_t fn;
        void* field; // the timer, to tell the table when its callback is done
        const void* key;
        void* value;
    };
    // Runs every timer due at `now` (CLOCK_MONOTONIC ns) whose callback `mine` accepts,
    // one at a time, through `run` (outside the mutex); a timer armed again by its own
    // callback for a time <= now waits for the next call. Returns how many ran.
    size_t run_due(uint64_t now, const std::function<bool(uint64_t fn)>& mine,
                   const std::function<void(const Due&)>& run);
    // The earliest expiry (CLOCK_MONOTONIC ns) among armed timers `mine` accepts.
    std::optional<uint64_t> next_expiry(const std::function<bool(uint64_t fn)>& mine);
    // Disarms and drops the callbacks `gone` names (a program going away).
    void forget_callbacks(const std::function<bool(uint64_t fn)>& gone);
    // Armed timers (any callback).
    size_t armed() const;

    struct Timer; // timer_table.cpp

private:
    // The live timer `field` names, with the mutex held by `lock`; nullptr when none.
    static Timer* live(void* field, std::unique_lock<std::mutex>& lock);
    void disarm(Timer& t);
    void free_timer(Timer& t);

    Map& map_;
    uint32_t offset_;
    mutable std::mutex mutex_;
    std::condition_variable callback_done_;
    std::vector<std::unique_ptr<Timer>> timers_; // stable addresses, for the life of the table
    std::vector<Timer*> free_;
    std::multimap<uint64_t, Timer*> armed_; // by expiry (CLOCK_MONOTONIC ns)
};

} // namespace ebpfjit::maps
