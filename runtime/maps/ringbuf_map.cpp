#include "runtime/maps/ringbuf_map.hpp"

#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace ebpfjit::maps {
namespace {

constexpr size_t kPage = 4096;

std::atomic_ref<uint32_t> header_len(uint8_t* hdr) {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(hdr));
}

} // namespace

std::unique_ptr<RingbufMap> RingbufMap::create(const MapDefinition& def) {
    const size_t size = def.max_entries;
    int fd = memfd_create("ebpfjit-ringbuf", MFD_CLOEXEC);
    if (fd < 0) return nullptr;
    if (ftruncate(fd, static_cast<off_t>(kPage + size)) != 0) {
        close(fd);
        return nullptr;
    }
    // Reserve the whole window, then map control + data, and the data again behind it.
    const size_t mapped = kPage + 2 * size;
    void* area = mmap(nullptr, mapped, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        close(fd);
        return nullptr;
    }
    auto* base = static_cast<uint8_t*>(area);
    bool ok = mmap(base, kPage + size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) !=
                  MAP_FAILED &&
              mmap(base + kPage + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                   static_cast<off_t>(kPage)) != MAP_FAILED;
    close(fd);
    if (!ok) {
        munmap(area, mapped);
        return nullptr;
    }
    auto map = std::unique_ptr<RingbufMap>(new RingbufMap(def, base, mapped));
    RingbufMap* self = map.get();
    std::memcpy(base, &self, sizeof self);
    return map;
}

RingbufMap::RingbufMap(const MapDefinition& def, uint8_t* base, size_t mapped)
    : Map(def), base_(base), data_(base + kPage), mapped_(mapped), mask_(def.max_entries - 1) {}

RingbufMap::~RingbufMap() { munmap(base_, mapped_); }

void* RingbufMap::lookup(const void*) { return nullptr; }
int RingbufMap::update(const void*, const void*, uint64_t) { return -kENOTSUPP; }
int RingbufMap::remove(const void*) { return -kENOTSUPP; }
int RingbufMap::get_next_key(const void*, void*) { return -kENOTSUPP; }

void* RingbufMap::reserve(uint64_t size, uint64_t flags) {
    if (flags != 0) return nullptr;
    if (size > (BPF_RINGBUF_DISCARD_BIT - 1)) return nullptr; // len must leave the flag bits
    const uint64_t len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~uint64_t{7};
    if (len > mask_ + 1) return nullptr;

    std::lock_guard guard(producer_lock_);
    const uint64_t cons = consumer_pos_.load(std::memory_order_acquire);
    const uint64_t prod = producer_pos_.load(std::memory_order_relaxed);
    if (prod + len - cons > mask_ + 1) return nullptr; // would overrun unconsumed data
    uint8_t* hdr = data_ + (prod & mask_);
    const uint32_t pg_off = static_cast<uint32_t>((hdr - base_) / kPage);
    std::memcpy(hdr + 4, &pg_off, 4);
    header_len(hdr).store(static_cast<uint32_t>(size) | BPF_RINGBUF_BUSY_BIT,
                          std::memory_order_relaxed);
    producer_pos_.store(prod + len, std::memory_order_release);
    return hdr + BPF_RINGBUF_HDR_SZ;
}

RingbufMap* RingbufMap::owner_of(void* sample) {
    auto* hdr = static_cast<uint8_t*>(sample) - BPF_RINGBUF_HDR_SZ;
    uint32_t pg_off;
    std::memcpy(&pg_off, hdr + 4, 4);
    auto page = reinterpret_cast<uintptr_t>(hdr) & ~uintptr_t{kPage - 1};
    RingbufMap* owner;
    std::memcpy(&owner, reinterpret_cast<void*>(page - uintptr_t{pg_off} * kPage), sizeof owner);
    return owner;
}

void RingbufMap::commit(void* sample, uint64_t flags, bool discarded) {
    auto* hdr = static_cast<uint8_t*>(sample) - BPF_RINGBUF_HDR_SZ;
    uint32_t len = header_len(hdr).load(std::memory_order_relaxed) & ~BPF_RINGBUF_BUSY_BIT;
    if (discarded) len |= BPF_RINGBUF_DISCARD_BIT;
    header_len(hdr).store(len, std::memory_order_release);
    // Adaptive wakeup: only when the consumer has caught up to this very record.
    const uint64_t rec_pos = static_cast<uint64_t>(hdr - data_);
    const uint64_t cons = consumer_pos_.load(std::memory_order_acquire);
    if (flags & BPF_RB_FORCE_WAKEUP)
        wake();
    else if ((cons & mask_) == (rec_pos & mask_) && !(flags & BPF_RB_NO_WAKEUP))
        wake();
}

void RingbufMap::submit(void* sample, uint64_t flags) { owner_of(sample)->commit(sample, flags, false); }
void RingbufMap::discard(void* sample, uint64_t flags) { owner_of(sample)->commit(sample, flags, true); }

int RingbufMap::output(const void* data, uint64_t size, uint64_t flags) {
    if (flags & ~uint64_t{BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP}) return -EINVAL;
    void* sample = reserve(size, 0);
    if (sample == nullptr) return -EAGAIN;
    std::memcpy(sample, data, size);
    commit(sample, flags, false);
    return 0;
}

uint64_t RingbufMap::query(uint64_t flags) const {
    switch (flags) {
    case BPF_RB_AVAIL_DATA:
        return producer_pos_.load(std::memory_order_acquire) -
               consumer_pos_.load(std::memory_order_acquire);
    case BPF_RB_RING_SIZE: return mask_ + 1;
    case BPF_RB_CONS_POS: return consumer_pos_.load(std::memory_order_acquire);
    case BPF_RB_PROD_POS: return producer_pos_.load(std::memory_order_acquire);
    default: return 0;
    }
}

void RingbufMap::wake() {
    {
        std::lock_guard guard(wait_lock_);
        wakeups_.fetch_add(1, std::memory_order_relaxed);
    }
    wait_cv_.notify_all();
}

int64_t RingbufMap::consume(const SampleFn& fn) {
    int64_t consumed = 0;
    uint64_t cons = consumer_pos_.load(std::memory_order_relaxed);
    for (;;) {
        const uint64_t prod = producer_pos_.load(std::memory_order_acquire);
        if (cons >= prod) break;
        uint8_t* hdr = data_ + (cons & mask_);
        const uint32_t len = header_len(hdr).load(std::memory_order_acquire);
        if (len & BPF_RINGBUF_BUSY_BIT) break; // still being written: keep order
        const uint32_t size = len & ~BPF_RINGBUF_DISCARD_BIT;
        const uint64_t next = cons + ((size + BPF_RINGBUF_HDR_SZ + 7) & ~uint64_t{7});
        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
            const int rc = fn(hdr + BPF_RINGBUF_HDR_SZ, size);
            if (rc != 0) {
                consumer_pos_.store(next, std::memory_order_release);
                return rc;
            }
            ++consumed;
        }
        cons = next;
        consumer_pos_.store(cons, std::memory_order_release);
    }
    return consumed;
}

int64_t RingbufMap::poll(const SampleFn& fn, int timeout_ms) {
    std::unique_lock guard(wait_lock_);
    const uint64_t seen = wakeups_.load(std::memory_order_relaxed);
    auto ready = [&] {
        return wakeups_.load(std::memory_order_relaxed) != seen || query(BPF_RB_AVAIL_DATA) != 0;
    };
    if (timeout_ms < 0)
        wait_cv_.wait(guard, ready);
    else
        wait_cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms), ready);
    guard.unlock();
    return consume(fn);
}

} // namespace ebpfjit::maps
