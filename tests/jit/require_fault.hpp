// Checked-code tests: a run must fail at an instruction with a located message.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "ebpfjit/error.hpp"

namespace ebpfjit::test {

// The run must fail at `insn` with a message containing `text`.
inline void require_fault(const Result<uint64_t>& r, uint32_t insn, const std::string& text) {
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    REQUIRE(r.error().insn.has_value());
    CHECK(*r.error().insn == insn);
    CHECK_THAT(r.error().message, Catch::Contains(text));
}

} // namespace ebpfjit::test
