// Runs every bpf_conformance `.data` file on one engine, in-process. A test passes when
// the program returns `-- result` (all 64 bits), or, for a test with `-- error`, when it
// fails with exactly that message. Prints one FAIL line per failing test and, as its
// last line, "N passed, N failed"; exits non-zero if anything failed.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "isa/data_file.hpp"
#include "runtime/mem_engines.hpp"

namespace fs = std::filesystem;
using namespace ebpfjit;

namespace {

std::vector<fs::path> data_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".data") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

// "" when the test passes, otherwise the reason it failed.
std::string run_one(const fs::path& file, const runtime::MemEngine& engine) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return "cannot read the file";
    std::stringstream text;
    text << in.rdbuf();
    auto test = isa::parse_data_file(text.str());
    if (!test) return "parse error: " + test.error().to_string();

    auto r0 = engine(test->program, test->memory);
    if (test->error) {
        if (r0) return fmt::format("expected error '{}', got r0 = {:#x}", *test->error, *r0);
        if (r0.error().to_string() != *test->error)
            return fmt::format("expected error '{}', got '{}'", *test->error, r0.error().to_string());
        return "";
    }
    if (!r0) return "error: " + r0.error().to_string();
    if (!test->result) return "the test has neither `-- result` nor `-- error`";
    if (*r0 != *test->result) return fmt::format("expected {:#x}, got {:#x}", *test->result, *r0);
    return "";
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Runs the bpf_conformance .data files in-process"};
    std::string engine_name = "interp";
    std::string dir = std::string(EBPFJIT_SHARED_DIR) + "/conformance/tests";
    std::string filter;
    app.add_option("--engine", engine_name, "interp | jit");
    app.add_option("--dir", dir, "folder of .data files");
    app.add_option("--filter", filter, "only files whose name contains this");
    runtime::MemEngineOptions engine_options;
    app.add_flag("--harden", engine_options.hardening.blind_constants, "jit: constant blinding");
    CLI11_PARSE(app, argc, argv);

    auto engine = runtime::find_mem_engine(engine_name, engine_options);
    if (!engine) {
        fmt::print("{}\n0 passed, 1 failed\n", engine.error().to_string());
        return 1;
    }
    if (!fs::is_directory(dir)) {
        fmt::print("no test folder at {}\n0 passed, 1 failed\n", dir);
        return 1;
    }
    int passed = 0, failed = 0;
    for (const auto& file : data_files(dir)) {
        if (!filter.empty() && file.filename().string().find(filter) == std::string::npos) continue;
        const std::string reason = run_one(file, *engine);
        if (reason.empty()) {
            ++passed;
        } else {
            ++failed;
            fmt::print("FAIL {}: {}\n", file.filename().string(), reason);
        }
    }
    fmt::print("{} passed, {} failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
