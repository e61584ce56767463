// Forged and unsupported clang-built objects (tests/elf/progs) through `ebpfjit verify`:
// one error line naming section, offset and rule, exit status 1.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../elf/elf_test_support.hpp"

namespace fs = std::filesystem;
using namespace ebpfjit::runtime::elf::test;

namespace {

const fs::path kWork = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "bad_input_loader_work";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Row {
    const char* name;
    std::vector<uint8_t> object;
    std::string extra_args;
    std::vector<std::string> mentions;
};

std::vector<uint8_t> forged(const char* map, size_t field, uint32_t value) {
    auto bytes = object_bytes("iproute2_legacy");
    forge_elf_map(bytes, map, field, value);
    return bytes;
}

std::vector<uint8_t> maps_section_resized(int64_t delta) {
    auto bytes = object_bytes("iproute2_legacy");
    RawSections sections{bytes};
    const size_t index = *sections.find("maps");
    Elf64_Shdr maps = sections.get(index);
    maps.sh_size = uint64_t(int64_t(maps.sh_size) + delta);
    sections.put(index, maps);
    return bytes;
}

std::vector<Row> rows() {
    return {
        {"bpf_elf_map: inner index out of range", forged("map_inner", 8, 9), "--type tc",
         {"section 'maps'", "offset 0x", "inner_idx 9 is out of range"}},
        {"bpf_elf_map: inner id naming no map", forged("map_outer", 7, 99), "--type tc",
         {"section 'maps'", "offset 0x", "inner_id 99 names no map"}},
        {"bpf_elf_map: key size 0", forged("map_inner", 1, 0), "--type tc", {"section 'maps'", "key_size 0"}},
        {"bpf_elf_map: definition size not whole", maps_section_resized(-14), "--type tc",
         {"section 'maps'", "offset 0x0", "map definition size"}},
        {"bpf_elf_map: custom pinning id", forged("map_outer", 6, 3), "--type tc", {"section 'maps'", "pinning 3"}},
        {"numbered tail-call section without a type", object_bytes("iproute2_legacy"), "",
         {"section '2/1'", "offset 0x0", "program type from the loader"}},
        {"kfunc call", object_bytes("kfunc_call"), "", {"section 'xdp'", "offset 0x", "kfunc 'bpf_rcu_read_lock'"}},
    };
}

} // namespace

TEST_CASE("forged and unsupported objects through verify: one line, exit 1", "[bad_input][elf][cli]") {
    for (const Row& row : rows()) {
        DYNAMIC_SECTION(row.name) {
            fs::remove_all(kWork);
            fs::create_directories(kWork);
            std::ofstream(kWork / "x.o", std::ios::binary)
                .write(reinterpret_cast<const char*>(row.object.data()), std::streamsize(row.object.size()));
            const fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
            const std::string cmd = "cd '" + kWork.string() + "' && " + EBPFJIT_TEST_EMULATOR + " '" + exe.string() +
                                    "' verify x.o " + row.extra_args + " >stdout 2>stderr";
            const int raw = std::system(cmd.c_str());
            REQUIRE(raw != -1);
            REQUIRE(WIFEXITED(raw));
            const std::string err = slurp(kWork / "stderr");
            INFO(err);
            CHECK(WEXITSTATUS(raw) == 1);
            CHECK(std::count(err.begin(), err.end(), '\n') == 1);
            CHECK(err.rfind("ebpfjit: error: x.o: ", 0) == 0);
            for (const auto& m : row.mentions) CHECK(err.find(m) != std::string::npos);
        }
    }
}
