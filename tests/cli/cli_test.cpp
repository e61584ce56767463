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
    // Cross builds run the target's executable through qemu (EBPFJIT_TEST_EMULATOR).
    return "cd '" + kWork.string() + "' && " + EBPFJIT_TEST_EMULATOR + " '" + exe.string() + "' " + args +
           " >stdout 2>stderr";
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

// Runs `build/ebpfjit <args>`, which must exit 0 (stderr goes into the failure message).
Outcome ebpfjit_ok(const std::string& args) {
    auto o = ebpfjit(args);
    INFO(args << " -> stderr: " << o.err);
    REQUIRE(o.status == 0);
    return o;
}

// Writes <stem>.s into the work folder and assembles it to <stem>.bin.
void assemble(const std::string& stem, const std::string& text) {
    fs::create_directories(kWork);
    write(kWork / (stem + ".s"), text);
    ebpfjit_ok("asm " + stem + ".s -o " + stem + ".bin");
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

    ebpfjit_ok("asm sum.s -o sum.bin");
    CHECK(fs::file_size(kWork / "sum.bin") == 9 * 8);

    auto listing = ebpfjit_ok("disasm sum.bin");
    CHECK(lines(listing.out).size() == 9);
    CHECK(listing.out.find("exit") != std::string::npos);
    CHECK(listing.err.empty());

    auto run = ebpfjit_ok("run sum.bin --type mem --mem input.bin");
    CHECK(last_line(run.out) == "r0 = 51 (0x33)");
}

TEST_CASE("disasm --native --arch prints either backend's code on any host") {
    assemble("ret7", "mov %r0, 7\nexit\n");

    auto a64 = ebpfjit_ok("disasm --native --arch arm64 ret7.bin");
    CHECK(a64.out.find("bytes of A64") != std::string::npos);
    CHECK(a64.out.find("movz w7, 7") != std::string::npos);
    CHECK(a64.out.find("ret x30") != std::string::npos);

    auto x64 = ebpfjit_ok("disasm --native --arch x86_64 ret7.bin");
    CHECK(x64.out.find("bytes of x86-64") != std::string::npos);

    auto bad = ebpfjit("disasm --native --arch mips ret7.bin");
    CHECK(bad.status == 1);
    CHECK(bad.err.find("unknown architecture 'mips'") != std::string::npos);
}

TEST_CASE("run prints r0 as unsigned decimal and hex") {
    assemble("big", "lddw %r0, 0xfffffffffffffffe\nexit\n");
    write(kWork / "empty.bin", "");
    auto run = ebpfjit_ok("run big.bin --type mem --mem empty.bin --engine interp");
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

TEST_CASE("run --max-insns: an endless loop stops with one line and exit 1 on both engines") {
    assemble("spin", "mov %r0, 1\nja -1\nexit\n");
    assemble("count", "mov %r0, 0\nadd %r0, 1\njlt %r0, 100, -2\nexit\n");
    for (const char* engine : {"jit", "interp"}) {
        CAPTURE(engine);
        check_one_line_failure(ebpfjit(std::string("run spin.bin --max-insns 5000 --engine ") + engine),
                               "insn 1: instruction budget of 5000 exceeded");
        auto under = ebpfjit(std::string("run count.bin --max-insns 5000 --engine ") + engine);
        INFO(under.err);
        CHECK(under.status == 0);
        CHECK(last_line(under.out) == "r0 = 100 (0x64)");
    }
}

TEST_CASE("run --harden / --retpoline and disasm --native --harden") {
    assemble("imm", "mov %r0, 0x41424344\nadd %r0, 0x1234567\nexit\n");
    auto run = ebpfjit("run imm.bin --harden --retpoline");
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(last_line(run.out) == "r0 = 1113950379 (0x426588ab)");
    for (const char* arch : {"x86_64", "arm64"}) {
        CAPTURE(arch);
        auto plain = ebpfjit(std::string("disasm --native --arch ") + arch + " imm.bin");
        auto hardened = ebpfjit(std::string("disasm --native --harden --arch ") + arch + " imm.bin");
        REQUIRE(hardened.status == 0);
        CHECK(hardened.out.find("r0 = 1094861636") != std::string::npos); // the original, as a comment
        CHECK(hardened.out.find("~ r11 ^= ") != std::string::npos);
        if (std::string(arch) == "x86_64") {
            CHECK(plain.out.find("0x41424344") != std::string::npos);
            CHECK(hardened.out.find("0x41424344") == std::string::npos);
        }
    }
}
