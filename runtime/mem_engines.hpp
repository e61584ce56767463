// Engines that run a `mem` program (r1 = writable copy of the input, r2 = its length),
// chosen by name. The conformance harness, the conformance plugin and the CLI's
// `--engine` all go through this one table, so that a new engine is one line here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/hardening.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::runtime {

// Runs `program` on `mem` (modified in place) and returns r0.
using MemEngine = std::function<Result<uint64_t>(const isa::Program& program, std::span<uint8_t> mem)>;

// How the engines run (issue 9's hardening); the defaults change nothing.
struct MemEngineOptions {
    Hardening hardening = {};             // blinding, retpoline (jit), budget (both)
    std::optional<uint32_t> blinding_key = std::nullopt; // jit: a fixed key (tests)
};

// The engine called `name` ("jit": the host JIT, "interp": the interpreter), or a one-line error.
Result<MemEngine> find_mem_engine(std::string_view name, const MemEngineOptions& options = {});

// Names of the available engines, for help texts.
std::vector<std::string> mem_engine_names();

} // namespace ebpfjit::runtime
