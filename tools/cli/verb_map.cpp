// ebpfjit map dump OBJECT.o [--map NAME]
#include <fmt/format.h>

#include <memory>
#include <string>

#include "tools/cli/object_maps_json.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_map(CLI::App& app) {
    struct Options {
        std::string object;
        std::string map;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("map", "Inspect the maps of a BPF object");
    cmd->require_subcommand(1);
    CLI::App* dump = cmd->add_subcommand("dump", "Print maps as JSON (bpftool map dump -j shape)");
    dump->add_option("OBJECT", opts->object, "clang-built BPF object (.o)")->required();
    dump->add_option("--map", opts->map, "Only this map");
    dump->footer("Example: ebpfjit map dump counter.o --map hits\n"
                 "Global data maps (.data, .rodata, .bss) show their initial values.");

    return {cmd, [opts] {
                auto object = Object::open(opts->object);
                if (!object) return report(object.error());
                auto json = object_maps_json(*object, opts->map);
                if (!json) return report(json.error());
                fmt::print("{}\n", json->dump(2));
                return 0;
            }};
}

} // namespace ebpfjit::cli
