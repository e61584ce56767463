#include "runtime/object_maps.hpp"

#include <cstring>
#include <fmt/format.h>
#include <linux/bpf.h>

#include "runtime/maps/array_map.hpp"
#include "runtime/maps/map_factory.hpp"
#include "runtime/maps/map_in_map.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/object_pins.hpp"

namespace ebpfjit::runtime {

namespace {

Error map_error(const elf::MapSpec& spec, std::string message) {
    Error e = Error::plain(std::move(message));
    e.file = fmt::format("map '{}'", spec.def.name);
    return e;
}

std::string errno_text(int err) { return fmt::format("{} ({})", std::strerror(-err), -err); }

// Global data: the section bytes become the value of key 0 of a one-entry ARRAY, and
// programs address that value directly (LDDW src 2).
Result<helpers::MapBinding> bind_global_data(const elf::MapSpec& spec, maps::Map& map) {
    auto* array = dynamic_cast<maps::ArrayMap*>(&map);
    if (!array) return fail(map_error(spec, "global data must be an ARRAY map"));
    const uint32_t zero = 0;
    if (int err = array->update(&zero, spec.initial_value.data(), BPF_ANY); err != 0)
        return fail(map_error(spec, fmt::format("loading the initial value failed: {}", errno_text(err))));
    return helpers::MapBinding{&map, array->value_base(), spec.def.value_size};
}

// clang declares prog arrays with the kernel's 4-byte values (a program fd). Here a slot
// holds a `const ProgramEntry*`, so the runtime map is created with 8-byte values; the
// verifier still sees the definition as written (programs never read prog array values).
maps::MapDefinition runtime_definition(const elf::MapSpec& spec) {
    maps::MapDefinition def = spec.def;
    if (def.type == BPF_MAP_TYPE_PROG_ARRAY) def.value_size = sizeof(const engine_abi::ProgramEntry*);
    return def;
}

} // namespace

Result<ObjectMaps> create_object_maps(const elf::ObjectDescription& description, PinRegistry::Impl* pins) {
    ObjectMaps out;
    std::vector<bool> reused(description.maps.size(), false);
    for (size_t i = 0; i < description.maps.size(); ++i) {
        const elf::MapSpec& spec = description.maps[i];
        auto create = [&]() -> Result<std::shared_ptr<maps::Map>> {
            auto created = maps::create_map(runtime_definition(spec));
            if (!created) return fail(created.error());
            return std::shared_ptr<maps::Map>(std::move(*created));
        };
        const std::string key = pins ? pin_key(spec, description.content_hash) : std::string();
        std::shared_ptr<maps::Map> map;
        if (key.empty()) {
            auto made = create();
            if (!made) return fail(made.error());
            map = std::move(*made);
        } else {
            auto pinned = pinned_map(*pins, key, spec, create);
            if (!pinned) return fail(pinned.error());
            map = std::move(pinned->map);
            reused[i] = pinned->reused; // another object's map keeps its contents
        }
        if (!key.empty()) out.pinned.push_back(i);
        helpers::MapBinding binding{map.get(), nullptr, spec.def.value_size};
        if (spec.origin == elf::MapOrigin::GlobalData) {
            auto bound = bind_global_data(spec, *map);
            if (!bound) return fail(bound.error());
            binding = *bound;
        }
        out.maps.push_back(std::move(map));
        out.bindings.maps.push_back(binding);
    }

    // Declarative initial values, now that every map exists.
    for (size_t i = 0; i < description.maps.size(); ++i) {
        const elf::MapSpec& spec = description.maps[i];
        if (reused[i]) continue;
        for (const elf::MapSlot& slot : spec.initial_maps) {
            auto* outer = dynamic_cast<maps::MapInMap*>(out.maps[i].get());
            if (!outer) return fail(map_error(spec, "initial inner maps need a map-in-map"));
            if (int err = outer->set_inner(&slot.index, out.maps[slot.map], BPF_ANY); err != 0)
                return fail(map_error(spec, fmt::format("slot {}: installing '{}' failed: {}", slot.index,
                                                        description.maps[slot.map].def.name, errno_text(err))));
        }
    }
    return out;
}

Result<void> install_program_slots(const elf::ObjectDescription& description, ObjectMaps& object_maps,
                                   const ProgramEntryLookup& entry_for) {
    for (size_t i = 0; i < description.maps.size(); ++i) {
        const elf::MapSpec& spec = description.maps[i];
        if (spec.initial_programs.empty()) continue;
        auto* array = maps::as_prog_array(object_maps.maps[i].get());
        if (!array) return fail(map_error(spec, "initial programs need a prog array"));
        for (const elf::ProgramSlot& slot : spec.initial_programs) {
            auto entry = entry_for(slot.program);
            if (!entry) {
                Error e = entry.error();
                e.message = fmt::format("slot {} ('{}'): {}", slot.index, slot.program, e.message);
                if (e.file.empty()) e.file = fmt::format("map '{}'", spec.def.name);
                return fail(std::move(e));
            }
            const engine_abi::ProgramEntry* value = *entry;
            if (int err = array->update(&slot.index, &value, BPF_ANY); err != 0)
                return fail(map_error(spec, fmt::format("slot {}: installing '{}' failed: {}", slot.index,
                                                        slot.program, errno_text(err))));
        }
    }
    return {};
}

} // namespace ebpfjit::runtime
