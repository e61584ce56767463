#include "runtime/object_pins.hpp"

#include <fmt/format.h>

namespace ebpfjit {

PinRegistry::PinRegistry() : impl_(std::make_unique<Impl>()) {}
PinRegistry::~PinRegistry() = default;

std::vector<std::string> PinRegistry::pinned() const {
    std::lock_guard guard(impl_->lock);
    std::vector<std::string> keys;
    for (const auto& [key, pin] : impl_->pins) keys.push_back(key);
    return keys;
}

bool PinRegistry::unpin(std::string_view key) {
    std::lock_guard guard(impl_->lock);
    auto it = impl_->pins.find(key);
    if (it == impl_->pins.end()) return false;
    impl_->pins.erase(it);
    return true;
}

namespace runtime {

std::string pin_key(const elf::MapSpec& spec, uint64_t object_hash) {
    switch (spec.pinning) {
    case elf::MapPinning::None: return {};
    case elf::MapPinning::ByName:
    case elf::MapPinning::Replace: return spec.def.name;
    case elf::MapPinning::ObjectNs: return fmt::format("object-{:016x}/{}", object_hash, spec.def.name);
    }
    return {};
}

namespace {

// libbpf's map_is_reuse_compat: the fields a program's view of the map depends on.
std::string mismatch(const maps::MapDefinition& object, const maps::MapDefinition& pinned) {
    auto field = [](const char* name, uint64_t a, uint64_t b) {
        return fmt::format("{} {} (object) != {} (pinned)", name, a, b);
    };
    if (object.type != pinned.type) return field("type", object.type, pinned.type);
    if (object.key_size != pinned.key_size) return field("key_size", object.key_size, pinned.key_size);
    if (object.value_size != pinned.value_size) return field("value_size", object.value_size, pinned.value_size);
    if (object.max_entries != pinned.max_entries)
        return field("max_entries", object.max_entries, pinned.max_entries);
    if (object.flags != pinned.flags) return field("map_flags", object.flags, pinned.flags);
    if (object.map_extra != pinned.map_extra) return field("map_extra", object.map_extra, pinned.map_extra);
    // Beyond libbpf: the verifier checks the program against the object's definition, so
    // the special fields of its values must sit where the pinned map keeps them (the
    // kernel checks against the map's own BTF record instead).
    auto offset = [](int32_t off) { return off < 0 ? std::string("none") : std::to_string(off); };
    if (object.spin_lock_offset != pinned.spin_lock_offset)
        return fmt::format("bpf_spin_lock at {} (object) != {} (pinned)", offset(object.spin_lock_offset),
                           offset(pinned.spin_lock_offset));
    if (object.timer_offset != pinned.timer_offset)
        return fmt::format("bpf_timer at {} (object) != {} (pinned)", offset(object.timer_offset),
                           offset(pinned.timer_offset));
    if (bool(object.inner) != bool(pinned.inner)) return "one has an inner map template, the other not";
    if (object.inner) {
        if (auto inner = mismatch(*object.inner, *pinned.inner); !inner.empty()) return "inner map: " + inner;
    }
    return {};
}

} // namespace

Result<PinnedMap> pinned_map(PinRegistry::Impl& registry, const std::string& key,
                                              const elf::MapSpec& spec,
                                              const std::function<Result<std::shared_ptr<maps::Map>>()>& create) {
    std::lock_guard guard(registry.lock);
    if (spec.pinning == elf::MapPinning::Replace) { // Cilium: a fresh map takes over the pin
        auto made = create();
        if (!made) return fail(made.error());
        registry.pins.insert_or_assign(key, PinRegistry::Impl::Pin{*made, spec.def});
        return PinnedMap{*made, false};
    }
    if (auto it = registry.pins.find(key); it != registry.pins.end()) {
        if (auto why = mismatch(spec.def, it->second.declared); !why.empty()) {
            return fail(Error::at_offset(fmt::format("section '{}'", spec.section), spec.offset,
                                         fmt::format("map '{}': pinned map '{}' differs from this definition: {}",
                                                     spec.def.name, key, why)));
        }
        return PinnedMap{it->second.map, true};
    }
    auto made = create();
    if (!made) return fail(made.error());
    registry.pins.emplace(key, PinRegistry::Impl::Pin{*made, spec.def});
    return PinnedMap{*made, false};
}

} // namespace runtime
} // namespace ebpfjit
