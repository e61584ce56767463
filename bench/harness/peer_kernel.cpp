// The kernel's JIT as a peer (peers.hpp): each suite program's XDP wrapper
// (bench/kernel_compare/kernel_wrapper.h, KERNEL_RUN_WRAPPER) loaded with libbpf and run
// by BPF_PROG_TEST_RUN with `repeat`. The figure is the kernel's own `duration` (its
// timed loop over the repeats, in whole ns per run), median and minimum over several
// calls: the syscall itself costs 15-30 ms here (XDP test-run set-up and tear-down), so a
// clock around it would time that. The kernel's per-repeat loop and the wrapper's one
// map lookup are in the figure, a few ns. The input, `len` and native's answer sit in
// the wrapper's map value; every run compares its r0 with that answer and counts
// mismatches.
#include "bench/harness/peers.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>


// Last: <linux/bpf.h> defines BPF_* macros our headers must not see.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

namespace ebpfjit::bench {

namespace {

struct State {
    uint64_t len, expected, result, mismatches;
};

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

// The verifier's log ends with its summary; the reason is the last line before it that
// says something ("BPF program is too large...", "back-edge from insn ..."), kept short.
std::string refusal_reason(const char* log, int error) {
    std::vector<std::string> lines;
    std::string line;
    for (const char* p = log; *p; ++p) {
        if (*p == '\n') {
            if (!line.empty()) lines.push_back(line);
            line.clear();
        } else {
            line += *p;
        }
    }
    if (!line.empty()) lines.push_back(line);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->rfind("processed ", 0) == 0 || it->rfind("verification time", 0) == 0 ||
            it->rfind("stack depth", 0) == 0 || it->rfind("-- END", 0) == 0)
            continue;
        return it->size() > 120 ? it->substr(0, 120) + "..." : *it;
    }
    return fmt::format("load failed: {}", std::strerror(error));
}

Record unavailable(const Workload& w, std::string why) {
    Record r;
    r.program = w.name;
    r.engine = "kernel";
    r.unavailable = std::move(why);
    return r;
}

struct BpfObject {
    bpf_object* object = nullptr;
    ~BpfObject() {
        if (object) bpf_object__close(object);
    }
};

} // namespace

Result<Record> run_kernel_peer(const Workload& w, uint64_t expected, bool quick) {
    if (geteuid() != 0) return unavailable(w, "skipped: not root (BPF_PROG_TEST_RUN needs CAP_BPF)");
    if (!std::filesystem::exists(w.kernel_object_path))
        return unavailable(w, fmt::format("not built ({} missing)", w.kernel_object_path));

    libbpf_set_print(quiet);
    BpfObject obj;
    obj.object = bpf_object__open_file(w.kernel_object_path.c_str(), nullptr);
    if (!obj.object) return unavailable(w, fmt::format("skipped: libbpf cannot open {}", w.kernel_object_path));
    bpf_program* prog = bpf_object__find_program_by_name(obj.object, "bench_xdp");
    bpf_map* map = bpf_object__find_map_by_name(obj.object, "bench_state");
    if (!prog || !map) return fail(Error::plain(fmt::format("{}: no bench_xdp or bench_state", w.kernel_object_path)));
    if (bpf_object__load(obj.object) != 0) {
        // Again with the verifier's log, for its reason (kept without the log at first:
        // a long log of an accepted program overflows the buffer, and that fails the load).
        const int error = errno;
        BpfObject again;
        again.object = bpf_object__open_file(w.kernel_object_path.c_str(), nullptr);
        bpf_program* p = again.object ? bpf_object__find_program_by_name(again.object, "bench_xdp") : nullptr;
        if (!p) return unavailable(w, fmt::format("refused: load failed: {}", std::strerror(error)));
        static thread_local std::vector<char> log(1 << 20);
        log[0] = 0;
        bpf_program__set_log_buf(p, log.data(), log.size());
        bpf_program__set_log_level(p, 1);
        bpf_object__load(again.object);
        return unavailable(w, "refused: " + refusal_reason(log.data(), error));
    }

    std::vector<uint8_t> value(bpf_map__value_size(map), 0);
    if (value.size() < sizeof(State) + w.input.size())
        return fail(Error::plain(fmt::format("{}: map value of {} bytes cannot hold the input", w.name, value.size())));
    const State initial{w.input.size(), expected, 0, 0};
    std::memcpy(value.data(), &initial, sizeof initial);
    std::memcpy(value.data() + sizeof(State), w.input.data(), w.input.size());
    const uint32_t key = 0;
    if (bpf_map__update_elem(map, &key, sizeof key, value.data(), value.size(), BPF_ANY) != 0)
        return unavailable(w, fmt::format("skipped: map update failed: {}", std::strerror(errno)));

    // A minimal Ethernet frame: the wrapper never reads the packet.
    uint8_t packet[64] = {};
    const int fd = bpf_program__fd(prog);
    auto test_run = [&](uint32_t repeat, uint32_t* duration_ns) {
        bpf_test_run_opts opts;
        std::memset(&opts, 0, sizeof opts);
        opts.sz = sizeof opts;
        opts.data_in = packet;
        opts.data_size_in = sizeof packet;
        opts.repeat = repeat;
        const int err = bpf_prog_test_run_opts(fd, &opts);
        if (duration_ns) *duration_ns = opts.duration;
        return err == 0 && opts.retval == 2 /* XDP_PASS */ ? 0 : (err ? -errno : -EINVAL);
    };
    uint32_t per_run = 0;
    if (int err = test_run(10, &per_run); err != 0)
        return unavailable(w, fmt::format("skipped: BPF_PROG_TEST_RUN failed: {}", std::strerror(-err)));
    // About 20 ms (quick: 2 ms) of runs per call, whatever the set-up costs.
    const uint64_t per_call_ns = quick ? 2'000'000 : 20'000'000;
    const uint32_t repeat = static_cast<uint32_t>(std::clamp<uint64_t>(per_call_ns / std::max<uint32_t>(per_run, 1), 1, 10'000'000));
    std::vector<double> durations;
    for (int i = 0; i < (quick ? 2 : 7); ++i) {
        uint32_t duration = 0;
        if (int err = test_run(repeat, &duration); err != 0)
            return unavailable(w, fmt::format("skipped: BPF_PROG_TEST_RUN failed: {}", std::strerror(-err)));
        durations.push_back(duration);
    }
    std::sort(durations.begin(), durations.end());

    if (bpf_map__lookup_elem(map, &key, sizeof key, value.data(), value.size(), 0) != 0)
        return fail(Error::plain(fmt::format("{} on kernel: cannot read the results back", w.name)));
    State after;
    std::memcpy(&after, value.data(), sizeof after);
    if (after.mismatches != 0 || after.result != expected)
        return fail(Error::plain(fmt::format("{} on kernel: r0 = {:#x} ({} runs differed), but native says {:#x}",
                                             w.name, after.result, after.mismatches, expected)));
    Record r;
    r.program = w.name;
    r.engine = "kernel";
    r.ns_per_run_median = durations[durations.size() / 2];
    r.ns_per_run_min = durations.front();
    r.runs = durations.size() * uint64_t{repeat};
    r.result = after.result;
    return r;
}

} // namespace ebpfjit::bench
