// bpf_timer callbacks, run when the embedder asks (Object::run_expired_timers): userspace
// has no softirq to fire them. Each map whose values hold a bpf_timer keeps its timers
// (runtime/maps/timer_table.hpp); a due timer whose callback belongs to one of this
// object's programs runs here, on the calling thread, on the engine whose run set it:
//
//   run_expired_timers(now) ──► each map's TimerTable::run_due(now, mine, run)
//        mine(fn): a program of this object owns fn (PreparedProgram::owns_callback)
//        run(due): PreparedProgram::run_callback(fn, {map, key, value}) ──► interpreter
//                                                                         or JIT thunk
//
// A callback that faults ends the call with its Error (the timers run before it stay
// run). Callbacks of a map shared with another object (pinning) run from the object whose
// program set them; when an object goes away, its callbacks are dropped from every map it
// used (Object::Impl::~Impl), so no timer calls into freed code.
#include <ctime>

#include <fmt/format.h>

#include "runtime/maps/percpu.hpp"
#include "runtime/maps/timer_table.hpp"
#include "runtime/object_impl.hpp"

namespace ebpfjit {

namespace {

uint64_t monotonic_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

// The prepared programs of the object, at this moment (preparing takes the same lock).
std::vector<const Program::State*> programs_of(Object::Impl& impl) {
    std::lock_guard guard(impl.prepare_lock);
    std::vector<const Program::State*> out;
    for (const auto& [name, state] : impl.prepared) out.push_back(state.get());
    return out;
}

const Program::State* owner_of(const std::vector<const Program::State*>& programs, uint64_t fn) {
    for (const Program::State* p : programs)
        if (p->prepared->owns_callback(fn)) return p;
    return nullptr;
}

} // namespace

Result<size_t> Object::run_expired_timers(uint64_t now_ns) {
    const std::vector<const Program::State*> programs = programs_of(*impl_);
    size_t ran = 0;
    std::optional<Error> error;
    auto mine = [&](uint64_t fn) { return !error && owner_of(programs, fn) != nullptr; };
    for (const auto& map : impl_->maps.maps) {
        maps::TimerTable* timers = map->timers();
        if (timers == nullptr) continue;
        const maps::MapDefinition& def = map->definition();
        ran += timers->run_due(now_ns, mine, [&](const maps::TimerTable::Due& due) {
            const Program::State* owner = owner_of(programs, due.fn);
            engine_abi::ExecutionState state;
            state.cpu = maps::current_cpu();
            state.network = owner->network.get();
            state.sockets = owner->sockets ? owner->sockets->get() : nullptr;
            // The callback sees the key read-only and the value writable (the verifier's
            // MapKey / MapValue), for the interpreter and checked code.
            const std::array<MemoryRegion, 2> regions{{
                {reinterpret_cast<uint64_t>(due.key), def.key_size, false},
                {reinterpret_cast<uint64_t>(due.value), def.value_size, true},
            }};
            const std::array<uint64_t, 5> args{reinterpret_cast<uint64_t>(map.get()),
                                               reinterpret_cast<uint64_t>(due.key),
                                               reinterpret_cast<uint64_t>(due.value), 0, 0};
            auto r0 = owner->prepared->run_callback(due.fn, args, regions, state);
            if (!r0) error = std::move(r0.error());
        });
        if (error) return fail(Error::plain(fmt::format("bpf_timer callback on map '{}': {}", def.name,
                                                        error->to_string())));
    }
    return ran;
}

Result<size_t> Object::run_expired_timers() { return run_expired_timers(monotonic_now()); }

std::optional<uint64_t> Object::next_timer_expiry() const {
    const std::vector<const Program::State*> programs = programs_of(*impl_);
    auto mine = [&](uint64_t fn) { return owner_of(programs, fn) != nullptr; };
    std::optional<uint64_t> next;
    for (const auto& map : impl_->maps.maps)
        if (maps::TimerTable* timers = map->timers())
            if (auto due = timers->next_expiry(mine); due && (!next || *due < *next)) next = due;
    return next;
}

bool Object::has_timers() const {
    for (const auto& map : impl_->maps.maps)
        if (map->timers() != nullptr) return true;
    return false;
}

namespace runtime {

void forget_timer_callbacks(Object::Impl& impl) {
    const std::vector<const Program::State*> programs = programs_of(impl);
    if (programs.empty()) return;
    for (const auto& map : impl.maps.maps)
        if (maps::TimerTable* timers = map->timers())
            timers->forget_callbacks([&](uint64_t fn) { return owner_of(programs, fn) != nullptr; });
}

} // namespace runtime

} // namespace ebpfjit
