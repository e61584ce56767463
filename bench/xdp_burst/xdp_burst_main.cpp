// bench_xdp_burst: what an XDP packet costs an embedder in bursts (issue 18 item 4).
//
//   zero-copy C++   Program::run_xdp_burst over XdpBuffers: the packets stay in the
//                   embedder's buffers (a pool of 2 KiB slots, as DPDK's mbufs)
//   zero-copy C     ebpfjit_program_run_xdp_buffers over the same buffers
//   owning frames   XdpFrame::load (the copy in) + run_xdp_burst over XdpFrame*: the path
//                   `ebpfjit run --pcap` took before the zero-copy API (the "before")
//   kernel JIT      the same object through BPF_PROG_TEST_RUN with `repeat` (root only;
//                   the kernel's own duration per repeat, one packet run over and over)
//
// for `xdp_pass` (returns XDP_PASS) and `flow_count` (two map lookups, three atomic adds,
// a loop over a .rodata table: xdp_burst.bpf.c). Public API, default options (JIT, full
// verifier). Every verdict is checked (XDP_PASS), and at the end each engine's per-class
// counter must equal the packets it counted; a mismatch exits with status 1. Our figures
// include the embedder's per-frame descriptor fill (base, capacity, headroom, length) or
// copy, as a driver loop would pay. Timing: warm-up, then batches of ~200 µs of bursts; the
// median and the minimum of the batch means, ns per packet.
//
//   bench_xdp_burst [--budget-ms N] [--burst N]
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit.hpp"

// Last: libbpf's headers define BPF_* macros.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

namespace {

constexpr uint32_t kSlot = 2048;     // bytes per buffer of the pool
constexpr uint32_t kHeadroom = 256;  // XDP_PACKET_HEADROOM, as an AF_XDP umem chunk
constexpr uint32_t kPacketLen = 64;

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "bench_xdp_burst: %s\n", message.c_str());
    std::exit(1);
}

uint64_t now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

struct Timing {
    double median = 0, min = 0;
};

// `burst()` runs one burst and returns how many of its verdicts were not XDP_PASS.
template <class Burst>
Timing measure(const char* what, uint32_t burst_size, uint64_t budget_ns, uint64_t& packets, Burst&& burst) {
    const uint64_t start = now_ns();
    uint64_t warm = 0, wrong = 0;
    while (now_ns() - start < budget_ns / 8 || warm < 100) {
        wrong += burst();
        ++warm;
    }
    const double per_burst = static_cast<double>(now_ns() - start) / static_cast<double>(warm);
    const auto bursts = std::max<uint64_t>(1, static_cast<uint64_t>(200'000 / std::max(per_burst, 1.0)));
    std::vector<double> batches;
    uint64_t timed = 0;
    while (batches.size() < 5 || now_ns() - start < budget_ns) {
        const uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < bursts; ++i) wrong += burst();
        batches.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(bursts * burst_size));
        timed += bursts;
    }
    if (wrong != 0) die(std::string(what) + ": " + std::to_string(wrong) + " verdicts were not XDP_PASS");
    packets += (warm + timed) * burst_size;
    std::sort(batches.begin(), batches.end());
    return {batches[batches.size() / 2], batches.front()};
}

// Ethernet + IPv4 + UDP, 64 bytes: one flow.
std::vector<uint8_t> udp_packet() {
    std::vector<uint8_t> p(kPacketLen, 0);
    const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
    std::memcpy(p.data(), eth, sizeof eth);
    uint8_t* ip = p.data() + 14;
    ip[0] = 0x45;                                  // version 4, ihl 5
    ip[2] = 0, ip[3] = uint8_t(kPacketLen - 14);   // total length
    ip[8] = 64;                                    // ttl
    ip[9] = 17;                                    // UDP
    const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
    std::memcpy(ip + 12, addrs, sizeof addrs);
    uint8_t* udp = ip + 20;
    udp[0] = 0x30, udp[1] = 0x39; // 12345
    udp[2] = 0x00, udp[3] = 0x35; // 53
    udp[5] = uint8_t(kPacketLen - 34);
    return p;
}

// The embedder's buffer pool: one 2 KiB slot per frame of the burst, each holding the
// packet at kHeadroom.
struct Pool {
    std::vector<uint8_t> memory;
    explicit Pool(uint32_t frames, const std::vector<uint8_t>& packet) : memory(size_t(frames) * kSlot + 64) {
        for (uint32_t i = 0; i < frames; ++i) std::memcpy(slot(i) + kHeadroom, packet.data(), packet.size());
    }
    uint8_t* slot(uint32_t i) {
        auto aligned = (reinterpret_cast<uintptr_t>(memory.data()) + 63) & ~uintptr_t{63};
        return reinterpret_cast<uint8_t*>(aligned) + size_t(i) * kSlot;
    }
};

// A driver's per-frame descriptor fill (what an mbuf or a umem descriptor says).
inline void fill(ebpfjit::XdpBuffer& b, uint8_t* slot) {
    b.base = slot;
    b.capacity = kSlot;
    b.headroom = kHeadroom;
    b.length = kPacketLen;
    b.meta_length = 0;
}

uint64_t class0_count(ebpfjit::Object& object) {
    auto map = object.map("size_classes");
    if (!map) die(map.error().to_string());
    const uint32_t key = 0;
    uint64_t value = 0;
    if (map->lookup({reinterpret_cast<const uint8_t*>(&key), 4}, {reinterpret_cast<uint8_t*>(&value), 8}) != 0)
        die("size_classes lookup failed");
    return value;
}

void print(const char* program, const char* layer, Timing t) {
    std::printf("%-11s %-30s %8.2f %8.2f\n", program, layer, t.median, t.min);
    std::fflush(stdout);
}

// ---- the kernel's JIT ------------------------------------------------------------------

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

struct KernelResult {
    std::optional<Timing> timing;
    std::string skipped; // why there is no timing
};

// BPF_PROG_TEST_RUN with `repeat`: the kernel's own duration (ns per repeat, whole ns),
// median and minimum over 7 calls of ~20 ms each. flow_count's class counter is checked
// against the repeats after all runs.
KernelResult run_kernel(const char* program_name, bool counts, uint64_t budget_ns) {
    if (geteuid() != 0) return {std::nullopt, "skipped: not root (BPF_PROG_TEST_RUN needs CAP_BPF)"};
    libbpf_set_print(quiet);
    bpf_object* object = bpf_object__open_file(EBPFJIT_XDP_BURST_OBJECT, nullptr);
    if (!object) return {std::nullopt, "skipped: libbpf cannot open the object"};
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, object) bpf_program__set_autoload(prog, false);
    prog = bpf_object__find_program_by_name(object, program_name);
    if (!prog) die(std::string("no program ") + program_name + " in the object");
    bpf_program__set_autoload(prog, true);
    if (bpf_object__load(object) != 0) {
        const int error = errno;
        bpf_object__close(object);
        return {std::nullopt, std::string("skipped: the kernel refused the program: ") + std::strerror(error)};
    }
    std::vector<uint8_t> packet = udp_packet();
    const int fd = bpf_program__fd(prog);
    uint64_t runs = 0;
    auto test_run = [&](uint32_t repeat, uint32_t& duration) {
        bpf_test_run_opts opts;
        std::memset(&opts, 0, sizeof opts);
        opts.sz = sizeof opts;
        opts.data_in = packet.data();
        opts.data_size_in = uint32_t(packet.size());
        opts.repeat = repeat;
        const int err = bpf_prog_test_run_opts(fd, &opts);
        if (err != 0) return -errno;
        runs += repeat;
        duration = opts.duration;
        return opts.retval == 2 /* XDP_PASS */ ? 0 : -EINVAL;
    };
    KernelResult result;
    uint32_t per_run = 0;
    if (int err = test_run(100, per_run); err != 0) {
        bpf_object__close(object);
        return {std::nullopt, std::string("skipped: BPF_PROG_TEST_RUN failed: ") + std::strerror(-err)};
    }
    const uint64_t per_call_ns = std::max<uint64_t>(budget_ns / 8, 2'000'000);
    const auto repeat = static_cast<uint32_t>(std::clamp<uint64_t>(per_call_ns / std::max<uint32_t>(per_run, 1), 1,
                                                                   10'000'000));
    std::vector<double> durations;
    for (int i = 0; i < 7; ++i) {
        uint32_t duration = 0;
        if (int err = test_run(repeat, duration); err != 0) die(std::string("kernel test run: ") + std::strerror(-err));
        durations.push_back(duration);
    }
    std::sort(durations.begin(), durations.end());
    if (counts) {
        bpf_map* map = bpf_object__find_map_by_name(object, "size_classes");
        const uint32_t key = 0;
        uint64_t value = 0;
        if (!map || bpf_map__lookup_elem(map, &key, sizeof key, &value, sizeof value, 0) != 0)
            die("kernel: size_classes lookup failed");
        if (value != runs - 1) // the first packet inserts its flow
            die("kernel flow_count counted " + std::to_string(value) + " of " + std::to_string(runs - 1) + " packets");
    }
    bpf_object__close(object);
    result.timing = Timing{durations[durations.size() / 2], durations.front()};
    return result;
}

} // namespace

int main(int argc, char** argv) {
    uint64_t budget_ms = 500;
    uint32_t burst = 32;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc) budget_ms = std::strtoull(argv[++i], nullptr, 10);
        else if (std::strcmp(argv[i], "--burst") == 0 && i + 1 < argc) burst = uint32_t(std::strtoul(argv[++i], nullptr, 10));
        else die(std::string("usage: bench_xdp_burst [--budget-ms N] [--burst N]; unknown ") + argv[i]);
    }
    if (burst == 0 || burst > 1024) die("--burst must be 1..1024");
    const uint64_t budget = budget_ms * 1'000'000;
    if (auto slot = ebpfjit::register_worker_thread(); !slot) die(slot.error().to_string());

    const std::vector<uint8_t> packet = udp_packet();
    Pool pool(burst, packet);
    std::vector<ebpfjit::XdpBuffer> buffers(burst);
    std::vector<ebpfjit::XdpResult> results(burst);
    std::vector<ebpfjit_xdp_result> c_results(burst);
    std::vector<ebpfjit::XdpFrame> frames;
    std::vector<ebpfjit::XdpFrame*> frame_ptrs;
    for (uint32_t i = 0; i < burst; ++i) frames.emplace_back(ebpfjit::XdpFrame::kDefaultFrameSize);
    for (auto& f : frames) frame_ptrs.push_back(&f);

    std::printf("burst of %u packets of %u bytes; public API, default options (JIT, full verifier)\n", burst,
                kPacketLen);
    std::printf("%-11s %-30s %8s %8s   (ns per packet: median, min of batch means)\n", "program", "path", "median",
                "min");
    char err[512] = "";
    for (const char* name : {"xdp_pass", "flow_count"}) {
        const bool counts = std::strcmp(name, "flow_count") == 0;
        auto object = ebpfjit::Object::open(EBPFJIT_XDP_BURST_OBJECT);
        if (!object) die(object.error().to_string());
        auto program = object->program(name);
        if (!program) die(program.error().to_string());
        ebpfjit_object* c_object = ebpfjit_object_open(EBPFJIT_XDP_BURST_OBJECT, nullptr, err, sizeof err);
        if (!c_object) die(err);
        ebpfjit_program* c_program = ebpfjit_object_program(c_object, name, err, sizeof err);
        if (!c_program) die(err);
        uint64_t packets = 0, c_packets = 0;

        print(name, "zero-copy C++ run_xdp_burst", measure("zero-copy C++", burst, budget, packets, [&] {
                  for (uint32_t i = 0; i < burst; ++i) fill(buffers[i], pool.slot(i));
                  if (auto ran = program->run_xdp_burst(buffers, results); !ran) die(ran.error().to_string());
                  uint32_t wrong = 0;
                  for (const auto& r : results) wrong += r.action != ebpfjit::XdpAction::Pass;
                  return wrong;
              }));
        print(name, "zero-copy C run_xdp_buffers", measure("zero-copy C", burst, budget, c_packets, [&] {
                  for (uint32_t i = 0; i < burst; ++i) fill(buffers[i], pool.slot(i));
                  if (ebpfjit_program_run_xdp_buffers(c_program, buffers.data(), burst, 1, 0, c_results.data(), err,
                                                      sizeof err) != 0)
                      die(err);
                  uint32_t wrong = 0;
                  for (const auto& r : c_results) wrong += r.action != EBPFJIT_XDP_PASS;
                  return wrong;
              }));
        print(name, "owning frames (copy in; before)", measure("owning frames", burst, budget, packets, [&] {
                  for (uint32_t i = 0; i < burst; ++i)
                      if (auto loaded = frames[i].load({pool.slot(i) + kHeadroom, kPacketLen}, {1, 0, 0}); !loaded)
                          die(loaded.error().to_string());
                  if (auto ran = program->run_xdp_burst(frame_ptrs, results); !ran) die(ran.error().to_string());
                  uint32_t wrong = 0;
                  for (const auto& r : results) wrong += r.action != ebpfjit::XdpAction::Pass;
                  return wrong;
              }));
        if (counts) {
            if (uint64_t counted = class0_count(*object); counted != packets - 1)
                die("flow_count counted " + std::to_string(counted) + " of " + std::to_string(packets - 1) + " packets");
            const uint32_t key = 0;
            uint64_t counted = 0;
            if (ebpfjit_map_lookup(ebpfjit_object_map(c_object, "size_classes"), &key, &counted) != 0 ||
                counted != c_packets - 1)
                die("flow_count (C) counted " + std::to_string(counted) + " of " + std::to_string(c_packets - 1) +
                    " packets");
        }
        ebpfjit_object_close(c_object);

        KernelResult kernel = run_kernel(name, counts, budget);
        if (kernel.timing) print(name, "kernel JIT (BPF_PROG_TEST_RUN)", *kernel.timing);
        else std::printf("%-11s %-30s %s\n", name, "kernel JIT (BPF_PROG_TEST_RUN)", kernel.skipped.c_str());
    }
    return 0;
}
