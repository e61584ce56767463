// Global variables: each data section becomes a single-entry ARRAY map whose value is
// the whole section (key 0). Programs reach a variable with LDDW src 2 (map value +
// offset), so the value bytes are shared by every program of the object.
#include <elf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include "runtime/elf/map_table.hpp"

namespace ebpfjit::runtime::elf {

namespace {

bool has_prefix(std::string_view name, std::string_view base) {
    return name == base || (name.size() > base.size() && name.starts_with(base) && name[base.size()] == '.');
}

} // namespace

Result<void> collect_global_data(const ElfFile& file, MapTable& table) {
    for (const auto& s : file.sections()) {
        if (s.index == 0 || (s.flags & SHF_EXECINSTR) != 0) continue;
        const bool rodata = has_prefix(s.name, ".rodata");
        const bool data = has_prefix(s.name, ".data");
        const bool bss = has_prefix(s.name, ".bss");
        if (!rodata && !data && !bss) continue;
        if (s.type != SHT_PROGBITS && s.type != SHT_NOBITS) continue;
        if (s.size == 0) continue; // nothing a program could reference
        // The section becomes one array value, which the map factory caps at the kernel's
        // KMALLOC_MAX_SIZE (4 MiB). Checked here, before a NOBITS .bss claiming gigabytes is
        // zero-filled (fuzz_elf found one).
        constexpr uint64_t kMaxValueBytes = uint64_t{1} << 22;
        if (s.size > kMaxValueBytes)
            return fail(section_error(s, 0, fmt::format("data section of {} bytes is larger than a map value "
                                                        "may be ({} bytes)",
                                                        s.size, kMaxValueBytes)));
        MapSpec spec;
        spec.origin = MapOrigin::GlobalData;
        spec.section = s.name;
        spec.def = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = uint32_t(s.size),
                    .max_entries = 1, .flags = 0, .name = s.name, .inner = nullptr};
        spec.frozen = rodata;
        if (s.type == SHT_NOBITS)
            spec.initial_value.assign(s.size, 0);
        else
            spec.initial_value.assign(s.data.begin(), s.data.end());
        if (rodata) { // as libbpf does: programs may only read it, and it is frozen after loading
            spec.def.flags |= BPF_F_RDONLY_PROG;
            spec.def.frozen_value = std::make_shared<const std::vector<uint8_t>>(spec.initial_value);
        }
        table.data_sections.emplace_back(s.index, uint32_t(table.maps.size()));
        table.maps.push_back(std::move(spec));
    }
    return {};
}

} // namespace ebpfjit::runtime::elf
