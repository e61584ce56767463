#include "ebpfjit/engine.hpp"

namespace ebpfjit {

std::string_view to_string(Engine engine) { return engine == Engine::Jit ? "jit" : "interp"; }

std::optional<Engine> engine_from_name(std::string_view name) {
    if (name == "jit") return Engine::Jit;
    if (name == "interp") return Engine::Interpreter;
    return std::nullopt;
}

} // namespace ebpfjit
