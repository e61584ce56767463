// The decoded entry functions against llvm-objdump's disassembly of the same object:
// every instruction the loader did not relocate must read exactly as objdump reads it.
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <regex>

#include "elf_test_support.hpp"
#include "isa/disassembler.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_path;

namespace {

struct ObjdumpFunction {
    std::string section;
    std::map<uint32_t, std::string> text; // section slot -> instruction text
    uint32_t first = 0;
};

// Functions by name, from `llvm-objdump -d --no-show-raw-insn`.
std::map<std::string, ObjdumpFunction> objdump(const std::string& path) {
    std::map<std::string, ObjdumpFunction> out;
    const std::string command = std::string(EBPFJIT_LLVM_OBJDUMP) + " -d --no-show-raw-insn " + path;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    REQUIRE(pipe);
    static const std::regex section_re(R"(^Disassembly of section (.+):$)");
    static const std::regex function_re(R"(^([0-9a-f]+) <([^>]+)>:$)");
    static const std::regex insn_re(R"(^\s*(\d+):\t(.*?)( <[^>]+>)?$)");
    std::string section, line;
    ObjdumpFunction* current = nullptr;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe.get())) {
        line = buffer;
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        std::smatch m;
        if (std::regex_match(line, m, section_re)) {
            section = m[1];
        } else if (std::regex_match(line, m, function_re)) {
            if (std::string(m[2]).starts_with("LBB")) continue; // a jump label inside the function
            current = &out[m[2]];
            current->section = section;
            current->first = uint32_t(std::stoull(m[1], nullptr, 16) / 8);
        } else if (current && std::regex_match(line, m, insn_re)) {
            current->text[uint32_t(std::stoul(m[1]))] = m[2];
        }
    }
    return out;
}

std::string without_hash(std::string s) {
    std::erase(s, '#');
    return s;
}

} // namespace

TEST_CASE("Entry functions disassemble as llvm-objdump shows them", "[elf][decode]") {
    if (std::string(EBPFJIT_LLVM_OBJDUMP).empty() || std::string(EBPFJIT_LLVM_OBJDUMP).ends_with("NOTFOUND")) {
        WARN("llvm-objdump not found; comparison skipped");
        return;
    }
    size_t compared = 0;
    for (const char* stem : {"btf_maps", "legacy_maps", "global_data", "subprograms", "multi_prog"}) {
        auto d = read_object_file(object_path(stem));
        REQUIRE(d);
        const auto functions = objdump(object_path(stem));
        for (const ProgramSpec& p : d->programs) {
            INFO(stem << ": " << p.name);
            auto fn = functions.find(p.name);
            REQUIRE(fn != functions.end());
            CHECK(fn->second.section == p.section);
            for (const auto& [slot, expected] : fn->second.text) {
                const uint32_t ours = slot - fn->second.first;
                REQUIRE(ours < p.raw.size());
                const isa::RawInsn& raw = p.raw[ours];
                // LDDWs and local calls are what the loader rewrites; their targets are
                // checked in the linking and map tests.
                if (raw.opcode == 0x18 || (raw.opcode == 0x85 && raw.src == 1)) continue;
                INFO("slot " << ours);
                CHECK(without_hash(isa::disassemble(p.program.insns[ours], ours)) == expected);
                ++compared;
            }
        }
    }
    CHECK(compared > 100); // 124 with clang 14
}
