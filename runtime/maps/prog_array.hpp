// BPF_MAP_TYPE_PROG_ARRAY: the slots bpf_tail_call(ctx, map, index) jumps through.
//
//   ProgArray ──slots()──► [ TailCallSlots ]  entries ──► [ e0 | e1 | null | e3 ... ]  (count)
//                                                            │
//                                                            ▼
//                                                 ProgramEntry { native_entry, program, bindings }
//
// Readers (JIT code, the interpreter) load an entry pointer with one plain acquire load
// and never lock; writers (update/remove from the control plane) store with release.
// A ProgramEntry is owned by the loaded program (jit::CompiledProgram or the runtime's
// program object) and must outlive its presence in any prog array.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine_abi/tail_call_slots.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

inline constexpr uint32_t kMapTypeProgArray = 3; // BPF_MAP_TYPE_PROG_ARRAY

class ProgArray final : public Map {
public:
    // key_size 4, value_size 8 (the value is a `const ProgramEntry*`; the runtime turns
    // program fds/names into entries before calling update).
    static std::unique_ptr<ProgArray> create(const MapDefinition& def, int* error);

    void* lookup(const void* key) override; // programs may not read slots: always nullptr
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    // Program-side reads (tail calls): nullptr for an empty slot or an index out of range.
    const engine_abi::ProgramEntry* entry(uint32_t index) const {
        if (index >= slots_.count) return nullptr;
        return slots_.entries[index].load(std::memory_order_acquire);
    }
    void set(uint32_t index, const engine_abi::ProgramEntry* entry) {
        slots_.entries[index].store(entry, std::memory_order_release);
    }

    // Byte offset of the TailCallSlots inside a ProgArray, from its Map base pointer
    // (what r2 holds at a tail call).
    static int32_t slots_offset_from_map();

private:
    explicit ProgArray(MapDefinition def);

    std::unique_ptr<std::atomic<const engine_abi::ProgramEntry*>[]> storage_;
    engine_abi::TailCallSlots slots_;
};

// The prog array behind a map pointer a program passed to bpf_tail_call, or nullptr.
ProgArray* as_prog_array(Map* map);

} // namespace ebpfjit::maps
