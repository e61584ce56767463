// Verification time: µs per program (best of N runs) and processed-instruction counts,
// for every accepted program of the verifier corpus and for a 1,000-instruction program.
//
//   bench_verify_time [--runs N] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "corpus.hpp"

using namespace ebpfjit;
using namespace ebpfjit::verifier;

namespace {

struct Measure {
    double best_us = 1e300;
    Stats stats;
    bool ok = false;
};

Measure measure(const isa::Program& p, const VerifierInput& in, int runs) {
    Measure m;
    for (int i = 0; i < runs; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        Report r = check(p, in);
        double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
        m.best_us = std::min(m.best_us, us);
        m.stats = r.stats;
        m.ok = r.ok();
    }
    return m;
}

} // namespace

int main(int argc, char** argv) {
    int runs = 20;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--json")) json = true;
        else {
            std::fprintf(stderr, "usage: %s [--runs N] [--json]\n", argv[0]);
            return 2;
        }
    }
    auto corpus = test::build_corpus();
    std::string rows;
    double total_us = 0, worst_us = 0;
    size_t count = 0;
    for (const auto& c : corpus) {
        if (!c.accept) continue;
        Measure m = measure(c.program, test::corpus_input(c.type), runs);
        total_us += m.best_us;
        worst_us = std::max(worst_us, m.best_us);
        ++count;
        if (json)
            rows += fmt::format("{}{{\"name\":\"{}\",\"insns\":{},\"us\":{:.2f},\"processed\":{},\"pruned\":{}}}",
                                rows.empty() ? "" : ",", c.name, c.program.size(), m.best_us,
                                m.stats.processed_insns, m.stats.states_pruned);
        else
            std::printf("%-34s %6zu insns %9.2f us %8llu processed %6llu pruned\n", c.name.c_str(), c.program.size(),
                        m.best_us, (unsigned long long)m.stats.processed_insns,
                        (unsigned long long)m.stats.states_pruned);
    }
    isa::Program big = test::large_xdp_program(1000);
    Measure mb = measure(big, test::corpus_input(ProgramType::Xdp), runs);
    if (json) {
        std::printf("{\"corpus\":[%s],\"corpus_mean_us\":%.2f,\"corpus_max_us\":%.2f,"
                    "\"large\":{\"insns\":%zu,\"us\":%.2f,\"processed\":%llu,\"accepted\":%s}}\n",
                    rows.c_str(), total_us / double(count), worst_us, big.size(), mb.best_us,
                    (unsigned long long)mb.stats.processed_insns, mb.ok ? "true" : "false");
    } else {
        std::printf("\ncorpus: %zu accepted programs, mean %.2f us, max %.2f us (best of %d runs)\n", count,
                    total_us / double(count), worst_us, runs);
        std::printf("large XDP program: %zu insns, %.2f us, %llu processed, %s (goal: under 1000 us)\n", big.size(),
                    mb.best_us, (unsigned long long)mb.stats.processed_insns, mb.ok ? "accepted" : "REJECTED");
    }
    return mb.ok ? 0 : 1;
}
