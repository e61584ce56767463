// A validated view of a relocatable BPF ELF object, read with libelf from a private
// copy of the bytes. Every size and index is checked once here, so the rest of the
// loader works on plain structs and spans that are known to be in bounds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"

namespace ebpfjit::runtime::elf {

struct Section {
    size_t index = 0;
    std::string name;
    uint32_t type = 0;   // SHT_*
    uint64_t flags = 0;  // SHF_*
    uint64_t size = 0;   // sh_size (also for SHT_NOBITS, which has no bytes)
    uint64_t file_offset = 0;
    uint32_t link = 0;
    uint32_t info = 0;
    std::span<const uint8_t> data; // empty for SHT_NOBITS

    bool executable() const;
};

struct Symbol {
    std::string name;
    uint64_t value = 0;
    uint64_t size = 0;
    uint16_t section = 0; // st_shndx
    uint8_t type = 0;     // STT_*
    uint8_t bind = 0;     // STB_*
};

struct Relocation {
    uint64_t offset = 0; // within the target section
    uint32_t type = 0;   // R_BPF_*
    uint32_t symbol = 0; // index into ElfFile::symbols(), checked
};

class ElfFile {
public:
    // Checks: ELF magic, 64-bit class, little endian, EM_BPF (or EM_NONE, as libbpf
    // accepts from older LLVM), ET_REL, every section's
    // bytes inside the file, a symbol table, symbol and relocation indices.
    static Result<ElfFile> parse(std::span<const uint8_t> bytes);

    ElfFile(ElfFile&&) noexcept;
    ElfFile& operator=(ElfFile&&) noexcept;
    ~ElfFile();

    const std::vector<Section>& sections() const { return sections_; }
    const Section* section(size_t index) const;
    const Section* find_section(std::string_view name) const;
    const std::vector<Symbol>& symbols() const { return symbols_; }
    // SHT_REL entries whose sh_info is `target_section`, sorted by offset.
    std::span<const Relocation> relocations_for(size_t target_section) const;

private:
    ElfFile() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_; // owns the bytes and the libelf handle behind the spans
    std::vector<Section> sections_;
    std::vector<Symbol> symbols_;
    std::map<size_t, std::vector<Relocation>> relocations_;
};

// Error helpers: every loader error names the section and, when known, the offset.
Error section_error(const Section& s, uint64_t offset, std::string message);
Error section_error(std::string_view section_name, std::string message);

} // namespace ebpfjit::runtime::elf
