// The insides of ebpfjit::Object and ebpfjit::Program handles, shared by object.cpp
// (opening, preparing) and program_runs.cpp (running).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/elf/object_description.hpp"
#include "runtime/object_maps.hpp"
#include "runtime/prepared_program.hpp"

namespace ebpfjit {

struct Program::State {
    std::unique_ptr<runtime::PreparedProgram> prepared;
    std::shared_ptr<HostNetwork> network; // OpenOptions::network, for the helpers
    const std::shared_ptr<SocketTable>* sockets = nullptr; // the object's (Impl::sockets)
    // prepared->lean_mem(), here so that Program::run(mem) reads it from the handle's state.
    runtime::LeanEntry lean_mem = prepared ? prepared->lean_mem() : runtime::LeanEntry{};
};

struct Object::Impl {
    ~Impl(); // empties the slots its programs hold in pinned prog arrays
    OpenOptions open_options;
    runtime::elf::ObjectDescription description;
    std::vector<maps::MapDefinition> map_definitions; // as declared: what the verifier checks
    runtime::ObjectMaps maps;
    std::shared_ptr<SocketTable> sockets; // Object::set_socket_table; read by every run
    std::mutex prepare_lock; // programs are prepared once, possibly from several threads
    std::map<std::string, std::unique_ptr<Program::State>, std::less<>> prepared; // stable addresses

    // The program called `name`, prepared on first use (thread-safe).
    Result<const runtime::PreparedProgram*> prepare(std::string_view name, const ProgramOptions& options);
};

namespace runtime {
// Drops the timer callbacks of the object's programs from every map it uses (a pinned
// map outlives the object): runtime/object_timers.cpp.
void forget_timer_callbacks(Object::Impl& impl);
} // namespace runtime

} // namespace ebpfjit
