// A broken rule found while checking one instruction (internal to the verifier).
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "verifier/reason.hpp"

namespace ebpfjit::verifier {

struct Violation {
    Reason reason;
    std::string text; // the reason in plain words, with the register state involved
};

using Status = std::expected<void, Violation>;

inline std::unexpected<Violation> violation(Reason r, std::string text) {
    return std::unexpected<Violation>(Violation{r, std::move(text)});
}

} // namespace ebpfjit::verifier
