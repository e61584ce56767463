// Writes the seed corpus of fuzz_pipeline_soundness: for every program type and every
// generator feature (support/pipeline_generator.hpp), the first input of a fixed
// pseudo-random sequence whose programs contain the feature, verify, and run clean through
// the whole pipeline. Deterministic: the same build writes the same files.
// Two passes per type: without loops (the generator as before loops existed: the same
// seeds as then), and with loops (input byte 0 bit 4), where only the loop features
// (kLoopFeatures) make a seed, named <type>_<loop feature>, and only a loop that runs:
// a loop feature counts only if a loop of that kind ran its body at least twice on the
// interpreter for that input (support/loop_reach.hpp). The loop pass prints how many of
// the verified inputs with loops run one (the fraction the fuzzer's loop inputs reach).
//   make_pipeline_seeds OUT_DIR [FINDINGS_DIR]
// MAKE_PIPELINE_SEEDS_LOOPS_ONLY=1 runs the loop passes alone, MAKE_PIPELINE_SEEDS_TYPE=N one type,
// MAKE_PIPELINE_SEEDS_LOOP_TRIES=N caps the attempts of a loop pass (default kLoopTries).
// MAKE_PIPELINE_SEEDS_REASONS=1 also prints the most common rejections per type (to tune
// the generator's acceptance rate).
// Inputs that produce a finding are never seeds; with FINDINGS_DIR they are written there
// (one file each, plus the report as <file>.txt) for triage.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/loop_reach.hpp"
#include "support/pipeline_generator.hpp"
#include "support/pipeline_run.hpp"

using namespace ebpfjit;

namespace {

struct XorShift {
    uint64_t s;
    uint64_t next() {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        return s;
    }
};

void write(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR [FINDINGS_DIR]\n", argv[0]);
        return 2;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // progress shows while it runs (minutes)
    const std::filesystem::path out_dir = argv[1];
    const std::filesystem::path findings_dir = argc > 2 ? argv[2] : "";
    std::filesystem::create_directories(out_dir);
    if (!findings_dir.empty()) std::filesystem::create_directories(findings_dir);
    static constexpr const char* type_names[] = {"xdp", "tc", "socket", "mem"}; // byte 0, low 2 bits
    constexpr uint8_t kLoops = 16; // byte 0, bit 4
    constexpr int kTries = 20000;
    constexpr int kReachSample = 150;
    // Loop programs are the costly ones to verify (the loop pass, up to the complexity limit).
    constexpr int kLoopTries = 2500;
    size_t seeds = 0, findings = 0;
    // MAKE_PIPELINE_SEEDS_LOOPS_ONLY=1: the loop passes alone (the others take minutes and
    // do not change while only the loop steps do).
    const bool loops_only = std::getenv("MAKE_PIPELINE_SEEDS_LOOPS_ONLY") != nullptr;
    // MAKE_PIPELINE_SEEDS_TYPE=N (0 xdp, 1 tc, 2 socket, 3 mem): that type alone (one
    // process per type makes the run as long as its slowest type).
    const char* only_type = std::getenv("MAKE_PIPELINE_SEEDS_TYPE");
    for (uint8_t pass = loops_only ? 4 : 0; pass < 8; ++pass) {
        const uint8_t type = pass % 4;
        if (only_type && std::atoi(only_type) != type) continue;
        const bool loops = pass >= 4;
        // The features this pass seeds: all but the loops', or only those (socket filters
        // have no direct packet access, so only counted loops).
        uint32_t wanted = loops ? fuzz::kLoopFeatures : ((1u << fuzz::kFeatureCount) - 1) & ~fuzz::kLoopFeatures;
        if (loops && type == 2) wanted = fuzz::kFeatureCountedLoop;
        uint32_t found = 0; // features that have a seed
        size_t verified = 0;
        size_t with_loops = 0, reaching = 0, loops_made = 0, loops_run = 0; // loop pass: reachability
        std::map<std::string, size_t> reasons;
        XorShift rng{0x9e3779b97f4a7c15ull + type + (loops ? 0x100 : 0)};
        // The loop pass goes on to kReachSample attempts after its seeds, for a stable figure.
        const char* tries_env = std::getenv("MAKE_PIPELINE_SEEDS_LOOP_TRIES"); // a quick look
        const int tries = loops ? (tries_env ? std::atoi(tries_env) : kLoopTries) : kTries;
        for (int attempt = 0; attempt < tries && (found != wanted || (loops && attempt < kReachSample)); ++attempt) {
            std::vector<uint8_t> input(34 + 64 + rng.next() % 448);
            for (auto& b : input) b = uint8_t(rng.next() >> 24);
            input[0] = uint8_t(type | (loops ? kLoops : 0)); // not hostile, JIT not blinded
            input[1] = uint8_t(14 + rng.next() % 120);
            const fuzz::PipelineResult r = fuzz::run_pipeline(input);
            if (!r.finding.empty()) {
                ++findings;
                if (!findings_dir.empty()) {
                    const auto name = findings_dir / (std::string(type_names[type]) + (loops ? "_loops_" : "_") +
                                                    std::to_string(attempt));
                    write(name, input);
                    std::ofstream(name.string() + ".txt") << r.finding;
                }
                continue;
            }
            if (!r.verified) {
                std::string reason = r.rejection;
                // Drop instruction numbers and values: group by message shape.
                reason.erase(std::remove_if(reason.begin(), reason.end(), [](char c) { return c >= '0' && c <= '9'; }),
                             reason.end());
                ++reasons[reason.substr(0, 90)];
                continue;
            }
            ++verified;
            uint32_t features = r.features;
            // A loop feature counts only where such a loop runs its body twice. Measuring
            // costs a verification per loop: only inputs that may bring a seed, and the
            // first kReachSample attempts (the figure printed).
            const bool sample = attempt < kReachSample;
            if (loops && !sample && !(r.features & wanted & ~found)) continue;
            if (loops) {
                const std::vector<fuzz::LoopReach> reach =
                    fuzz::measure_loop_reach(input, sample ? fuzz::kLoopFeatures : wanted & ~found);
                const uint32_t reached = fuzz::reached_loop_features(reach);
                if (!reach.empty()) ++with_loops, reaching += reached != 0;
                loops_made += reach.size();
                for (const auto& loop : reach) loops_run += loop.body_runs >= 2;
                features = (features & ~fuzz::kLoopFeatures) | reached;
            }
            const uint32_t fresh = features & wanted & ~found;
            if (fresh == 0) continue;
            // Named after the lowest new feature; it may cover several.
            uint32_t bit = 0;
            while (!(fresh >> bit & 1)) ++bit;
            const std::string name = std::string(type_names[type]) + "_" + fuzz::pipeline_feature_name(bit);
            write(out_dir / name, input);
            std::printf("%s:", name.c_str());
            for (uint32_t b = 0; b < fuzz::kFeatureCount; ++b)
                if (features >> b & 1) std::printf(" %s", fuzz::pipeline_feature_name(b));
            std::printf("\n");
            found |= features & wanted;
            ++seeds;
        }
        std::printf("%-6s%s verified %zu; features without a seed:", type_names[type], loops ? " loops" : "", verified);
        for (uint32_t bit = 0; bit < fuzz::kFeatureCount; ++bit)
            if ((wanted >> bit & 1) && !(found >> bit & 1)) std::printf(" %s", fuzz::pipeline_feature_name(bit));
        std::printf("\n");
        if (loops)
            std::printf("       loops run: %zu of %zu verified inputs with loops ran a loop body at least twice; "
                        "%zu of %zu loops (the first %d attempts)\n", reaching, with_loops, loops_run, loops_made, kReachSample);
        if (std::getenv("MAKE_PIPELINE_SEEDS_REASONS")) {
            std::vector<std::pair<size_t, std::string>> top;
            for (const auto& [text, n] : reasons) top.emplace_back(n, text);
            std::sort(top.rbegin(), top.rend());
            for (size_t i = 0; i < top.size() && i < 12; ++i) std::printf("  %6zu  %s\n", top[i].first, top[i].second.c_str());
        }
    }
    std::printf("%zu seeds, %zu inputs with findings\n", seeds, findings);
    return 0;
}
