// pipeline_loop_reach: the loop seeds of fuzz_pipeline_soundness still run their loops.
//   pipeline_loop_reach CORPUS_DIR
// For every seed whose programs contain loops it prints how many times each loop's body
// ran on the interpreter (support/loop_reach.hpp) and the fractions over the corpus; a seed
// named after a loop feature (<type>_<feature>, as make_pipeline_seeds names them) fails
// the run unless a loop of that kind ran its body at least twice. A generator change that
// moves the seeds' programs, or a harness change that starves their loops (the packet,
// the maps), shows up here rather than as a quiet loss of fuzzing power.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/loop_reach.hpp"
#include "support/pipeline_generator.hpp"

using namespace ebpfjit::fuzz;

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc != 2 || !fs::is_directory(argv[1])) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(argv[1]))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    size_t with_loops = 0, reaching = 0, loops = 0, loops_reached = 0, named = 0, failures = 0;
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::vector<LoopReach> reach = measure_loop_reach(bytes);
        const std::string name = file.filename().string();
        // The loop feature the seed is named after, if any.
        uint32_t claimed = 0;
        const std::string suffix = name.substr(name.find('_') + 1);
        for (uint32_t bit = 0; bit < kFeatureCount; ++bit)
            if ((kLoopFeatures >> bit & 1) && suffix == pipeline_feature_name(bit)) claimed = 1u << bit;
        if (reach.empty() && claimed == 0) continue;
        ++with_loops;
        const uint32_t reached = reached_loop_features(reach);
        reaching += reached != 0;
        std::printf("%-28s", name.c_str());
        for (const LoopReach& loop : reach) {
            uint32_t bit = 0;
            while (!(loop.feature >> bit & 1)) ++bit;
            std::printf(" %s:%lld", pipeline_feature_name(bit), static_cast<long long>(loop.body_runs));
            ++loops;
            loops_reached += loop.body_runs >= 2;
        }
        if (claimed != 0) {
            ++named;
            if (!(reached & claimed)) {
                ++failures;
                std::printf("  FAIL: no loop of the seed's kind ran its body twice");
            }
        }
        std::printf("\n");
    }
    std::printf("seeds with loops: %zu, with a loop body run at least twice: %zu; loops: %zu, run at least "
                "twice: %zu; loop seeds (named after a loop kind): %zu, failing: %zu\n",
                with_loops, reaching, loops, loops_reached, named, failures);
    return failures == 0 && named > 0 ? 0 : 1;
}
