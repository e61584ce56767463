// PinRegistry's insides: pinned maps by key, shared between the objects one embedder
// opens with the same registry (libbpf's pin-by-name reuse, without a filesystem).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/elf/object_description.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit {

struct PinRegistry::Impl {
    struct Pin {
        std::shared_ptr<maps::Map> map;
        maps::MapDefinition declared; // as the pinning object declared it
    };
    mutable std::mutex lock;
    std::map<std::string, Pin, std::less<>> pins;
};

namespace runtime {

// The key a pinned map is registered under, or "" for an unpinned one.
std::string pin_key(const elf::MapSpec& spec, uint64_t object_hash);

// Pinned `spec` from the registry if a compatible map is pinned under `key`, else a map
// made by `create` and pinned there (MapPinning::Replace: always made, and pinned in
// place of what was there). An incompatible pinned map is an error naming both
// definitions' differing field. Creation and pinning happen under the registry's lock, so
// two objects opening at once share one map.
struct PinnedMap {
    std::shared_ptr<maps::Map> map;
    bool reused = false; // pinned before: its contents are kept, no initial values written
};
Result<PinnedMap> pinned_map(PinRegistry::Impl& registry, const std::string& key,
                                              const elf::MapSpec& spec,
                                              const std::function<Result<std::shared_ptr<maps::Map>>()>& create);

} // namespace runtime
} // namespace ebpfjit
