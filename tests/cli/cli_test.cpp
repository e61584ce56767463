// The `ebpfjit` executable end to end: asm -> disasm -> run, and one-line failures.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Outcome {
    int status;
    std::string out, err;
};

const fs::path kWork = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "cli_work";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

std::string fmt_cmd(const std::string& args) {
    fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
    return "cd '" + kWork.string() + "' && '" + exe.string() + "' " + args + " >stdout 2>stderr";
}

// Runs `build/ebpfjit <args>` through the shell, capturing stdout and stderr apart.
Outcome ebpfjit(const std::string& args) {
    fs::create_directories(kWork);
    std::string cmd = fmt_cmd(args);
    int raw = std::system(cmd.c_str());
    REQUIRE(raw != -1);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(kWork / "stdout"), slurp(kWork / "stderr")};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

std::string last_line(const std::string& text) {
    auto l = lines(text);
    return l.empty() ? "" : l.back();
}

// A failure is exactly one line on stderr and exit status 1.
void check_one_line_failure(const Outcome& o, const std::string& must_contain) {
    INFO("stderr: " << o.err << "stdout: " << o.out);
    CHECK(o.status == 1);
    CHECK(lines(o.err).size() == 1);
    CHECK(o.err.find(must_contain) != std::string::npos);
}

} // namespace

TEST_CASE("asm -> disasm -> run round trip") {
    fs::create_directories(kWork);
    write(kWork / "sum.s", R"(# r0 = mem[0] + mem[1] + length, after writing mem[0] through r1
    stb [%r1], 0x10          # the input copy is writable
    ldxb %r0, [%r1]
    ldxb %r3, [%r1+1]
    add %r0, %r3
    add %r0, %r2
    jne %r0, 0x33, fail
    exit
fail:
    mov %r0, -1
    exit
)");
    write(kWork / "input.bin", std::string("\x01\x20\x30", 3));

    auto assembled = ebpfjit("asm sum.s -o sum.bin");
    INFO(assembled.err);
    REQUIRE(assembled.status == 0);
    CHECK(fs::file_size(kWork / "sum.bin") == 9 * 8);

    auto listing = ebpfjit("disasm sum.bin");
    INFO(listing.err);
    REQUIRE(listing.status == 0);
    CHECK(lines(listing.out).size() == 9);
    CHECK(listing.out.find("exit") != std::string::npos);
    CHECK(listing.err.empty());

    auto run = ebpfjit("run sum.bin --type mem --mem input.bin");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(last_line(run.out) == "r0 = 51 (0x33)");
}

TEST_CASE("run prints r0 as unsigned decimal and hex") {
    fs::create_directories(kWork);
    write(kWork / "big.s", "lddw %r0, 0xfffffffffffffffe\nexit\n");
    write(kWork / "empty.bin", "");
    REQUIRE(ebpfjit("asm big.s -o big.bin").status == 0);
    auto run = ebpfjit("run big.bin --type mem --mem empty.bin --engine interp");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(last_line(run.out) == "r0 = 18446744073709551614 (0xfffffffffffffffe)");
}

TEST_CASE("bad input: one line on stderr, exit 1") {
    fs::create_directories(kWork);
    write(kWork / "garbage.bin", std::string(16, '\xff'));
    write(kWork / "truncated.bin", std::string("\x95\0\0\0\0\0\0\0\x95\0\0\0", 12));
    write(kWork / "bad.s", "mov %r0, 1\nfrobnicate %r1\nexit\n");
    write(kWork / "ok.s", "mov %r0, 1\nexit\n");
    write(kWork / "empty.bin", "");

    for (const char* verb : {"disasm", "run"}) {
        SECTION(std::string(verb) + " missing file") {
            check_one_line_failure(ebpfjit(std::string(verb) + " no-such-file.bin"), "no-such-file.bin");
        }
        SECTION(std::string(verb) + " garbage .bin") {
            check_one_line_failure(ebpfjit(std::string(verb) + " garbage.bin"), "garbage.bin");
        }
        SECTION(std::string(verb) + " truncated .bin names the offset") {
            check_one_line_failure(ebpfjit(std::string(verb) + " truncated.bin"), "offset 0x8");
        }
        SECTION(std::string(verb) + " empty .bin") {
            check_one_line_failure(ebpfjit(std::string(verb) + " empty.bin"), "empty.bin");
        }
    }
    SECTION("asm error names the line") {
        check_one_line_failure(ebpfjit("asm bad.s -o bad.bin"), "line 2: unknown mnemonic 'frobnicate'");
    }
    SECTION("asm of a missing file") {
        check_one_line_failure(ebpfjit("asm no-such-file.s -o x.bin"), "no-such-file.s");
    }
    SECTION("run with a missing --mem file") {
        REQUIRE(ebpfjit("asm ok.s -o ok.bin").status == 0);
        check_one_line_failure(ebpfjit("run ok.bin --type mem --mem no-such-input"), "no-such-input");
    }
}

TEST_CASE("run: jit (the default) and interp agree; disasm --native shows both codes") {
    REQUIRE(ebpfjit("asm ok.s -o ok.bin").status == 0);
    auto jit = ebpfjit("run ok.bin --type mem --mem empty.bin");
    auto interp = ebpfjit("run ok.bin --type mem --mem empty.bin --engine interp");
    REQUIRE(jit.status == 0);
    REQUIRE(interp.status == 0);
    CHECK(jit.out == interp.out);
    auto native = ebpfjit("disasm --native ok.bin");
    REQUIRE(native.status == 0);
    CHECK(native.out.find("exit") != std::string::npos); // the eBPF text
    CHECK(native.out.find("ret") != std::string::npos);  // the x86-64 code
}

TEST_CASE("every verb has --help with an example") {
    for (const char* verb : {"asm", "disasm", "run"}) {
        auto help = ebpfjit(std::string(verb) + " --help");
        INFO(verb);
        CHECK(help.status == 0);
        CHECK(help.out.find("Example: ebpfjit " + std::string(verb)) != std::string::npos);
    }
}
