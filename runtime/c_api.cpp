// extern "C" face of ebpfjit.hpp. Handles are C++ objects behind opaque pointers; every
// entry point catches everything, so no exception reaches a C caller.
#include "ebpfjit/ebpfjit.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "ebpfjit/ebpfjit.hpp"

struct ebpfjit_program {
    ebpfjit::Program program;
};

struct ebpfjit_map {
    ebpfjit::MapRef map;
};

struct ebpfjit_object {
    ebpfjit::Object object;
    std::map<std::string, std::unique_ptr<ebpfjit_program>, std::less<>> programs;
    std::map<std::string, std::unique_ptr<ebpfjit_map>, std::less<>> maps;
};

namespace {

void set_error(char* err, size_t err_size, const std::string& message) {
    if (!err || err_size == 0) return;
    const size_t n = std::min(message.size(), err_size - 1);
    std::memcpy(err, message.data(), n);
    err[n] = '\0';
}

template <class F, class R>
R guarded(R on_exception, char* err, size_t err_size, F&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        set_error(err, err_size, std::string("internal error: ") + e.what());
    } catch (...) {
        set_error(err, err_size, "internal error");
    }
    return on_exception;
}

std::span<const uint8_t> bytes(const void* p, size_t n) { return {static_cast<const uint8_t*>(p), n}; }
std::span<uint8_t> bytes(void* p, size_t n) { return {static_cast<uint8_t*>(p), n}; }

} // namespace

extern "C" {

ebpfjit_object* ebpfjit_object_open(const char* path, const char* program_type, char* err, size_t err_size) {
    return guarded<>(static_cast<ebpfjit_object*>(nullptr), err, err_size, [&]() -> ebpfjit_object* {
        if (!path) return set_error(err, err_size, "no path given"), nullptr;
        ebpfjit::OpenOptions options;
        if (program_type) {
            options.program_type = ebpfjit::program_type_from_name(program_type);
            if (!options.program_type)
                return set_error(err, err_size, std::string("unknown program type '") + program_type + "'"), nullptr;
        }
        auto object = ebpfjit::Object::open(path, options);
        if (!object) return set_error(err, err_size, object.error().to_string()), nullptr;
        return new ebpfjit_object{std::move(*object), {}, {}};
    });
}

void ebpfjit_object_close(ebpfjit_object* object) { delete object; }

ebpfjit_program* ebpfjit_object_program(ebpfjit_object* object, const char* name, char* err, size_t err_size) {
    return guarded<>(static_cast<ebpfjit_program*>(nullptr), err, err_size, [&]() -> ebpfjit_program* {
        if (!object || !name) return set_error(err, err_size, "no object or name given"), nullptr;
        if (auto it = object->programs.find(name); it != object->programs.end()) return it->second.get();
        auto program = object->object.program(name);
        if (!program) return set_error(err, err_size, program.error().to_string()), nullptr;
        auto handle = std::make_unique<ebpfjit_program>(ebpfjit_program{*program});
        return object->programs.emplace(name, std::move(handle)).first->second.get();
    });
}

ebpfjit_map* ebpfjit_object_map(ebpfjit_object* object, const char* name) {
    return guarded<>(static_cast<ebpfjit_map*>(nullptr), nullptr, 0, [&]() -> ebpfjit_map* {
        if (!object || !name) return nullptr;
        if (auto it = object->maps.find(name); it != object->maps.end()) return it->second.get();
        auto map = object->object.map(name);
        if (!map) return nullptr;
        auto handle = std::make_unique<ebpfjit_map>(ebpfjit_map{*map});
        return object->maps.emplace(name, std::move(handle)).first->second.get();
    });
}

int ebpfjit_program_run_mem(ebpfjit_program* program, void* mem, size_t size, uint64_t* r0, char* err,
                            size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || !r0 || (!mem && size != 0)) return set_error(err, err_size, "invalid argument"), -1;
        auto result = program->program.run(bytes(mem, size));
        if (!result) return set_error(err, err_size, result.error().to_string()), -1;
        *r0 = *result;
        return 0;
    });
}

uint32_t ebpfjit_map_key_size(const ebpfjit_map* map) { return map ? map->map.key_size() : 0; }
uint32_t ebpfjit_map_value_size(const ebpfjit_map* map) { return map ? map->map.value_size() : 0; }

int ebpfjit_map_lookup(const ebpfjit_map* map, const void* key, void* value) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !key || !value) return -EINVAL;
        return map->map.lookup(bytes(key, map->map.key_size()), bytes(value, map->map.value_size()));
    });
}

int ebpfjit_map_update(ebpfjit_map* map, const void* key, const void* value, uint64_t flags) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !key || !value) return -EINVAL;
        return map->map.update(bytes(key, map->map.key_size()), bytes(value, map->map.value_size()), flags);
    });
}

int ebpfjit_map_delete(ebpfjit_map* map, const void* key) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !key) return -EINVAL;
        return map->map.remove(bytes(key, map->map.key_size()));
    });
}

int ebpfjit_map_get_next_key(const ebpfjit_map* map, const void* key, void* next_key) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !next_key) return -EINVAL;
        const uint32_t size = map->map.key_size();
        return map->map.get_next_key(key ? bytes(key, size) : std::span<const uint8_t>{}, bytes(next_key, size));
    });
}

} // extern "C"
