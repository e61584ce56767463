// Mutated clang-built objects into the ELF loader and the Object API: every input must
// give an Object or an Error, never a crash, a hang or an unbounded allocation. What
// opens is also prepared program by program (link, relocate, verify/compile) and every
// map is walked, since a hostile object reaches those paths only after opening.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/maps/memory_budget.hpp"

using namespace ebpfjit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A hostile object may declare maps of any size: keep the process well under
    // libFuzzer's RSS limit; the budget turns big ones into errors.
    static const bool budget_set = [] {
        maps::set_memory_budget(64u << 20);
        return true;
    }();
    (void)budget_set;

    auto object = Object::open_memory(std::span<const uint8_t>(data, size));
    if (!object) {
        (void)object.error().to_string();
        return 0;
    }
    for (const auto& name : object->program_names()) {
        auto program = object->program(name);
        if (!program) (void)program.error().to_string();
    }
    for (const auto& name : object->map_names()) {
        auto map = object->map(name);
        if (!map) continue;
        std::vector<uint8_t> key(map->key_size()), next(map->key_size());
        (void)map->get_next_key({}, next);
    }
    return 0;
}
