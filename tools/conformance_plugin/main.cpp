// ebpfjit-conformance-plugin: the bpf_conformance plugin protocol.
//
//   runner ──argv──►  plugin [<mem-hex>] [<plugin options>...] [--elf]
//          ──stdin─►  "b7  00  00  00  02  00  00  00  95  00 ...\n"   (program bytes)
//          ◄─stdout─  "0x2\n", exit 0                                  (r0)
//          ◄─stderr─  one message line, exit 1                         (any failure)
//
// <mem-hex> is the first argument not starting with "--" (same hex-byte encoding).
// Options: --engine jit|interp (default jit), --harden (jit: constant blinding). Other "--" options
// are ignored, since the runner may pass its own plugin_options through.
#include <cctype>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/raw_program.hpp"

using namespace ebpfjit;

namespace {

struct Options {
    std::optional<std::string> memory_hex;
    std::string engine = "jit";
    bool elf = false;
    Hardening hardening;
};

// Whitespace-separated two-digit hex bytes ("00  01  02  ").
Result<std::vector<uint8_t>> parse_hex_bytes(std::string_view text, std::string_view what) {
    std::vector<uint8_t> bytes;
    size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        const std::string token(text.substr(i, end - i));
        if (token.size() > 2 || !std::isxdigit(static_cast<unsigned char>(token[0])) ||
            (token.size() == 2 && !std::isxdigit(static_cast<unsigned char>(token[1]))))
            return fail(Error::plain(fmt::format("{}: '{}' at character {} is not a hex byte", what, token, i)));
        bytes.push_back(static_cast<uint8_t>(std::stoul(token, nullptr, 16)));
        i = end;
    }
    return bytes;
}

Options parse_arguments(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--elf") {
            options.elf = true;
        } else if (arg == "--harden") {
            options.hardening.blind_constants = true;
        } else if (arg == "--engine" && i + 1 < argc) {
            options.engine = argv[++i];
        } else if (arg.starts_with("--engine=")) {
            options.engine = std::string(arg.substr(9));
        } else if (!arg.starts_with("--") && !options.memory_hex) {
            options.memory_hex = std::string(arg);
        }
        // Anything else: a runner option meant for another plugin; ignored.
    }
    return options;
}

Result<uint64_t> run(const Options& options) {
    // Read the input first, so that the runner never writes into a closed pipe.
    std::string line;
    std::getline(std::cin, line);
    if (options.elf) return fail(Error::plain("ELF input is not supported yet"));
    auto engine = RawEngine::find(options.engine, options.hardening);
    if (!engine) return fail(engine.error());

    std::vector<uint8_t> memory;
    if (options.memory_hex) {
        auto bytes = parse_hex_bytes(*options.memory_hex, "memory argument");
        if (!bytes) return fail(bytes.error());
        memory = std::move(*bytes);
    }
    auto code = parse_hex_bytes(line, "program on stdin");
    if (!code) return fail(code.error());
    auto program = RawProgram::decode(*code);
    if (!program) return fail(program.error());
    return engine->run_mem(*program, memory);
}

} // namespace

int main(int argc, char** argv) {
    auto r0 = run(parse_arguments(argc, argv));
    if (!r0) {
        std::fputs((r0.error().to_string() + "\n").c_str(), stderr);
        return 1;
    }
    std::fputs(fmt::format("{:#x}\n", *r0).c_str(), stdout);
    return 0;
}
