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

// Symbol-table surgery, independent of the loader.
struct RawSymbols {
    std::vector<uint8_t>& bytes;
    RawSections sections{bytes};

    Elf64_Shdr symtab() const { return sections.get(*sections.find(".symtab")); }
    size_t count() const { return symtab().sh_size / sizeof(Elf64_Sym); }
    size_t offset(size_t i) const { return symtab().sh_offset + i * sizeof(Elf64_Sym); }
    Elf64_Sym get(size_t i) const {
        Elf64_Sym s;
        std::memcpy(&s, bytes.data() + offset(i), sizeof s);
        return s;
    }
    void put(size_t i, const Elf64_Sym& s) { std::memcpy(bytes.data() + offset(i), &s, sizeof s); }
    std::string name(const Elf64_Sym& s) const {
        const Elf64_Shdr strtab = sections.get(symtab().sh_link);
        return reinterpret_cast<const char*>(bytes.data() + strtab.sh_offset + s.st_name);
    }
    uint64_t value_of(const std::string& wanted) const {
        for (size_t i = 0; i < count(); ++i)
            if (name(get(i)) == wanted) return get(i).st_value;
        throw std::runtime_error("no symbol " + wanted);
    }
    // What LLVM before typed function symbols wrote: global NOTYPE, size 0.
    void untype_programs() {
        for (size_t i = 0; i < count(); ++i) {
            Elf64_Sym s = get(i);
            if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx >= sections.header().e_shnum) continue;
            const Elf64_Shdr target = sections.get(s.st_shndx);
            if (*sections.find(".text") == s.st_shndx || (target.sh_flags & SHF_EXECINSTR) == 0) continue;
            s.st_info = ELF64_ST_INFO(ELF64_ST_BIND(s.st_info), STT_NOTYPE);
            s.st_size = 0;
            put(i, s);
        }
    }
};

// Writes field `field` (u32 index) of the legacy map definition of `map`.
inline void forge_elf_map(std::vector<uint8_t>& bytes, const std::string& map, size_t field, uint32_t value) {
    RawSections sections{bytes};
    const Elf64_Shdr maps = sections.get(*sections.find("maps"));
    const uint64_t at = maps.sh_offset + RawSymbols{bytes}.value_of(map) + field * 4;
    std::memcpy(bytes.data() + at, &value, 4);
}

} // namespace ebpfjit::runtime::elf::test
