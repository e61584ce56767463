// Shared helpers for the loader tests: the built objects and byte-level surgery on them.
#pragma once

#include <cstdint>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/elf/loader.hpp"

namespace ebpfjit::runtime::elf::test {

inline std::string object_path(const std::string& stem) {
    return std::string(EBPFJIT_ELF_OBJECT_DIR) + "/" + stem + ".o";
}

inline std::vector<uint8_t> object_bytes(const std::string& stem) {
    std::ifstream in(object_path(stem), std::ios::binary);
    if (!in) throw std::runtime_error("missing test object " + stem);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Independent of the loader: walks the section header table with <elf.h> structs.
struct RawSections {
    std::vector<uint8_t>& bytes;

    Elf64_Ehdr header() const {
        Elf64_Ehdr h;
        std::memcpy(&h, bytes.data(), sizeof h);
        return h;
    }
    size_t header_offset(size_t index) const { return header().e_shoff + index * sizeof(Elf64_Shdr); }
    Elf64_Shdr get(size_t index) const {
        Elf64_Shdr s;
        std::memcpy(&s, bytes.data() + header_offset(index), sizeof s);
        return s;
    }
    void put(size_t index, const Elf64_Shdr& s) { std::memcpy(bytes.data() + header_offset(index), &s, sizeof s); }
    std::optional<size_t> find(const std::string& name) const {
        const Elf64_Shdr names = get(header().e_shstrndx);
        for (size_t i = 0; i < header().e_shnum; ++i) {
            const char* n = reinterpret_cast<const char*>(bytes.data() + names.sh_offset + get(i).sh_name);
            if (name == n) return i;
        }
        return std::nullopt;
    }
};

} // namespace ebpfjit::runtime::elf::test
