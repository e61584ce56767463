// libbpf's bpf_core_essential_name_len: "name___flavor" names "name" (the last X___Y split,
// X and Y not underscores), how a program declares its own variant of a type. Both CO-RE
// resolvers match type names by it: core_target.cpp (ebpfjit's own uapi) and
// core_btf_target.cpp (a named BTF).
#pragma once

#include <cstddef>
#include <string_view>

namespace ebpfjit::runtime::elf {

inline size_t essential_len(std::string_view name) {
    for (ptrdiff_t i = ptrdiff_t(name.size()) - 5; i >= 0; --i) {
        const size_t u = size_t(i);
        if (name[u] != '_' && name[u + 1] == '_' && name[u + 2] == '_' && name[u + 3] == '_' && name[u + 4] != '_')
            return u + 1;
    }
    return name.size();
}

inline std::string_view essential_name(std::string_view name) { return name.substr(0, essential_len(name)); }

inline bool same_essential_name(std::string_view a, std::string_view b) {
    return essential_name(a) == essential_name(b);
}

} // namespace ebpfjit::runtime::elf
