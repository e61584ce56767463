#include "packet/packet_runner.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "ebpfjit/skb_packet.hpp"
#include "runtime/maps/percpu.hpp"
#include "packet/frame_verdict.hpp"
#include "packet/xdp_burst_slots.hpp"

namespace ebpfjit::packet {

namespace {

// Buffer size holding the largest frame with the kernel's headroom and tail reserve,
// rounded up to whole pages as drivers allocate them.
uint32_t buffer_size_for(const Capture& capture) {
    uint32_t largest = 0;
    for (const auto& record : capture.frames) largest = std::max(largest, record.captured);
    const uint32_t needed = XdpFrame::kHeadroom + largest + XdpFrame::kTailReserve;
    return std::max<uint32_t>(XdpFrame::kDefaultFrameSize, (needed + 4095) & ~4095u);
}

// Verdict counts keyed by the verdict names' static storage: a handful of entries,
// counted without a map lookup per packet.
struct VerdictCounts {
    std::vector<std::pair<std::string_view, uint64_t>> counts;
    void add(std::string_view name, uint64_t n = 1) {
        for (auto& [known, count] : counts)
            if (known.data() == name.data()) {
                count += n;
                return;
            }
        counts.emplace_back(name, n);
    }
};

// Frames per engine call: DPDK's usual burst, as rte_bpf_exec_burst is used.
constexpr size_t kBurst = 32;

// One worker's share of the capture and what came of it.
struct Worker {
    size_t begin = 0, end = 0;
    uint64_t packets = 0;
    VerdictCounts verdicts;
    std::vector<uint64_t> r0;              // first pass, frames [begin, end)
    std::vector<std::string_view> names;   // first pass
    std::vector<OutputFrame> outputs;      // first pass
    std::optional<Error> error;

    // A first-pass frame's outcome; `after`: the frame as the program left it.
    void record(size_t index, bool keep_frames, uint64_t returned, const FrameVerdict& verdict,
                std::span<const uint8_t> after) {
        r0.push_back(returned);
        names.push_back(verdict.name);
        if (keep_frames && (verdict.emitted || verdict.redirect))
            outputs.push_back({uint32_t(index), verdict.redirect,
                               {after.begin(), after.begin() + verdict.keep_bytes}});
    }
};

Error at_frame(size_t index, Error e) {
    e.message = fmt::format("frame {}: {}", index, e.message);
    return e;
}

// XDP: the share goes through the engine in bursts of kBurst zero-copy buffers, run in
// place in the worker's slots (packet/xdp_burst_slots.hpp). Later passes only count
// actions (by number: the names are worked out once, at the end).
Result<void> run_xdp_share(const FrameEngine& engine, const Capture& capture, const RunOptions& options,
                           uint32_t buffer_size, Worker& w, std::atomic<uint64_t>& done) {
    XdpBurstSlots slots(kBurst, buffer_size);
    std::array<XdpBuffer, kBurst> buffers{};
    std::array<XdpVerdict, kBurst> out{};
    std::array<uint64_t, size_t(XdpAction::Redirect) + 1> actions{};
    for (uint32_t pass = 0; pass < options.repeat; ++pass) {
        for (size_t base = w.begin; base < w.end; base += kBurst) {
            const size_t n = std::min(kBurst, w.end - base);
            for (size_t k = 0; k < n; ++k)
                if (auto filled = slots.fill(k, capture.frame(base + k), buffers[k]); !filled)
                    return fail(at_frame(base + k, filled.error()));
            size_t completed = 0;
            if (auto ran = engine.run_xdp({buffers.data(), n}, options.rx, {out.data(), n}, completed); !ran)
                return fail(at_frame(base + completed, ran.error()));
            for (size_t k = 0; k < n; ++k) ++actions[size_t(out[k].action)];
            if (pass == 0)
                for (size_t k = 0; k < n; ++k) {
                    const XdpBuffer& b = buffers[k];
                    w.record(base + k, options.keep_frames, out[k].returned, classify(out[k], b.length),
                             {b.base + b.headroom, b.length});
                }
            done.fetch_add(n, std::memory_order_relaxed);
        }
        w.packets += w.end - w.begin;
    }
    for (size_t a = 0; a < actions.size(); ++a)
        if (actions[a] != 0) w.verdicts.add(to_string(XdpAction(a)), actions[a]);
    return {};
}

// tc and socket filters: one skb, reused; LD_ABS / LD_IND read it.
Result<void> run_skb_share(const FrameEngine& engine, ProgramType type, const Capture& capture,
                           const RunOptions& options, uint32_t buffer_size, Worker& w,
                           std::atomic<uint64_t>& done) {
    SkbPacket skb(buffer_size);
    SkbMetadata meta;
    meta.ingress_ifindex = meta.ifindex = options.rx.ingress_ifindex;
    meta.queue_mapping = options.rx.rx_queue_index;
    for (uint32_t pass = 0; pass < options.repeat; ++pass) {
        for (size_t i = w.begin; i < w.end; ++i) {
            if (auto loaded = skb.load(capture.frame(i), meta); !loaded) return fail(at_frame(i, loaded.error()));
            if (type == ProgramType::SocketFilter) {
                auto keep = engine.run_socket_filter(skb);
                if (!keep) return fail(at_frame(i, keep.error()));
                const FrameVerdict verdict = classify_socket_filter(*keep, skb.length());
                w.verdicts.add(verdict.name);
                if (pass == 0) w.record(i, options.keep_frames, *keep, verdict, skb.bytes());
            } else {
                auto verdict = engine.run_tc(skb);
                if (!verdict) return fail(at_frame(i, verdict.error()));
                const FrameVerdict classified = classify(*verdict, skb.length());
                w.verdicts.add(classified.name);
                if (pass == 0) w.record(i, options.keep_frames, uint32_t(verdict->code), classified, skb.bytes());
            }
            if ((i & 63) == 63) done.fetch_add(64, std::memory_order_relaxed);
        }
        w.packets += w.end - w.begin;
    }
    return {};
}

// Every worker holds its per-CPU slot before any starts: with fewer free slots than
// threads the run fails whatever the timing. (Registering as each started made the outcome
// depend on whether an early worker had already finished and given its slot back: a
// 3-thread run on a 2-CPU host passed alone and failed under TSan.)
struct SlotGate {
    std::latch registered;
    std::atomic<bool> missing{false};
    explicit SlotGate(uint32_t workers) : registered(workers) {}
};

void run_worker(const FrameEngine& engine, ProgramType type, const Capture& capture,
                const RunOptions& options, uint32_t buffer_size, Worker& w,
                std::atomic<uint64_t>& done, SlotGate& gate) {
    // Per-CPU maps: this worker is one "CPU" for as long as it runs.
    auto slot = maps::register_worker_thread();
    if (!slot) {
        w.error = slot.error();
        gate.missing = true;
    }
    gate.registered.arrive_and_wait();
    if (gate.missing) {
        maps::unregister_worker_thread();
        return;
    }
    const size_t share = w.end - w.begin;
    w.r0.reserve(share);
    w.names.reserve(share);
    auto ran = type == ProgramType::Xdp ? run_xdp_share(engine, capture, options, buffer_size, w, done)
                                        : run_skb_share(engine, type, capture, options, buffer_size, w, done);
    if (!ran) w.error = std::move(ran.error());
    maps::unregister_worker_thread();
}

} // namespace

Result<RunReport> run_capture(const FrameEngine& engine, ProgramType type,
                              const Capture& capture, const RunOptions& options) {
    if (type != ProgramType::Xdp && type != ProgramType::SchedCls &&
        type != ProgramType::SocketFilter)
        return fail(Error::plain(fmt::format("a {} program does not run on packets; "
                                             "use an xdp, tc or socket program", to_string(type))));
    if (options.threads == 0 || options.repeat == 0)
        return fail(Error::plain("threads and repeat must be at least 1"));

    const uint32_t buffer_size = buffer_size_for(capture);
    const uint32_t threads = uint32_t(std::min<size_t>(options.threads, std::max<size_t>(capture.size(), 1)));
    std::vector<Worker> workers(threads);
    for (uint32_t t = 0; t < threads; ++t) {
        workers[t].begin = capture.size() * t / threads;
        workers[t].end = capture.size() * (t + 1) / threads;
    }

    std::atomic<uint64_t> done{0};
    const uint64_t total = uint64_t(capture.size()) * options.repeat;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    pool.reserve(threads);
    SlotGate gate(threads);
    for (auto& w : workers)
        pool.emplace_back([&, wp = &w] { run_worker(engine, type, capture, options, buffer_size, *wp, done, gate); });
    // The clock stops when the last worker ends, not when the progress poll notices it.
    std::chrono::steady_clock::time_point stop;
    if (options.progress) {
        std::atomic_bool finished{false};
        std::thread joiner([&] {
            for (auto& t : pool) t.join();
            stop = std::chrono::steady_clock::now();
            finished = true;
        });
        while (!finished) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            options.progress(std::min(done.load(std::memory_order_relaxed), total), total);
        }
        joiner.join();
    } else {
        for (auto& t : pool) t.join();
        stop = std::chrono::steady_clock::now();
    }

    RunReport report;
    report.seconds = std::chrono::duration<double>(stop - start).count();
    for (auto& w : workers)
        if (w.error) return fail(std::move(*w.error));
    for (auto& w : workers) {
        report.packets += w.packets;
        for (const auto& [name, count] : w.verdicts.counts) report.verdicts[std::string(name)] += count;
        report.r0.insert(report.r0.end(), w.r0.begin(), w.r0.end());
        for (auto name : w.names) report.frame_verdicts.emplace_back(name);
        for (auto& out : w.outputs) report.outputs.push_back(std::move(out));
    }
    return report;
}

} // namespace ebpfjit::packet
