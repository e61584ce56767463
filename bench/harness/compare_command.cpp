#include "bench/harness/compare_command.hpp"

#include <cstdio>
#include <filesystem>
#include <regex>
#include <vector>

#include <fmt/format.h>

#include "isa/program_file.hpp"
#include "bench/harness/timing.hpp"

namespace ebpfjit::bench {

namespace {

std::string substitute(std::string text, const std::string& key, const std::string& value) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
        text.replace(at, key.size(), value);
    return text;
}

struct Output {
    int status = 0;
    std::string text;
};

Result<Output> run_shell(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return fail(Error::plain(fmt::format("compare-cmd: cannot start '{}'", command)));
    Output out;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
    out.status = pclose(pipe);
    return out;
}

// The last integer in the output: "r0 = 1230 (0x4ce)" -> 0x4ce, "1230\n" -> 1230.
std::optional<uint64_t> last_integer(const std::string& text) {
    static const std::regex number(R"((0x[0-9a-fA-F]+|\b[0-9]+\b))");
    std::optional<uint64_t> last;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), number); it != std::sregex_iterator(); ++it)
        last = std::stoull(it->str(), nullptr, 0);
    return last;
}

} // namespace

Result<Record> run_compare_command(const std::string& command_template, const Workload& workload,
                                   const std::string& input_dir, uint64_t expected, int runs) {
    std::error_code ec;
    std::filesystem::create_directories(input_dir, ec);
    const std::string input_path = fmt::format("{}/{}.input.bin", input_dir, workload.name);
    if (auto ok = isa::write_file_bytes(input_path, workload.input); !ok) return fail(ok.error());

    std::string command = substitute(command_template, "{object}", workload.object_path);
    command = substitute(command, "{program}", workload.symbol);
    command = substitute(command, "{input}", input_path);
    command = substitute(command, "{name}", workload.name);

    std::vector<double> ns;
    std::optional<uint64_t> answer;
    for (int i = 0; i < runs + 1; ++i) { // the first run warms the page cache, untimed
        const uint64_t t0 = runtime::now_ns();
        auto out = run_shell(command);
        const uint64_t t1 = runtime::now_ns();
        if (!out) return fail(out.error());
        if (out->status != 0)
            return fail(Error::plain(fmt::format("compare-cmd for {} exited with status {}: {}", workload.name,
                                                 out->status, command)));
        answer = last_integer(out->text);
        if (answer && *answer != expected)
            return fail(Error::plain(fmt::format("{} on compare-cmd: printed {:#x}, but native says {:#x}",
                                                 workload.name, *answer, expected)));
        if (i > 0) ns.push_back(static_cast<double>(t1 - t0));
    }
    const runtime::Timing timing = runtime::summarize(std::move(ns), 1);
    Record r;
    r.program = workload.name;
    r.engine = "compare";
    r.ns_per_run_median = timing.median_ns;
    r.ns_per_run_min = timing.min_ns;
    r.runs = timing.runs;
    r.result = answer.value_or(expected);
    r.checked = answer.has_value();
    return r;
}

} // namespace ebpfjit::bench
