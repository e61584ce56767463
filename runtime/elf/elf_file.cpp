#include "runtime/elf/elf_file.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#ifndef EM_BPF
#define EM_BPF 247
#endif

namespace ebpfjit::runtime::elf {

bool Section::executable() const {
    return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
}

Error section_error(const Section& s, uint64_t offset, std::string message) {
    return Error::at_offset(fmt::format("section '{}'", s.name), offset, std::move(message));
}

Error section_error(std::string_view section_name, std::string message) {
    Error e = Error::plain(std::move(message));
    e.file = fmt::format("section '{}'", section_name);
    return e;
}

struct ElfFile::Impl {
    std::vector<uint8_t> bytes; // libelf reads from here; spans point into it (or libelf's copies)
    Elf* elf = nullptr;
    ~Impl() {
        if (elf) elf_end(elf);
    }
};

ElfFile::ElfFile(ElfFile&&) noexcept = default;
ElfFile& ElfFile::operator=(ElfFile&&) noexcept = default;
ElfFile::~ElfFile() = default;

const Section* ElfFile::section(size_t index) const {
    return index < sections_.size() ? &sections_[index] : nullptr;
}

const Section* ElfFile::find_section(std::string_view name) const {
    for (const auto& s : sections_)
        if (s.index != 0 && s.name == name) return &s;
    return nullptr;
}

std::span<const Relocation> ElfFile::relocations_for(size_t target_section) const {
    auto it = relocations_.find(target_section);
    if (it == relocations_.end()) return {};
    return it->second;
}

namespace {

Error file_error(std::string message) {
    Error e = Error::plain(std::move(message));
    return e;
}

std::string libelf_message() {
    const char* m = elf_errmsg(-1);
    return m ? m : "unknown libelf error";
}

Result<Section> read_section(Elf* elf, Elf_Scn* scn, size_t shstrndx, uint64_t file_size) {
    Section s;
    s.index = elf_ndxscn(scn);
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr))
        return fail(file_error(fmt::format("section {}: corrupt header: {}", s.index, libelf_message())));
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (!name)
        return fail(file_error(fmt::format("section {}: name offset {} outside the section name table",
                                           s.index, shdr.sh_name)));
    s.name = name;
    s.type = shdr.sh_type;
    s.flags = shdr.sh_flags;
    s.size = shdr.sh_size;
    s.file_offset = shdr.sh_offset;
    s.link = shdr.sh_link;
    s.info = shdr.sh_info;
    if (s.type == SHT_NOBITS || s.type == SHT_NULL || s.size == 0) return s;
    if (s.file_offset > file_size || s.size > file_size - s.file_offset)
        return fail(section_error(s, 0, fmt::format("section bytes [0x{:x}, 0x{:x}) lie outside the "
                                                    "file (size 0x{:x}): truncated or corrupt",
                                                    s.file_offset, s.file_offset + s.size, file_size)));
    if ((s.flags & SHF_COMPRESSED) != 0)
        return fail(section_error(s, 0, "compressed sections are not supported"));
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || (data->d_size > 0 && !data->d_buf))
        return fail(section_error(s, 0, fmt::format("unreadable: {}", libelf_message())));
    if (data->d_size != s.size)
        return fail(section_error(s, 0, fmt::format("data size 0x{:x} differs from header size 0x{:x}",
                                                    data->d_size, s.size)));
    s.data = {static_cast<const uint8_t*>(data->d_buf), data->d_size};
    return s;
}

} // namespace

Result<ElfFile> ElfFile::parse(std::span<const uint8_t> bytes) {
    static const bool version_ok = elf_version(EV_CURRENT) != EV_NONE;
    if (!version_ok) return fail(file_error("libelf initialisation failed"));

    static constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
    if (bytes.size() < 4 || !std::equal(kMagic, kMagic + 4, bytes.begin()))
        return fail(Error::at_offset("ELF header", 0, "not an ELF file (bad magic)"));
    if (bytes.size() < EI_NIDENT || bytes[EI_CLASS] != ELFCLASS64)
        return fail(Error::at_offset("ELF header", EI_CLASS,
                                     "not a 64-bit ELF object (wrong class); BPF objects are ELFCLASS64"));
    if (bytes[EI_DATA] != ELFDATA2LSB)
        return fail(Error::at_offset("ELF header", EI_DATA,
                                     "big-endian objects are not supported (compile with -target bpfel or bpf)"));
    if (bytes.size() < sizeof(Elf64_Ehdr))
        return fail(Error::at_offset("ELF header", bytes.size(), "truncated file: the ELF header is incomplete"));

    ElfFile file;
    file.impl_ = std::make_unique<Impl>();
    Impl& impl = *file.impl_;
    impl.bytes.assign(bytes.begin(), bytes.end());
    impl.elf = elf_memory(reinterpret_cast<char*>(impl.bytes.data()), impl.bytes.size());
    if (!impl.elf || elf_kind(impl.elf) != ELF_K_ELF)
        return fail(Error::at_offset("ELF header", 0, fmt::format("corrupt ELF file: {}", libelf_message())));

    GElf_Ehdr ehdr;
    if (!gelf_getehdr(impl.elf, &ehdr))
        return fail(Error::at_offset("ELF header", 0, fmt::format("corrupt ELF header: {}", libelf_message())));
    // EM_NONE: older LLVM wrote 0 here; libbpf and iproute2 accept it as BPF.
    if (ehdr.e_machine != EM_BPF && ehdr.e_machine != EM_NONE)
        return fail(Error::at_offset("ELF header", offsetof(Elf64_Ehdr, e_machine),
                                     fmt::format("wrong machine {} (expected EM_BPF, 247, or EM_NONE, 0, "
                                                 "as older LLVM wrote)", ehdr.e_machine)));
    if (ehdr.e_type != ET_REL)
        return fail(Error::at_offset("ELF header", offsetof(Elf64_Ehdr, e_type),
                                     fmt::format("ELF type {} is not a relocatable object (ET_REL)", ehdr.e_type)));

    size_t shstrndx = 0, count = 0;
    if (elf_getshdrstrndx(impl.elf, &shstrndx) != 0 || elf_getshdrnum(impl.elf, &count) != 0)
        return fail(Error::at_offset("ELF header", offsetof(Elf64_Ehdr, e_shoff),
                                     fmt::format("corrupt section header table: {}", libelf_message())));
    if (shstrndx >= count)
        return fail(Error::at_offset("ELF header", offsetof(Elf64_Ehdr, e_shstrndx),
                                     fmt::format("section name table index {} out of range", shstrndx)));

    file.sections_.resize(1); // index 0: SHN_UNDEF
    for (Elf_Scn* scn = elf_nextscn(impl.elf, nullptr); scn; scn = elf_nextscn(impl.elf, scn)) {
        auto s = read_section(impl.elf, scn, shstrndx, impl.bytes.size());
        if (!s) return fail(s.error());
        if (s->index != file.sections_.size())
            return fail(file_error(fmt::format("section {}: out-of-order section index", s->index)));
        file.sections_.push_back(std::move(*s));
    }

    // The symbol table.
    const Section* symtab = nullptr;
    for (const auto& s : file.sections_) {
        if (s.type != SHT_SYMTAB) continue;
        if (symtab) return fail(section_error(s, 0, "more than one symbol table"));
        symtab = &s;
    }
    if (!symtab) return fail(file_error("no symbol table (.symtab) in the object"));
    if (symtab->link >= file.sections_.size() || file.sections_[symtab->link].type != SHT_STRTAB)
        return fail(section_error(*symtab, 0, fmt::format("sh_link {} is not a string table", symtab->link)));
    if (symtab->size % sizeof(Elf64_Sym) != 0)
        return fail(section_error(*symtab, symtab->size, "size is not a multiple of the symbol entry size"));
    {
        Elf_Data* data = elf_getdata(elf_getscn(impl.elf, symtab->index), nullptr);
        const size_t n = symtab->size / sizeof(Elf64_Sym);
        for (size_t i = 0; i < n; ++i) {
            GElf_Sym sym;
            if (!data || !gelf_getsym(data, int(i), &sym))
                return fail(section_error(*symtab, i * sizeof(Elf64_Sym), "unreadable symbol"));
            const char* name = elf_strptr(impl.elf, symtab->link, sym.st_name);
            if (!name)
                return fail(section_error(*symtab, i * sizeof(Elf64_Sym),
                                          fmt::format("symbol {}: name offset {} outside the string table",
                                                      i, sym.st_name)));
            Symbol out{name, sym.st_value, sym.st_size, sym.st_shndx,
                       uint8_t(GELF_ST_TYPE(sym.st_info)), uint8_t(GELF_ST_BIND(sym.st_info))};
            if (out.section != SHN_UNDEF && out.section < SHN_LORESERVE && out.section >= file.sections_.size())
                return fail(section_error(*symtab, i * sizeof(Elf64_Sym),
                                          fmt::format("symbol '{}' refers to missing section {}", out.name,
                                                      out.section)));
            if (out.type == STT_SECTION && out.section < file.sections_.size() && out.section != SHN_UNDEF)
                out.name = file.sections_[out.section].name;
            file.symbols_.push_back(std::move(out));
        }
    }

    // Relocations, grouped by the section they patch.
    for (const auto& s : file.sections_) {
        if (s.type != SHT_REL && s.type != SHT_RELA) continue;
        if (s.info == 0 || s.info >= file.sections_.size())
            return fail(section_error(s, 0, fmt::format("relocates missing section {}", s.info)));
        if (s.type == SHT_RELA) {
            if (file.sections_[s.info].executable() || file.sections_[s.info].name == ".maps")
                return fail(section_error(s, 0, "RELA relocations are not used by BPF objects"));
            continue;
        }
        if (s.link != symtab->index)
            return fail(section_error(s, 0, "relocations do not use the object's symbol table"));
        if (s.size % sizeof(Elf64_Rel) != 0)
            return fail(section_error(s, s.size, "size is not a multiple of the relocation entry size"));
        Elf_Data* data = elf_getdata(elf_getscn(impl.elf, s.index), nullptr);
        auto& list = file.relocations_[s.info];
        const size_t n = s.size / sizeof(Elf64_Rel);
        for (size_t i = 0; i < n; ++i) {
            GElf_Rel rel;
            if (!data || !gelf_getrel(data, int(i), &rel))
                return fail(section_error(s, i * sizeof(Elf64_Rel), "unreadable relocation"));
            const auto sym = uint32_t(GELF_R_SYM(rel.r_info));
            if (sym >= file.symbols_.size())
                return fail(section_error(s, i * sizeof(Elf64_Rel),
                                          fmt::format("relocation to unknown symbol index {}", sym)));
            list.push_back({rel.r_offset, uint32_t(GELF_R_TYPE(rel.r_info)), sym});
        }
        std::ranges::sort(list, {}, &Relocation::offset);
    }
    return file;
}

} // namespace ebpfjit::runtime::elf
