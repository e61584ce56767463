#include "runtime/elf/loader.hpp"

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <set>

#include <bpf/btf.h>
#include <charconv>
#include <linux/bpf.h>

#include "isa/decoder.hpp"
#include "runtime/elf/btf_info.hpp"
#include "runtime/elf/core_btf_target.hpp"
#include "runtime/elf/elf_file.hpp"
#include "runtime/elf/global_functions.hpp"
#include "runtime/elf/linker.hpp"
#include "runtime/elf/map_table.hpp"
#include "runtime/elf/section_types.hpp"
#include "runtime/maps/percpu.hpp"

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

// Old objects (LLVM before function symbols were typed) mark a program only with a
// global STT_NOTYPE symbol. As libbpf 0.x named such programs: each one runs from its
// symbol to the next one (or the section end).
void collect_untyped_programs(const ElfFile& file, const Section& s, std::vector<Function>& functions) {
    std::vector<const Symbol*> globals;
    for (const auto& sym : file.symbols())
        if (sym.section == s.index && sym.type == STT_NOTYPE && sym.bind != STB_LOCAL && !sym.name.empty() &&
            sym.value % kInsnSize == 0 && sym.value < s.size)
            globals.push_back(&sym);
    std::ranges::sort(globals, {}, &Symbol::value);
    for (size_t i = 0; i < globals.size(); ++i) {
        const uint64_t end = i + 1 < globals.size() ? globals[i + 1]->value : s.size;
        if (end == globals[i]->value) continue; // two names for one address: the later one wins
        functions.push_back({s.index, uint32_t(globals[i]->value / kInsnSize),
                             uint32_t((end - globals[i]->value) / kInsnSize), globals[i]->name, true});
    }
}

// Every function of every executable section. As libbpf 1.x: every function outside
// .text is a program, static ones included; .text only holds subprograms.
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
                                 !text});
        }
        if (functions.size() == before && !text && s.size > 0) collect_untyped_programs(file, s, functions);
        // Hand-written assembly may carry no symbols at all: the section is one program.
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

// iproute2's tail-call sections "<map id>/<key>" (sscanf "%i/%i" in bpf_fill_prog_arrays;
// decimal here, as Cilium and the iproute2 examples write them).
struct TailCallSection {
    uint32_t map_id = 0;
    uint32_t key = 0;
};

std::optional<TailCallSection> tail_call_section(std::string_view name) {
    const auto slash = name.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) return std::nullopt;
    TailCallSection out;
    const char* first = name.data();
    const char* mid = first + slash;
    const char* last = first + name.size();
    auto a = std::from_chars(first, mid, out.map_id);
    auto b = std::from_chars(mid + 1, last, out.key);
    if (a.ec != std::errc{} || a.ptr != mid || b.ec != std::errc{} || b.ptr != last) return std::nullopt;
    return out;
}

Result<ProgramSpec> build_program(const LinkInputs& in, const Function& fn, const ReadOptions& options) {
    const Section& section = *in.file.section(fn.section);
    ProgramSpec spec;
    spec.name = fn.name;
    spec.section = section.name;
    auto type = options.type_override ? options.type_override : program_type_for_section(section.name);
    if (!type && tail_call_section(section.name))
        return fail(section_error(section, fn.first * kInsnSize,
                                  fmt::format("program '{}': tail-call section '{}' (iproute2's <map id>/<key>) "
                                              "takes its program type from the loader: give one (--type, "
                                              "OpenOptions::program_type)",
                                              fn.name, section.name)));
    if (auto kernel_type = unsupported_program_type_for_section(section.name); !type && kernel_type)
        return fail(section_error(section, fn.first * kInsnSize,
                                  fmt::format("program '{}': section '{}' makes it a {} program (libbpf's section "
                                              "names), a program type ebpfjit does not run (it runs xdp, tc, socket "
                                              "filter and cgroup sock/sock_addr programs)",
                                              fn.name, section.name, *kernel_type)));
    if (!type)
        return fail(section_error(section, fn.first * kInsnSize,
                                  fmt::format("program '{}': section name '{}' implies no program type "
                                              "(expected xdp, tc, classifier, socket or cgroup/<hook>; or give a type)",
                                              fn.name, section.name)));
    spec.type = *type;
    spec.attach = attach_type_for_section(section.name);
    if (spec.attach != AttachType::None && program_type_of(spec.attach) != spec.type)
        spec.attach = AttachType::None; // a type override over a cgroup section: its own rules
    if (spec.attach == AttachType::None) spec.attach = default_attach_type(spec.type);
    if (spec.type == ProgramType::CgroupSockAddr && spec.attach == AttachType::None)
        return fail(section_error(section, fn.first * kInsnSize,
                                  fmt::format("program '{}': a cgroup_sock_addr program needs an expected attach type, "
                                              "which section '{}' does not give (cgroup/connect4, cgroup/sendmsg6, ...)",
                                              fn.name, section.name)));
    auto linked = link_program(in, fn);
    if (!linked) return fail(linked.error());
    spec.raw = std::move(linked->raw);
    spec.line_info = std::move(linked->lines);
    spec.poisoned_relocations = std::move(linked->poisoned);
    spec.global_functions = global_functions(in.local_btf, linked->funcs, spec.type);
    auto program = isa::decode(spec.raw);
    if (!program) {
        Error e = program.error();
        e.file = fmt::format("program '{}' (section '{}')", fn.name, section.name);
        return fail(std::move(e));
    }
    spec.program = std::move(*program);
    return spec;
}

// Names in the BTF DATASEC ".ksyms": the externs a program declared __ksym.
std::set<std::string, std::less<>> kernel_symbols(const struct btf* btf) {
    std::set<std::string, std::less<>> out;
    if (!btf) return out;
    const __s32 id = btf__find_by_name_kind(btf, ".ksyms", BTF_KIND_DATASEC);
    if (id < 0) return out;
    const btf_type* datasec = btf__type_by_id(btf, uint32_t(id));
    const btf_var_secinfo* vars = btf_var_secinfos(datasec);
    for (uint16_t i = 0; i < btf_vlen(datasec); ++i)
        if (const btf_type* t = btf__type_by_id(btf, vars[i].type))
            if (const char* name = btf__name_by_offset(btf, t->name_off)) out.emplace(name);
    return out;
}

// libbpf's map_set_def_max_entries: a perf event array declared with max_entries 0 gets one
// entry per possible CPU (inner templates included). The CPU count is asked at most once.
Result<void> size_perf_event_arrays(const ElfFile& file, MapTable& table, const ReadOptions& options) {
    std::optional<uint32_t> cpus;
    auto sized = [&](uint32_t map, const maps::MapDefinition& def) -> Result<uint32_t> {
        if (cpus) return *cpus;
        auto n = options.possible_cpus ? options.possible_cpus() : Result<uint32_t>(maps::possible_cpus());
        if (n && *n != 0) {
            cpus = *n;
            return *n;
        }
        const std::string rule = fmt::format("map '{}': a perf event array with max_entries 0 has one entry per "
                                             "possible CPU, and the CPU count is unknown: {}",
                                             def.name, n ? "the query answered 0" : n.error().message);
        for (const MapLocation& loc : table.locations)
            if (loc.map == map) return fail(section_error(*file.section(loc.section), loc.offset, rule));
        return fail(section_error(table.maps[map].section, rule));
    };
    for (uint32_t i = 0; i < table.maps.size(); ++i) {
        MapSpec& spec = table.maps[i];
        if (spec.def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && spec.def.max_entries == 0) {
            auto n = sized(i, spec.def);
            if (!n) return fail(n.error());
            spec.def.max_entries = *n;
        }
        if (spec.def.inner && spec.def.inner->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
            spec.def.inner->max_entries == 0) {
            auto n = sized(i, *spec.def.inner);
            if (!n) return fail(n.error());
            auto inner = std::make_shared<maps::MapDefinition>(*spec.def.inner);
            inner->max_entries = *n;
            spec.def.inner = std::move(inner);
        }
    }
    return {};
}

// iproute2's bpf_fill_prog_arrays: the program of section "<id>/<key>" goes into slot <key>
// of the legacy prog array whose bpf_elf_map id is <id>. A section whose id names no prog
// array is loaded but not installed, as iproute2 does.
Result<void> fill_tail_call_slots(const ElfFile& file, const std::vector<ProgramSpec>& programs, MapTable& table) {
    for (const Section& section : file.sections()) {
        if (!section.executable()) continue;
        auto tail = tail_call_section(section.name);
        if (!tail) continue;
        std::vector<const ProgramSpec*> in_section;
        for (const auto& p : programs)
            if (p.section == section.name) in_section.push_back(&p);
        MapSpec* array = nullptr;
        for (MapSpec& m : table.maps)
            if (m.origin == MapOrigin::LegacyMaps && m.legacy_id == tail->map_id &&
                m.def.type == BPF_MAP_TYPE_PROG_ARRAY)
                array = &m;
        if (!array || in_section.empty()) continue;
        if (in_section.size() != 1)
            return fail(section_error(section, 0, fmt::format("tail-call section holds {} programs; iproute2 "
                                                             "installs one program per '<id>/<key>' section",
                                                             in_section.size())));
        if (tail->key >= array->def.max_entries)
            return fail(section_error(section, 0, fmt::format("tail-call key {} is out of range for prog array "
                                                             "'{}' (id {}, max_elem {})",
                                                             tail->key, array->def.name, tail->map_id,
                                                             array->def.max_entries)));
        for (const ProgramSlot& slot : array->initial_programs)
            if (slot.index == tail->key)
                return fail(section_error(section, 0, fmt::format("tail-call key {} of prog array '{}' is filled "
                                                                 "twice ('{}' and '{}')", tail->key,
                                                                 array->def.name, slot.program,
                                                                 in_section.front()->name)));
        array->initial_programs.push_back({tail->key, in_section.front()->name});
    }
    return {};
}

// ReadOptions::only_programs: which entry functions to build (by name, or by a section
// holding exactly one entry function, as ObjectDescription::find_program names them).
Result<std::vector<bool>> select_programs(const ElfFile& file, const std::vector<Function>& functions,
                                          const std::vector<std::string>& names) {
    std::vector<bool> chosen(functions.size(), names.empty());
    for (const std::string& name : names) {
        std::optional<size_t> by_name, by_section;
        size_t in_section = 0;
        for (size_t i = 0; i < functions.size(); ++i) {
            if (!functions[i].entry) continue;
            if (functions[i].name == name) by_name = i;
            if (file.section(functions[i].section)->name == name) {
                by_section = i;
                ++in_section;
            }
        }
        if (by_name) chosen[*by_name] = true;
        else if (by_section && in_section == 1) chosen[*by_section] = true;
        else
            return fail(Error::plain(fmt::format("no program named '{}' in the object{}", name,
                                                 in_section > 1 ? " (its section holds several; name one)" : "")));
    }
    return chosen;
}

uint64_t fnv1a(std::span<const uint8_t> bytes) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
    return h;
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
    maps.sizes = options.map_max_entries;
    if (auto ok = collect_btf_maps(*file, btf->btf.get(), maps); !ok) return fail(ok.error());
    if (auto ok = collect_legacy_maps(*file, maps); !ok) return fail(ok.error());
    if (auto ok = collect_global_data(*file, maps); !ok) return fail(ok.error());
    if (auto ok = check_sizes_used(maps); !ok) return fail(ok.error());
    if (auto ok = collect_map_initialisers(*file, maps); !ok) return fail(ok.error());

    if (auto ok = size_perf_event_arrays(*file, maps, options); !ok) return fail(ok.error());

    auto functions = collect_functions(*file);
    if (!functions) return fail(functions.error());
    const auto ksyms = kernel_symbols(btf->btf.get());
    auto inlined = collect_inlined_globals(*file, btf->btf.get(), options.inline_globals);
    if (!inlined) return fail(inlined.error());
    BtfPtr core_btf;
    if (!options.core_btf.empty()) {
        auto loaded = load_core_btf(options.core_btf);
        if (!loaded) return fail(loaded.error());
        core_btf = std::move(*loaded);
    }
    const LinkInputs in{*file, maps, btf->ext, *functions, ksyms, *inlined, btf->btf.get(), core_btf.get()};
    auto chosen = select_programs(*file, *functions, options.only_programs);
    if (!chosen) return fail(chosen.error());
    std::set<std::string, std::less<>> left_out; // entry functions not built (only_programs)
    for (size_t i = 0; i < functions->size(); ++i) {
        const Function& fn = (*functions)[i];
        if (!fn.entry) continue;
        if (!(*chosen)[i]) {
            left_out.insert(fn.name);
            continue;
        }
        auto program = build_program(in, fn, options);
        if (!program) return fail(program.error());
        out.programs.push_back(std::move(*program));
    }
    if (auto ok = fill_tail_call_slots(*file, out.programs, maps); !ok) return fail(ok.error());
    out.content_hash = fnv1a(bytes);

    // A prog array may only name programs of this object; a slot naming a program left out
    // (only_programs) stays empty, as it would hold a program that was never loaded.
    for (MapSpec& map : maps.maps)
        std::erase_if(map.initial_programs, [&](const ProgramSlot& slot) { return left_out.contains(slot.program); });
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
