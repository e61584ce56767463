// helper_name(): the kernel's BPF_FUNC_* names, generated from <linux/bpf.h>'s own
// X-macro (it puts the commas in) so the list can never drift from the kernel's
// numbering: id = position.
#include <linux/bpf.h>

#include <array>
#include <string>

#include <fmt/format.h>

#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {
namespace {

#define EBPFJIT_HELPER_NAME(name) std::string_view{#name}
constexpr std::array kHelperNames{__BPF_FUNC_MAPPER(EBPFJIT_HELPER_NAME)};
#undef EBPFJIT_HELPER_NAME

static_assert(kHelperNames.size() == __BPF_FUNC_MAX_ID, "X-macro and enum bpf_func_id disagree");

} // namespace

std::string_view helper_name(int32_t id) {
    // Id 0 is BPF_FUNC_unspec: not a helper.
    if (id <= 0 || size_t(id) >= kHelperNames.size()) return {};
    return kHelperNames[size_t(id)];
}

std::string unknown_helper_message(int32_t id) {
    if (id == kPoisonedCoreRelocation)
        return fmt::format("invalid func unknown#{}: a CO-RE relocation here found no match in the core BTF "
                           "(libbpf's poisoned instruction; the loader's debug log, ebpfjit -vv, names it)",
                           id);
    const std::string_view name = helper_name(id);
    if (name.empty()) return fmt::format("unknown helper #{}", id);
    return fmt::format("unknown helper #{} (bpf_{}: not implemented in ebpfjit)", id, name);
}

} // namespace ebpfjit::helpers
