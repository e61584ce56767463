#include "ebpfjit/program_type.hpp"

namespace ebpfjit {

std::string_view to_string(ProgramType t) {
    switch (t) {
    case ProgramType::Mem: return "mem";
    case ProgramType::Xdp: return "xdp";
    case ProgramType::SchedCls: return "tc";
    case ProgramType::SocketFilter: return "socket";
    }
    return "?";
}

std::optional<ProgramType> program_type_from_name(std::string_view name) {
    if (name == "mem") return ProgramType::Mem;
    if (name == "xdp") return ProgramType::Xdp;
    if (name == "tc" || name == "classifier" || name == "sched_cls") return ProgramType::SchedCls;
    if (name == "socket" || name == "socket_filter") return ProgramType::SocketFilter;
    return std::nullopt;
}

} // namespace ebpfjit
