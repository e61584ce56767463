// ebpfjit::Object: an ELF object description brought to life.
//
//   Object::open ──► elf::read_object_file ──► create_object_maps ──► prepare prog-array
//                    targets, fill their slots ──► Object
//   Object::program(name) ──► PreparedProgram::prepare (verify, rewrite ctx, JIT) once
//                             ──► Program handle (runs: runtime/program_runs.cpp)
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <algorithm>
#include <map>
#include <mutex>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/elf/loader.hpp"
#include "engine_abi/kernel_ids.hpp"
#include "helpers/socket_map_ops.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/map_json.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/maps/sock_map.hpp"
#include "runtime/object_impl.hpp"

namespace ebpfjit {

namespace {

bool same_choice(const runtime::PrepareOptions& prepared, const runtime::PrepareOptions& wanted) {
    return prepared.engine == wanted.engine && prepared.verify == wanted.verify &&
           prepared.allow_ptr_leaks == wanted.allow_ptr_leaks &&
           prepared.require_termination_proof == wanted.require_termination_proof;
}

} // namespace

Result<const runtime::PreparedProgram*> Object::Impl::prepare(std::string_view name, const ProgramOptions& options) {
    runtime::PrepareOptions wanted{options.engine.value_or(open_options.engine),
                                   options.verify.value_or(open_options.verify), open_options.verifier_log_level,
                                   open_options.hardening,
                                   options.allow_ptr_leaks.value_or(open_options.allow_ptr_leaks),
                                   open_options.require_termination_proof};
    if (const auto* spec = description.find_program(name); spec && spec->name != name)
        name = spec->name; // named by its section: one prepared entry per program
    std::lock_guard guard(prepare_lock);
    if (auto it = prepared.find(name); it != prepared.end()) {
        if (!same_choice(it->second->prepared->options(), wanted))
            return fail(Error::plain(fmt::format("program '{}' is already prepared with other options "
                                                 "(engine {}, verify {}, allow_ptr_leaks {})",
                                                 name, to_string(it->second->prepared->engine()),
                                                 it->second->prepared->options().verify == VerifyLevel::Full
                                                     ? "full" : "structural",
                                                 it->second->prepared->options().allow_ptr_leaks)));
        return it->second->prepared.get();
    }
    const runtime::elf::ProgramSpec* spec = description.find_program(name);
    if (!spec) return fail(Error::plain(fmt::format("no program named '{}' in the object", name)));
    auto made = runtime::PreparedProgram::prepare(*spec, maps.bindings, map_definitions, wanted);
    if (!made) return fail(made.error());
    auto state = std::make_unique<Program::State>(Program::State{std::move(*made), open_options.network, &sockets});
    const runtime::PreparedProgram* raw = state->prepared.get();
    prepared.emplace(std::string(name), std::move(state));
    return raw;
}

// A pinned prog array outlives this object, but the entries this object's programs put
// into it do not: they are taken out before the programs go (the kernel holds a
// reference instead; here the slot simply empties).
Object::Impl::~Impl() {
    runtime::forget_timer_callbacks(*this);
    std::vector<const engine_abi::ProgramEntry*> ours;
    for (const auto& [name, state] : prepared) ours.push_back(state->prepared->tail_call_entry());
    for (size_t index : maps.pinned) {
        auto* array = maps::as_prog_array(maps.maps[index].get());
        if (!array) continue;
        for (uint32_t slot = 0; slot < array->definition().max_entries; ++slot)
            if (std::ranges::find(ours, array->entry(slot)) != ours.end()) array->remove(&slot);
    }
}

// ---- Object -----------------------------------------------------------------------------

Object::Object(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Object::Object(Object&&) noexcept = default;
Object& Object::operator=(Object&&) noexcept = default;
Object::~Object() = default;

namespace {

// Maps first, then the programs prog arrays name (as libbpf loads every program before
// it fills prog arrays), so tail calls work from the first run.
Result<std::unique_ptr<Object::Impl>> open_description(Result<runtime::elf::ObjectDescription> description,
                                                      const OpenOptions& options) {
    if (!description) return fail(description.error());
    auto impl = std::make_unique<Object::Impl>();
    impl->open_options = options;
    impl->description = std::move(*description);
    for (const auto& spec : impl->description.maps) impl->map_definitions.push_back(spec.def);
    auto maps = runtime::create_object_maps(impl->description, options.pins ? &options.pins->impl() : nullptr);
    if (!maps) return fail(maps.error());
    impl->maps = std::move(*maps);
    Object::Impl* raw = impl.get();
    auto installed = runtime::install_program_slots(
        raw->description, raw->maps, [raw](std::string_view name) -> Result<const engine_abi::ProgramEntry*> {
            auto prepared = raw->prepare(name, {});
            if (!prepared) return fail(prepared.error());
            return (*prepared)->tail_call_entry();
        });
    if (!installed) return fail(installed.error());
    return impl;
}

runtime::elf::ReadOptions read_options(const OpenOptions& options) {
    return runtime::elf::ReadOptions{
        options.program_type, options.possible_cpus,
        runtime::elf::MapSizes(options.map_max_entries.begin(), options.map_max_entries.end()),
        options.inline_globals, options.only_programs, options.core_btf};
}

} // namespace

Result<Object> Object::open(const std::string& path, const OpenOptions& options) {
    auto impl = open_description(runtime::elf::read_object_file(path, read_options(options)), options);
    if (!impl) return fail(impl.error());
    return Object(std::move(*impl));
}

Result<Object> Object::open_memory(std::span<const uint8_t> elf_bytes, const OpenOptions& options) {
    auto impl = open_description(runtime::elf::read_object(elf_bytes, read_options(options)), options);
    if (!impl) return fail(impl.error());
    return Object(std::move(*impl));
}

Result<Program> Object::program(std::string_view name, const ProgramOptions& options) {
    auto prepared = impl_->prepare(name, options);
    if (!prepared) return fail(prepared.error());
    if (const auto* spec = impl_->description.find_program(name)) name = spec->name;
    std::lock_guard guard(impl_->prepare_lock);
    return Program(impl_->prepared.find(name)->second.get());
}

Result<MapRef> Object::map(std::string_view name) {
    auto index = impl_->description.find_map(name);
    if (!index) return fail(Error::plain(fmt::format("no map named '{}' in the object", name)));
    return MapRef(impl_->maps.maps[*index].get(), &impl_->sockets);
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

void Object::set_socket_table(std::shared_ptr<SocketTable> sockets) { impl_->sockets = std::move(sockets); }
const std::shared_ptr<SocketTable>& Object::socket_table() const { return impl_->sockets; }

Result<uint32_t> register_worker_thread() { return maps::register_worker_thread(); }
uint32_t possible_cpus() { return maps::possible_cpus(); }
Result<void> set_possible_cpus(uint32_t count) { return maps::set_possible_cpus(count); }

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

namespace {

// sock_map_update_elem_sys with a cookie for the fd: the socket must be in the table
// (-EBADF, as for a bad fd) and in a state a socket map takes (-EOPNOTSUPP).
int check_socket_value(std::span<const uint8_t> value, const SocketTable* sockets) {
    uint64_t cookie = 0;
    std::memcpy(&cookie, value.data(), std::min<size_t>(value.size(), sizeof cookie));
    auto sk = sockets && cookie ? sockets->find(cookie) : nullptr;
    if (!sk) return -EBADF;
    return helpers::socket_map_state_allowed(*sk) ? 0 : -EOPNOTSUPP;
}

} // namespace

// bpf(2) refuses writes to a frozen map (libbpf freezes .rodata): the verifier read its
// bytes as constants (bpf_map_direct_read), so they must stay the bytes it read.
int MapRef::update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags) {
    if (key.size() != key_size() || value.size() != value_size()) return -EINVAL;
    if (map_->definition().frozen_value) return -EPERM;
    if (engine_abi::is_socket_map(type()))
        if (int err = check_socket_value(value, sockets_ ? sockets_->get() : nullptr)) return err;
    return map_->update_copy(key.data(), value.data(), flags);
}

uint64_t MapRef::socket_cookie(std::span<const uint8_t> key) const {
    if (!engine_abi::is_socket_map(type()) || key.size() != key_size()) return 0;
    return static_cast<const maps::SocketMap&>(*map_).cookie_at(key.data());
}

int MapRef::remove(std::span<const uint8_t> key) {
    if (key.size() != key_size()) return -EINVAL;
    if (map_->definition().frozen_value) return -EPERM; // as update
    return map_->remove(key.data());
}

int MapRef::get_next_key(std::span<const uint8_t> key, std::span<uint8_t> next_key) const {
    if ((!key.empty() && key.size() != key_size()) || next_key.size() != key_size()) return -EINVAL;
    return map_->get_next_key(key.empty() ? nullptr : key.data(), next_key.data());
}

std::string MapRef::to_json(int indent) const { return maps::map_to_json(*map_).dump(indent); }

} // namespace ebpfjit
