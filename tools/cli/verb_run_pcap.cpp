// The packet side of `ebpfjit run`: argument parsing and printing only; reading the
// capture, filling maps, running frames on worker threads and the JSON report are the
// packet library's (its public headers, packet/include/ebpfjit/packet/).
#include "tools/cli/verb_run_pcap.hpp"

#include "tools/cli/run_object.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/log.hpp"
#include "ebpfjit/packet/capture_run.hpp"
#include "ebpfjit/packet/map_init.hpp"
#include "ebpfjit/packet/pcap_io.hpp"
#include "ebpfjit/packet/run_report_json.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

namespace pkt = packet;

void add_pcap_run_options(CLI::App& run, PcapRunOptions& o) {
    run.add_option("--pcap", o.pcap, "Run an xdp, tc or socket program over every frame of this capture");
    run.add_option("--out", o.out, "With --pcap: write frames that go on (XDP_PASS/XDP_TX, TC pass, kept bytes)");
    run.add_option("--redirect-dir", o.redirect_dir, "With --pcap: write redirected frames, one port-<N>.pcap per port");
    run.add_option("--map-init", o.map_init, "Fill maps first from a JSON map dump (see examples/README.md)");
    run.add_option("--threads", o.threads, "With --pcap: worker threads sharing the maps")
        ->check(CLI::Range(1u, 1024u))->capture_default_str();
    run.add_option("--repeat", o.repeat, "With --pcap: replay the capture this many times")
        ->check(CLI::PositiveNumber)->capture_default_str();
    run.add_option("--ingress-ifindex", o.ingress_ifindex, "ctx->ingress_ifindex the program sees")
        ->capture_default_str();
    run.add_option("--rx-queue", o.rx_queue, "ctx->rx_queue_index the program sees")->capture_default_str();
}

namespace {

// Drawn on stderr only when it is a terminal and the run has taken more than a second.
class ProgressBar {
public:
    ProgressBar() : enabled_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}
    void update(uint64_t done, uint64_t total) {
        if (!enabled_ || std::chrono::steady_clock::now() - start_ < std::chrono::seconds(1)) return;
        const int width = 40;
        const int filled = total ? int(width * done / total) : width;
        std::fprintf(stderr, "\r[%s%s] %3d%%", std::string(size_t(filled), '#').c_str(),
                     std::string(size_t(width - filled), ' ').c_str(),
                     total ? int(100 * done / total) : 100);
        drawn_ = true;
    }
    ~ProgressBar() {
        if (drawn_) std::fprintf(stderr, "\r%*s\r", 48, "");
    }

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
};

Result<void> write_outputs(const pkt::RunReport& report, const pkt::Capture& capture,
                           const PcapRunOptions& o) {
    std::optional<pkt::PcapWriter> out;
    if (!o.out.empty()) {
        auto writer = pkt::PcapWriter::create(o.out);
        if (!writer) return fail(writer.error());
        out.emplace(std::move(*writer));
    }
    std::map<uint32_t, pkt::PcapWriter> ports;
    if (!o.redirect_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.redirect_dir, ec);
        if (ec) return fail(Error{ec.message(), {}, o.redirect_dir, {}, {}});
    }
    for (const auto& frame : report.outputs) {
        const auto& record = capture.frames[frame.index];
        if (!frame.redirect) {
            if (out) out->write(frame.bytes, 0, record.seconds, record.microseconds);
            continue;
        }
        if (o.redirect_dir.empty()) continue;
        auto it = ports.find(*frame.redirect);
        if (it == ports.end()) {
            const auto path = std::filesystem::path(o.redirect_dir) / fmt::format("port-{}.pcap", *frame.redirect);
            auto writer = pkt::PcapWriter::create(path.string());
            if (!writer) return fail(writer.error());
            it = ports.emplace(*frame.redirect, std::move(*writer)).first;
        }
        it->second.write(frame.bytes, 0, record.seconds, record.microseconds);
    }
    if (out)
        if (auto closed = out->close(); !closed) return closed;
    for (auto& [port, writer] : ports)
        if (auto closed = writer.close(); !closed) return closed;
    return {};
}

void print_summary(const std::string& program, const std::string& pcap, const std::string& engine,
                   const pkt::RunReport& report, size_t frames, const PcapRunOptions& o) {
    fmt::print("{} on {}: {} frames x {} pass{}, {} thread{}, engine {}\n", program,
               std::filesystem::path(pcap).filename().string(), frames, o.repeat,
               o.repeat == 1 ? "" : "es", o.threads, o.threads == 1 ? "" : "s", engine);
    for (const auto& [name, count] : report.verdicts)
        fmt::print("  {:<16} {:>12}  {:5.1f}%\n", name, count,
                   report.packets ? 100.0 * double(count) / double(report.packets) : 0.0);
    fmt::print("{} packets in {:.3f} ms: {:.2f} Mpps, {:.1f} ns/packet\n", report.packets,
               report.seconds * 1e3, report.mpps(), report.ns_per_packet());
}

} // namespace

int run_pcap(const std::string& object_path, const std::string& program_name,
             const std::string& engine, const PcapRunOptions& o) {
    if (program_name.empty()) return report(Error::plain("--pcap needs --program NAME"));
    auto capture = pkt::read_pcap(o.pcap);
    if (!capture) return report(capture.error());
    const auto chosen = engine_from_name(engine);
    if (!chosen) return report(Error::plain(fmt::format("unknown engine '{}'", engine)));
    const std::string used_engine{to_string(*chosen)};
    // Each worker is one "CPU" of the per-CPU maps: there must be a slot for each, and
    // the count is fixed once the object's per-CPU maps exist.
    if (o.threads > possible_cpus())
        if (auto set = set_possible_cpus(o.threads); !set) return report(set.error());
    OpenOptions open_options;
    open_options.hardening = o.hardening;
    open_options.allow_ptr_leaks = o.allow_ptr_leaks;
    open_options.map_max_entries = o.map_max_entries;
    open_options.inline_globals = o.inline_globals;
    open_options.core_btf = o.core_btf;
    auto object = Object::open(object_path, open_options);
    if (!object) return report(object.error());
    if (!o.map_init.empty())
        if (auto filled = pkt::apply_map_init_file(*object, o.map_init); !filled)
            return report(filled.error());
    auto program = object->program(program_name);
    if (!program) {
        Error e = program.error();
        if (e.file.empty()) e.file = object_path;
        return report(e);
    }

    pkt::RunOptions run_options;
    run_options.threads = o.threads;
    run_options.repeat = o.repeat;
    run_options.rx.ingress_ifindex = o.ingress_ifindex;
    run_options.rx.rx_queue_index = o.rx_queue;
    run_options.keep_frames = !o.out.empty() || !o.redirect_dir.empty();
    ProgressBar bar;
    run_options.progress = [&bar](uint64_t done, uint64_t total) { bar.update(done, total); };
    auto result = pkt::run_capture(*program, *capture, run_options, RunOptions{*chosen});
    if (!result) return report(result.error());
    // Timers fire after the capture (in its replay no time passes): before the maps are dumped.
    if (auto timers = run_object_timers(*object, o.fire_timers); !timers) return report(timers.error());

    if (auto written = write_outputs(*result, *capture, o); !written) return report(written.error());
    if (!o.json.empty()) {
        std::ofstream json(o.json);
        json << pkt::run_report_json(*result, *object).dump(1) << '\n';
        if (!json) return report(Error{"cannot write the JSON report", {}, o.json, {}, {}});
    }
    print_summary(program_name, o.pcap, used_engine, *result, capture->size(), o);
    return 0;
}

} // namespace ebpfjit::cli
