#include "runtime/maps/timer_table.hpp"

#include <atomic>
#include <cerrno>
#include <ctime>
#include <limits>
#include <random>

#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

struct TimerTable::Timer {
    TimerTable* table = nullptr;
    void* field = nullptr; // the bpf_timer it serves; nullptr: free
    clockid_t clock = CLOCK_MONOTONIC;
    uint64_t fn = 0;       // the callback; 0: none set (or dropped by cancel)
    bool armed = false;
    std::multimap<uint64_t, Timer*>::iterator at; // in armed_, when armed
    std::thread::id running_on; // whose thread runs its callback (default: none)
    bool running = false;
    bool free_after_run = false; // released while its callback ran
    // Callbacks waiting in cancel() for this timer's callback to end (the kernel's
    // bpf_hrtimer::cancelling): read across tables, so an atomic.
    std::atomic<int> cancelling{0};
};

namespace {

// The timer whose callback this thread is running (the kernel's per-CPU hrtimer_running):
// cancelling it from there would wait for itself.
thread_local TimerTable::Timer* running_timer = nullptr;

std::atomic_ref<uint64_t> word(void* field) { return std::atomic_ref<uint64_t>(*static_cast<uint64_t*>(field)); }
std::atomic_ref<uint64_t> tag_word(void* field) {
    return std::atomic_ref<uint64_t>(*(static_cast<uint64_t*>(field) + 1));
}

// Word 1 vouches for word 0: a program verified below `full` may hand the helpers any
// 16 bytes, and a made-up pointer must not be followed. The tag binds the record to the
// field's address under a per-process secret, so neither a forged word nor a copy of a
// real field elsewhere passes (a copy names a live record, but at another address).
uint64_t secret() {
    static const uint64_t s = [] {
        std::random_device rd;
        return (uint64_t(rd()) << 32) ^ rd() ^ 0x9e3779b97f4a7c15ull;
    }();
    return s;
}
uint64_t tag(const void* field, const void* timer) {
    return reinterpret_cast<uint64_t>(field) ^ reinterpret_cast<uint64_t>(timer) ^ secret();
}

uint64_t clock_now(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
    return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max() : a + b;
}

} // namespace

TimerTable::TimerTable(Map& map, uint32_t offset) : map_(map), offset_(offset) {}

TimerTable::~TimerTable() = default;

TimerTable::Timer* TimerTable::live(void* field, std::unique_lock<std::mutex>& lock) {
    auto* t = reinterpret_cast<Timer*>(word(field).load(std::memory_order_acquire));
    if (t == nullptr || tag_word(field).load(std::memory_order_acquire) != tag(field, t)) return nullptr;
    // Records outlive every field that named them (see the header): t->table is readable.
    lock = std::unique_lock(t->table->mutex_);
    if (t->field != field || word(field).load(std::memory_order_relaxed) != reinterpret_cast<uint64_t>(t))
        return nullptr; // freed (and maybe reused) meanwhile
    return t;
}

int TimerTable::init(void* field, uint64_t flags) {
    // The kernel: flags < MAX_CLOCKS (16), the clocks timerfd takes but the _ALARM ones.
    const auto clock = clockid_t(flags & 15);
    if (flags >= 16 || (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_BOOTTIME))
        return -EINVAL;
    std::lock_guard guard(mutex_);
    if (word(field).load(std::memory_order_relaxed) != 0 || tag_word(field).load(std::memory_order_relaxed) != 0)
        return -EBUSY;
    Timer* t = nullptr;
    if (!free_.empty()) {
        t = free_.back();
        free_.pop_back();
    } else {
        timers_.push_back(std::make_unique<Timer>());
        t = timers_.back().get();
    }
    t->fn = 0;
    t->armed = false;
    t->running = false;
    t->running_on = {};
    t->free_after_run = false;
    t->cancelling.store(0, std::memory_order_relaxed);
    t->table = this;
    t->field = field;
    t->clock = clock;
    word(field).store(reinterpret_cast<uint64_t>(t), std::memory_order_release);
    tag_word(field).store(tag(field, t), std::memory_order_release);
    return 0;
}

int TimerTable::set_callback(void* field, uint64_t fn) {
    std::unique_lock<std::mutex> lock;
    Timer* t = live(field, lock);
    if (t == nullptr) return -EINVAL;
    t->fn = fn;
    return 0;
}

int TimerTable::start(void* field, uint64_t nsecs, uint64_t flags) {
    if (flags & ~(kTimerAbs | kTimerCpuPin)) return -EINVAL;
    std::unique_lock<std::mutex> lock;
    Timer* t = live(field, lock);
    if (t == nullptr || t->fn == 0) return -EINVAL;
    TimerTable& table = *t->table;
    // Every expiry is kept on CLOCK_MONOTONIC, the clock the embedder's `now` is on. An
    // absolute time on another clock is converted at arming, as it stands now.
    const uint64_t mono = clock_now(CLOCK_MONOTONIC);
    uint64_t due = 0;
    if (!(flags & kTimerAbs)) {
        due = saturating_add(mono, nsecs);
    } else if (t->clock == CLOCK_MONOTONIC) {
        due = nsecs;
    } else {
        const uint64_t there = clock_now(t->clock);
        due = nsecs <= there ? mono : saturating_add(mono, nsecs - there);
    }
    table.disarm(*t);
    t->at = table.armed_.emplace(due, t);
    t->armed = true;
    return 0;
}

int TimerTable::cancel(void* field) {
    std::unique_lock<std::mutex> lock;
    Timer* t = live(field, lock);
    if (t == nullptr) return -EINVAL;
    Timer* const current = running_timer;
    if (current == t) return -EDEADLK;
    TimerTable& table = *t->table;
    const bool was_armed = t->armed;
    table.disarm(*t);
    t->fn = 0; // the kernel's drop_prog_refcnt
    if (!t->running) return was_armed ? 1 : 0;
    // hrtimer_cancel waits for a callback running elsewhere. From a callback, only if no
    // other callback waits for ours: two callbacks cancelling each other's timers would
    // wait forever (the kernel's cancelling count, 6.10).
    if (current != nullptr) {
        t->cancelling.fetch_add(1, std::memory_order_seq_cst);
        if (current->cancelling.load(std::memory_order_seq_cst) != 0) {
            t->cancelling.fetch_sub(1, std::memory_order_seq_cst);
            return -EDEADLK;
        }
    }
    table.callback_done_.wait(lock, [&] { return !t->running || t->field != field; });
    if (current != nullptr) t->cancelling.fetch_sub(1, std::memory_order_seq_cst);
    return was_armed ? 1 : 0;
}

void TimerTable::disarm(Timer& t) {
    if (!t.armed) return;
    armed_.erase(t.at);
    t.armed = false;
}

void TimerTable::free_timer(Timer& t) {
    disarm(t);
    tag_word(t.field).store(0, std::memory_order_release);
    word(t.field).store(0, std::memory_order_release);
    t.fn = 0;
    if (t.running) { // its callback is on the way out (possibly it deleted its own element)
        t.free_after_run = true;
        t.field = nullptr;
        return;
    }
    t.field = nullptr;
    free_.push_back(&t);
}

void TimerTable::release(void* value) {
    void* field = static_cast<uint8_t*>(value) + offset_;
    std::lock_guard guard(mutex_);
    auto* t = reinterpret_cast<Timer*>(word(field).load(std::memory_order_relaxed));
    if (t != nullptr && tag_word(field).load(std::memory_order_relaxed) == tag(field, t) && t->table == this &&
        t->field == field) {
        free_timer(*t);
        return;
    }
    tag_word(field).store(0, std::memory_order_release); // nothing of ours: just clear it
    word(field).store(0, std::memory_order_release);
}

size_t TimerTable::run_due(uint64_t now, const std::function<bool(uint64_t)>& mine,
                           const std::function<void(const Due&)>& run) {
    size_t ran = 0;
    // Timers armed (again) during this call for a time <= now are left for the next one:
    // only those due before it started run, so a callback re-arming itself with 0 ns does
    // not loop here.
    std::vector<Timer*> due;
    {
        std::lock_guard guard(mutex_);
        for (auto it = armed_.begin(); it != armed_.end() && it->first <= now; ++it)
            if (mine(it->second->fn)) due.push_back(it->second);
    }
    for (Timer* t : due) {
        std::unique_lock lock(mutex_);
        // Still armed and due, and still ours (a callback before it may have changed it).
        if (!t->armed || t->at->first > now || t->field == nullptr || t->fn == 0 || !mine(t->fn)) continue;
        disarm(*t); // HRTIMER_NORESTART: the callback re-arms it if it wants
        void* field = t->field;
        void* value = static_cast<uint8_t*>(field) - offset_;
        uint32_t index = 0;
        const void* key = map_.timer_key(value, index);
        const Due d{t->fn, field, key, value};
        t->running = true;
        t->running_on = std::this_thread::get_id();
        lock.unlock();
        Timer* const outer = running_timer;
        running_timer = t;
        run(d);
        running_timer = outer;
        lock.lock();
        t->running = false;
        t->running_on = {};
        if (t->free_after_run) {
            t->free_after_run = false;
            free_.push_back(t);
        }
        callback_done_.notify_all();
        ++ran;
    }
    return ran;
}

std::optional<uint64_t> TimerTable::next_expiry(const std::function<bool(uint64_t)>& mine) {
    std::lock_guard guard(mutex_);
    for (const auto& [due, t] : armed_)
        if (mine(t->fn)) return due;
    return std::nullopt;
}

void TimerTable::forget_callbacks(const std::function<bool(uint64_t)>& gone) {
    std::lock_guard guard(mutex_);
    for (auto& t : timers_)
        if (t->field != nullptr && t->fn != 0 && gone(t->fn)) {
            disarm(*t);
            t->fn = 0;
        }
}

size_t TimerTable::armed() const {
    std::lock_guard guard(mutex_);
    return armed_.size();
}

} // namespace ebpfjit::maps
