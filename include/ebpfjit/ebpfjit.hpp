// The embedding API: open a clang-built BPF object, look up its programs and maps, run.
//
//   auto object = ebpfjit::Object::open("counter.o");          // maps created, data loaded
//   if (!object) { log(object.error().to_string()); return; }
//   auto prog = object->program("count_packets");              // prepared on first use
//   auto r0 = prog->run(buffer);                               // mem programs: r1, r2 = buffer
//   auto hits = object->map("hits");
//   hits->lookup(key_bytes, value_bytes);                      // bpf(2) semantics, -errno
//
// Handles (Program, MapRef) stay valid while their Object lives. One Object may run its
// programs on many threads at once; its maps are shared by all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"

namespace ebpfjit {

namespace maps { class Map; }

struct OpenOptions {
    // Program type for every program, instead of the one its ELF section implies.
    std::optional<ProgramType> program_type;
};

// Memory a program may touch besides its stack (a context struct, a packet buffer).
struct Region {
    void* data = nullptr;
    size_t size = 0;
    bool writable = false;
};

// A map of an open object, with the syscall-side operations of bpf(2): whole values in
// and out (for per-CPU maps every CPU's value, each rounded up to 8 bytes). Every
// operation returns 0 or a negative errno (-ENOENT, -EEXIST, -E2BIG, -EINVAL, ...).
class MapRef {
public:
    const std::string& name() const;
    uint32_t type() const;        // BPF_MAP_TYPE_*
    uint32_t key_size() const;
    uint32_t value_size() const;  // bytes lookup() writes and update() reads
    uint32_t max_entries() const;

    int lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const;
    int update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags = 0);
    int remove(std::span<const uint8_t> key);
    // An empty `key` (or a missing one) gives the first key; -ENOENT after the last.
    int get_next_key(std::span<const uint8_t> key, std::span<uint8_t> next_key) const;

    maps::Map& native() const { return *map_; } // the runtime map, for tools (JSON dump, batches)

private:
    friend class Object;
    explicit MapRef(maps::Map* map) : map_(map) {}
    maps::Map* map_;
};

class Program {
public:
    const std::string& name() const;
    const std::string& section() const;
    ProgramType type() const;

    // mem programs: r1 = mem.data(), r2 = mem.size(); returns r0.
    Result<uint64_t> run(std::span<uint8_t> mem) const;
    // Any program type: r1, r2 as given; `regions` is the memory they point into.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const Region> regions) const;

    struct State; // runtime/object.cpp
private:
    friend class Object;
    explicit Program(const State* state) : state_(state) {}
    const State* state_;
};

class Object {
public:
    static Result<Object> open(const std::string& path, const OpenOptions& options = {});
    static Result<Object> open_memory(std::span<const uint8_t> elf_bytes, const OpenOptions& options = {});

    Object(Object&&) noexcept;
    Object& operator=(Object&&) noexcept;
    ~Object();

    // The program with this symbol name, prepared for running on first use.
    Result<Program> program(std::string_view name);
    Result<MapRef> map(std::string_view name);

    std::vector<std::string> program_names() const;
    std::vector<std::string> map_names() const;
    const std::string& license() const;

    struct Impl;
private:
    explicit Object(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ebpfjit
