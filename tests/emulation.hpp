// Repetition counts for tests that also run under qemu-user (make test-arm64), where
// code runs 10-50 times slower. Only how often a check repeats shrinks, never which checks
// run: a stress loop keeps every assertion, with fewer iterations.
//
// EBPFJIT_TEST_EMULATOR is the emulator command in the cross build and empty natively
// (tests/CMakeLists.txt defines it for every test executable).
#pragma once

#include <algorithm>

#ifndef EBPFJIT_TEST_EMULATOR
#define EBPFJIT_TEST_EMULATOR ""
#endif

namespace ebpfjit::test {

inline constexpr bool kEmulated = sizeof(EBPFJIT_TEST_EMULATOR) > 1;

// `native` repetitions on a real CPU, native / divisor (at least `floor`) under emulation.
template <typename T>
constexpr T repetitions(T native, T divisor, T floor = 1) {
    return kEmulated ? std::max<T>(floor, native / divisor) : native;
}

} // namespace ebpfjit::test
