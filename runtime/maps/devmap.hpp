// BPF_MAP_TYPE_DEVMAP: an array of redirect targets for XDP (bpf_redirect_map). A value
// is struct bpf_devmap_val's first member, the u32 ifindex (value_size 4), or the whole
// struct (value_size 8; the program fd member must be 0: no devmap programs here). The
// ifindex is an embedder-defined port id; an optional validator plays the kernel's
// "does this netdev exist" check (-EINVAL); ifindex 0 empties a slot.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "runtime/maps/map.hpp"
#include "runtime/maps/zeroed_buffer.hpp"

namespace ebpfjit::maps {

class DevMap final : public Map {
public:
    using PortValidator = std::function<bool(uint32_t port)>;

    static std::unique_ptr<DevMap> create(const MapDefinition& def);

    // Program side: pointer to the slot's value (read-only for programs), nullptr if empty.
    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    // The port a redirect through `index` goes to, if the slot is set.
    std::optional<uint32_t> port_at(uint32_t index) const;
    void set_port_validator(PortValidator valid) { valid_ = std::move(valid); }

private:
    DevMap(const MapDefinition& def, ZeroedBuffer slots);
    // Slot layout: { u32 ifindex; u32 prog_id; } with ifindex 0 meaning empty.
    uint32_t* slot(uint32_t index) const {
        return reinterpret_cast<uint32_t*>(slots_.data()) + size_t{index} * 2;
    }
    ZeroedBuffer slots_;
    PortValidator valid_;
};

} // namespace ebpfjit::maps
