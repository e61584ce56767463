#include "runtime/elf/inline_globals.hpp"

#include <bpf/btf.h>
#include <fmt/format.h>
#include <linux/btf.h>

namespace ebpfjit::runtime::elf {

Result<InlinedGlobals> collect_inlined_globals(const ElfFile& file, const struct btf* btf,
                                               const std::vector<std::string>& sections) {
    InlinedGlobals out;
    for (const std::string& name : sections) {
        const Section* section = file.find_section(name);
        if (!section) continue;
        if (section->executable())
            return fail(section_error(*section, 0, "globals to inline must live in a data section"));
        const __s32 id = btf ? btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_DATASEC) : -1;
        if (id < 0)
            return fail(section_error(*section, 0, "no BTF DATASEC describes this section's variables, so they "
                                                   "cannot be inlined (build with -g)"));
        const btf_type* datasec = btf__type_by_id(btf, uint32_t(id));
        const btf_var_secinfo* vars = btf_var_secinfos(datasec);
        auto& by_offset = out[section->index];
        for (uint16_t i = 0; i < btf_vlen(datasec); ++i) {
            const btf_type* var = btf__type_by_id(btf, vars[i].type);
            const char* var_name = var ? btf__name_by_offset(btf, var->name_off) : nullptr;
            const std::string label = var_name ? var_name : fmt::format("#{}", i);
            const uint32_t size = vars[i].size;
            if (size != 1 && size != 2 && size != 4 && size != 8)
                return fail(section_error(*section, vars[i].offset,
                                          fmt::format("variable '{}' is {} bytes; only 1, 2, 4 and 8-byte "
                                                      "variables can be inlined", label, size)));
            if (uint64_t(vars[i].offset) + size > section->size)
                return fail(section_error(*section, vars[i].offset,
                                          fmt::format("variable '{}' lies outside the section", label)));
            uint64_t value = 0;
            if (!section->data.empty()) // SHT_NOBITS: zeros
                for (uint32_t b = 0; b < size; ++b) value |= uint64_t(section->data[vars[i].offset + b]) << (8 * b);
            by_offset[vars[i].offset] = {label, value};
        }
    }
    return out;
}

} // namespace ebpfjit::runtime::elf
