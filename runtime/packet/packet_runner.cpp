#include "runtime/packet/packet_runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "runtime/context/skb_packet.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/packet/frame_verdict.hpp"

namespace ebpfjit::runtime::packet {

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
    void add(std::string_view name) {
        for (auto& [known, count] : counts)
            if (known.data() == name.data()) {
                ++count;
                return;
            }
        counts.emplace_back(name, 1);
    }
};

// One worker's share of the capture and what came of it.
struct Worker {
    size_t begin = 0, end = 0;
    uint64_t packets = 0;
    VerdictCounts verdicts;
    std::vector<uint64_t> r0;              // first pass, frames [begin, end)
    std::vector<std::string_view> names;   // first pass
    std::vector<OutputFrame> outputs;      // first pass
    std::optional<Error> error;
};

// The context a worker reuses for every frame: an XDP buffer or an skb.
class FrameContext {
public:
    FrameContext(ProgramType type, uint32_t buffer_size, const XdpRxInfo& rx)
        : type_(type), xdp_(buffer_size), skb_(buffer_size), rx_(rx) {}

    Result<std::pair<FrameRun, std::span<uint8_t>>> run(const FrameEngine& engine,
                                                        std::span<const uint8_t> bytes) {
        if (type_ == ProgramType::Xdp) {
            if (auto loaded = xdp_.load(bytes, rx_); !loaded) return fail(loaded.error());
            const auto regions = xdp_.regions();
            auto run = engine(xdp_.ctx_address(), regions, {});
            if (!run) return fail(run.error());
            return std::pair{*run, xdp_.packet()};
        }
        SkbMetadata meta;
        meta.ingress_ifindex = meta.ifindex = rx_.ingress_ifindex;
        meta.queue_mapping = rx_.rx_queue_index;
        if (auto loaded = skb_.load(bytes, meta); !loaded) return fail(loaded.error());
        const auto regions = skb_.regions();
        auto run = engine(skb_.ctx_address(), regions, skb_.bytes());
        if (!run) return fail(run.error());
        return std::pair{*run, skb_.bytes()};
    }

private:
    ProgramType type_;
    XdpFrame xdp_;
    SkbPacket skb_;
    XdpRxInfo rx_;
};

void run_worker(const FrameEngine& engine, ProgramType type, const Capture& capture,
                const RunOptions& options, uint32_t buffer_size, Worker& w,
                std::atomic<uint64_t>& done) {
    // Per-CPU maps: this worker is one "CPU" for as long as it runs.
    if (auto slot = maps::register_worker_thread(); !slot) {
        w.error = slot.error();
        return;
    }
    FrameContext context(type, buffer_size, options.rx);
    const size_t share = w.end - w.begin;
    w.r0.reserve(share);
    w.names.reserve(share);
    for (uint32_t pass = 0; pass < options.repeat; ++pass) {
        for (size_t i = w.begin; i < w.end; ++i) {
            const auto bytes = capture.frame(i);
            auto result = context.run(engine, bytes);
            if (!result) {
                Error e = result.error();
                e.message = fmt::format("frame {}: {}", i, e.message);
                w.error = std::move(e);
                maps::unregister_worker_thread();
                return;
            }
            const auto& [run, after] = *result;
            const FrameVerdict verdict = classify(type, run.r0, run.redirect, uint32_t(after.size()));
            w.verdicts.add(verdict.name);
            if (pass == 0) {
                w.r0.push_back(run.r0);
                w.names.push_back(verdict.name);
                if (options.keep_frames && (verdict.emitted || verdict.redirect))
                    w.outputs.push_back({uint32_t(i), verdict.redirect,
                                         {after.begin(), after.begin() + verdict.keep_bytes}});
            }
            if ((i & 63) == 63) done.fetch_add(64, std::memory_order_relaxed);
        }
        w.packets += share;
    }
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
    for (auto& w : workers)
        pool.emplace_back([&, wp = &w] { run_worker(engine, type, capture, options, buffer_size, *wp, done); });
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
    for (auto& w : workers) {
        if (w.error) return fail(std::move(*w.error));
        report.packets += w.packets;
        for (const auto& [name, count] : w.verdicts.counts) report.verdicts[std::string(name)] += count;
        report.r0.insert(report.r0.end(), w.r0.begin(), w.r0.end());
        for (auto name : w.names) report.frame_verdicts.emplace_back(name);
        for (auto& out : w.outputs) report.outputs.push_back(std::move(out));
    }
    return report;
}

} // namespace ebpfjit::runtime::packet
