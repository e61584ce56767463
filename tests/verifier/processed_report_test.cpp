// Processed instructions per program, to compare pruning changes and the kernel
// (bench/kernel_compare/run.sh has the kernel column): the corpus's accepted programs in
// sum, and each C program of tests/verifier/c. Run it with
//     test_verifier "[.processed]"
// A report, not a check; the bounds that must hold are in pruning_parity_test.cpp.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "corpus.hpp"
#include "runtime/elf/loader.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

TEST_CASE("processed instructions report", "[verifier][.processed]") {
    uint64_t corpus_total = 0, corpus_programs = 0;
    for (const CorpusCase& c : build_corpus()) {
        if (!c.accept) continue;
        Report r = check(c.program, corpus_input(c.type));
        corpus_total += r.stats.processed_insns;
        ++corpus_programs;
    }
    std::cout << fmt::format("{:<40} {:>10} {:>8} {:>8}\n", "program", "processed", "stored", "pruned");
    std::cout << fmt::format("{:<40} {:>10}\n", fmt::format("corpus ({} accepted programs)", corpus_programs),
                             corpus_total);
#ifdef EBPFJIT_VERIFIER_C_OBJECT_DIR
    std::vector<std::filesystem::path> objects;
    for (const auto& e : std::filesystem::directory_iterator(EBPFJIT_VERIFIER_C_OBJECT_DIR))
        if (e.path().extension() == ".o") objects.push_back(e.path());
    std::sort(objects.begin(), objects.end());
    for (const auto& path : objects) {
        auto obj = runtime::elf::read_object_file(path.string());
        if (!obj) continue;
        for (const auto& prog : obj->programs) {
            VerifierInput in = corpus_input(prog.type);
            in.maps.clear();
            for (const auto& m : obj->maps) in.maps.push_back(m.def);
            Report r = check(prog.program, in);
            std::cout << fmt::format("{:<40} {:>10} {:>8} {:>8}{}\n", path.stem().string() + "/" + prog.name,
                                     r.stats.processed_insns, r.stats.states_stored, r.stats.states_pruned,
                                     r.ok() ? "" : " (rejected)");
        }
    }
#endif
}

} // namespace ebpfjit::verifier::test
