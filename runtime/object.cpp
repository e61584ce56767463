// ebpfjit::Object: an ELF object description brought to life.
//
//   Object::open ──► elf::read_object_file ──► create_object_maps ──► Object
//   Object::program(name) ──► prepare (verify, pick an engine) once ──► Program handle
#include <cerrno>
#include <fmt/format.h>
#include <map>
#include <mutex>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/object_maps.hpp"

namespace ebpfjit {

struct Program::State {
    const runtime::elf::ProgramSpec* spec;
    std::unique_ptr<runtime::Interpreter> engine;
};

struct Object::Impl {
    runtime::elf::ObjectDescription description;
    runtime::ObjectMaps maps;
    std::mutex prepare_lock; // programs are prepared once, possibly from several threads
    std::map<std::string, std::unique_ptr<Program::State>, std::less<>> prepared;

    // The preparation pipeline for one program. The verifier's proof goes here before an
    // engine is chosen; until it lands, programs run on the bounds-checked interpreter,
    // which stops any out-of-region access itself.
    Result<std::unique_ptr<Program::State>> prepare(const runtime::elf::ProgramSpec& spec) {
        auto state = std::make_unique<Program::State>();
        state->spec = &spec;
        runtime::InterpreterOptions options;
        options.program_type = spec.type;
        state->engine = std::make_unique<runtime::Interpreter>(spec.program, maps.bindings, options);
        return state;
    }
};

// ---- Object -----------------------------------------------------------------------------

Object::Object(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Object::Object(Object&&) noexcept = default;
Object& Object::operator=(Object&&) noexcept = default;
Object::~Object() = default;

namespace {

Result<Object> open_description(Result<runtime::elf::ObjectDescription> description, auto make) {
    if (!description) return fail(description.error());
    auto impl = std::make_unique<Object::Impl>();
    impl->description = std::move(*description);
    auto maps = runtime::create_object_maps(impl->description);
    if (!maps) return fail(maps.error());
    impl->maps = std::move(*maps);
    return make(std::move(impl));
}

runtime::elf::ReadOptions read_options(const OpenOptions& options) {
    return runtime::elf::ReadOptions{options.program_type};
}

} // namespace

Result<Object> Object::open(const std::string& path, const OpenOptions& options) {
    return open_description(runtime::elf::read_object_file(path, read_options(options)),
                            [](std::unique_ptr<Impl> impl) { return Object(std::move(impl)); });
}

Result<Object> Object::open_memory(std::span<const uint8_t> elf_bytes, const OpenOptions& options) {
    return open_description(runtime::elf::read_object(elf_bytes, read_options(options)),
                            [](std::unique_ptr<Impl> impl) { return Object(std::move(impl)); });
}

Result<Program> Object::program(std::string_view name) {
    std::lock_guard guard(impl_->prepare_lock);
    if (auto it = impl_->prepared.find(name); it != impl_->prepared.end()) return Program(it->second.get());
    const runtime::elf::ProgramSpec* spec = impl_->description.find_program(name);
    if (!spec) return fail(Error::plain(fmt::format("no program named '{}' in the object", name)));
    auto state = impl_->prepare(*spec);
    if (!state) return fail(state.error());
    const Program::State* raw = state->get();
    impl_->prepared.emplace(std::string(name), std::move(*state));
    return Program(raw);
}

Result<MapRef> Object::map(std::string_view name) {
    auto index = impl_->description.find_map(name);
    if (!index) return fail(Error::plain(fmt::format("no map named '{}' in the object", name)));
    return MapRef(impl_->maps.maps[*index].get());
}

std::vector<std::string> Object::program_names() const {
    std::vector<std::string> names;
    for (const auto& p : impl_->description.programs) names.push_back(p.name);
    return names;
}

std::vector<std::string> Object::map_names() const {
    std::vector<std::string> names;
    for (const auto& m : impl_->description.maps) names.push_back(m.def.name);
    return names;
}

const std::string& Object::license() const { return impl_->description.license; }

// ---- Program ----------------------------------------------------------------------------

const std::string& Program::name() const { return state_->spec->name; }
const std::string& Program::section() const { return state_->spec->section; }
ProgramType Program::type() const { return state_->spec->type; }

Result<uint64_t> Program::run(std::span<uint8_t> mem) const {
    return state_->engine->run_mem(mem);
}

Result<uint64_t> Program::run(uint64_t r1, uint64_t r2, std::span<const Region> regions) const {
    std::vector<runtime::MemoryRegion> converted;
    converted.reserve(regions.size());
    for (const Region& r : regions)
        converted.push_back({reinterpret_cast<uint64_t>(r.data), r.size, r.writable});
    return state_->engine->run(r1, r2, converted);
}

// ---- MapRef -----------------------------------------------------------------------------

const std::string& MapRef::name() const { return map_->definition().name; }
uint32_t MapRef::type() const { return map_->definition().type; }
uint32_t MapRef::key_size() const { return map_->definition().key_size; }
uint32_t MapRef::value_size() const { return map_->value_copy_size(); }
uint32_t MapRef::max_entries() const { return map_->definition().max_entries; }

int MapRef::lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const {
    if (key.size() != key_size() || value.size() != value_size()) return -EINVAL;
    return map_->lookup_copy(key.data(), value.data());
}

int MapRef::update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags) {
    if (key.size() != key_size() || value.size() != value_size()) return -EINVAL;
    return map_->update_copy(key.data(), value.data(), flags);
}

int MapRef::remove(std::span<const uint8_t> key) {
    if (key.size() != key_size()) return -EINVAL;
    return map_->remove(key.data());
}

int MapRef::get_next_key(std::span<const uint8_t> key, std::span<uint8_t> next_key) const {
    if ((!key.empty() && key.size() != key_size()) || next_key.size() != key_size()) return -EINVAL;
    return map_->get_next_key(key.empty() ? nullptr : key.data(), next_key.data());
}

} // namespace ebpfjit
