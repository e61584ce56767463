#include "runtime/elf/loader.hpp"

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <fmt/format.h>
#include <fstream>
#include <iterator>

#include "isa/decoder.hpp"
#include "runtime/elf/btf_info.hpp"
#include "runtime/elf/elf_file.hpp"
#include "runtime/elf/linker.hpp"
#include "runtime/elf/map_table.hpp"
#include "runtime/elf/section_types.hpp"

namespace ebpfjit::runtime::elf {

namespace {

constexpr uint64_t kInsnSize = sizeof(isa::RawInsn);

Result<void> read_license_and_version(const ElfFile& file, ObjectDescription& out) {
    // An empty (or SHT_NOBITS) section has no data pointer: strnlen(nullptr, 0) is UB.
    if (const Section* s = file.find_section("license"); s && !s->data.empty()) {
        const auto* chars = reinterpret_cast<const char*>(s->data.data());
        out.license.assign(chars, strnlen(chars, s->data.size()));
    }
    if (const Section* s = file.find_section("version")) {
        if (s->data.size() != sizeof(uint32_t))
            return fail(section_error(*s, 0, fmt::format("size {} is not 4 bytes", s->data.size())));
        uint32_t version;
        std::memcpy(&version, s->data.data(), sizeof version);
        out.kernel_version = version;
    }
    return {};
}

// Every function of every executable section. Programs are the global functions outside
// .text; everything else can only be called.
Result<std::vector<Function>> collect_functions(const ElfFile& file) {
    std::vector<Function> functions;
    for (const auto& s : file.sections()) {
        if (!s.executable()) continue;
        if (s.size % kInsnSize != 0)
            return fail(section_error(s, s.size, fmt::format("program section size {} is not a multiple of 8",
                                                             s.size)));
        const bool text = s.name == ".text";
        const size_t before = functions.size();
        for (const auto& sym : file.symbols()) {
            if (sym.section != s.index || sym.type != STT_FUNC) continue;
            if (sym.value % kInsnSize != 0 || sym.size % kInsnSize != 0 || sym.value > s.size ||
                sym.size > s.size - sym.value)
                return fail(section_error(s, sym.value, fmt::format("function '{}' (size {}) is misaligned or "
                                                                    "outside the section", sym.name, sym.size)));
            if (sym.size == 0) continue;
            functions.push_back({s.index, uint32_t(sym.value / kInsnSize), uint32_t(sym.size / kInsnSize), sym.name,
                                 !text && sym.bind != STB_LOCAL});
        }
        // Hand-written assembly may carry no function symbols: the section is one program.
        if (functions.size() == before && s.size > 0)
            functions.push_back({s.index, 0, uint32_t(s.size / kInsnSize), s.name, !text});
    }
    std::ranges::sort(functions, [](const Function& a, const Function& b) {
        return std::tie(a.section, a.first) < std::tie(b.section, b.first);
    });
    for (size_t i = 1; i < functions.size(); ++i) {
        const auto& prev = functions[i - 1];
        const auto& cur = functions[i];
        if (prev.section == cur.section && prev.first + prev.count > cur.first)
            return fail(section_error(*file.section(cur.section), cur.first * kInsnSize,
                                      fmt::format("functions '{}' and '{}' overlap", prev.name, cur.name)));
    }
    return functions;
}

Result<ProgramSpec> build_program(const LinkInputs& in, const Function& fn, const ReadOptions& options) {
    const Section& section = *in.file.section(fn.section);
    ProgramSpec spec;
    spec.name = fn.name;
    spec.section = section.name;
    auto type = options.type_override ? options.type_override : program_type_for_section(section.name);
    if (!type)
        return fail(section_error(section, fn.first * kInsnSize,
                                  fmt::format("program '{}': section name '{}' implies no program type "
                                              "(expected xdp, tc, classifier or socket; or give a type)",
                                              fn.name, section.name)));
    spec.type = *type;
    auto linked = link_program(in, fn);
    if (!linked) return fail(linked.error());
    spec.raw = std::move(linked->raw);
    spec.line_info = std::move(linked->lines);
    auto program = isa::decode(spec.raw);
    if (!program) {
        Error e = program.error();
        e.file = fmt::format("program '{}' (section '{}')", fn.name, section.name);
        return fail(std::move(e));
    }
    spec.program = std::move(*program);
    return spec;
}

} // namespace

Result<ObjectDescription> read_object(std::span<const uint8_t> bytes, const ReadOptions& options) {
    auto file = ElfFile::parse(bytes);
    if (!file) return fail(file.error());
    auto btf = read_btf(*file);
    if (!btf) return fail(btf.error());

    ObjectDescription out;
    if (auto ok = read_license_and_version(*file, out); !ok) return fail(ok.error());

    MapTable maps;
    if (auto ok = collect_btf_maps(*file, btf->btf.get(), maps); !ok) return fail(ok.error());
    if (auto ok = collect_legacy_maps(*file, maps); !ok) return fail(ok.error());
    if (auto ok = collect_global_data(*file, maps); !ok) return fail(ok.error());
    if (auto ok = collect_map_initialisers(*file, maps); !ok) return fail(ok.error());

    auto functions = collect_functions(*file);
    if (!functions) return fail(functions.error());
    const LinkInputs in{*file, maps, btf->ext, *functions};
    for (const Function& fn : *functions) {
        if (!fn.entry) continue;
        auto program = build_program(in, fn, options);
        if (!program) return fail(program.error());
        out.programs.push_back(std::move(*program));
    }

    // A prog array may only name programs of this object.
    for (const MapSpec& map : maps.maps)
        for (const ProgramSlot& slot : map.initial_programs)
            if (!out.find_program(slot.program))
                return fail(section_error(map.section, fmt::format("map '{}': slot {} names '{}', which is not "
                                                                   "a program of this object",
                                                                   map.def.name, slot.index, slot.program)));
    out.maps = std::move(maps.maps);
    return out;
}

Result<ObjectDescription> read_object_file(const std::string& path, const ReadOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Error{fmt::format("cannot open: {}", std::strerror(errno)), {}, path, {}, {}});
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail(Error{"read error", {}, path, {}, {}});
    auto description = read_object(bytes, options);
    if (!description) {
        Error e = description.error();
        e.file = e.file.empty() ? path : fmt::format("{}: {}", path, e.file);
        return fail(std::move(e));
    }
    return description;
}

} // namespace ebpfjit::runtime::elf
