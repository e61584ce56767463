#include "tools/cli/run_object.hpp"

#include <fmt/format.h>
#include <fstream>

#include "ebpfjit/ebpfjit.hpp"
#include "tools/cli/object_maps_json.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

bool looks_like_elf(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    char magic[4] = {};
    return file.read(magic, 4) && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

Result<void> run_object_timers(Object& object, bool all) {
    if (!object.has_timers()) return {};
    // Userspace has no timer interrupt: a run replays in no time, so a timer armed for
    // seconds from now is due only when --fire-timers says the time has come.
    auto ran = all ? object.run_expired_timers(UINT64_MAX) : object.run_expired_timers();
    if (!ran) return fail(ran.error());
    if (*ran != 0) fmt::print("timers: {} callback{} ran\n", *ran, *ran == 1 ? "" : "s");
    return {};
}

int run_object(const RunObjectRequest& request) {
    OpenOptions options;
    options.program_type = request.type;
    options.engine = request.engine;
    options.hardening = request.hardening;
    options.allow_ptr_leaks = request.allow_ptr_leaks;
    options.map_max_entries = request.map_max_entries;
    options.inline_globals = request.inline_globals;
    options.core_btf = request.core_btf;
    auto object = Object::open(request.object, options);
    if (!object) return report(object.error());

    std::string name = request.program;
    if (name.empty()) {
        const auto names = object->program_names();
        if (names.size() != 1)
            return report(Error::plain(fmt::format("{}: {} programs; choose one with --program", request.object,
                                                   names.size())));
        name = names.front();
    }
    auto program = object->program(name);
    if (!program) return report(program.error());
    if (program->type() != ProgramType::Mem)
        return report(Error::plain(fmt::format("program '{}' is of type {}; `run --mem` runs mem programs "
                                               "(give --type mem to run it on raw memory)",
                                               name, to_string(program->type()))));
    std::vector<uint8_t> memory = request.memory;
    auto r0 = program->run(memory);
    if (!r0) {
        Error e = r0.error();
        if (e.file.empty()) e.file = fmt::format("{}: program '{}'", request.object, name);
        return report(e);
    }
    if (auto timers = run_object_timers(*object, request.fire_timers); !timers) return report(timers.error());
    if (!request.json.empty()) {
        auto maps = object_maps_json(*object);
        if (!maps) return report(maps.error());
        auto written = write_json_file(request.json, nlohmann::json{{"r0", *r0}, {"maps", *maps}});
        if (!written) return report(written.error());
    }
    fmt::print("r0 = {} ({:#x})\n", *r0, *r0);
    return 0;
}

} // namespace ebpfjit::cli
