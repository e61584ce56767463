# Build speed: CI has two cores and 30 minutes for five builds (host, arm64 cross, ASan,
# TSan, fuzz), so compile time is a budget like any other.
#
# - Build type `Check`: -O1 without debug info and with assertions. Debug info costs ~40%
#   of compile time and -O2 another ~15%; the suite needs neither. CI uses it (Makefile).
# - Precompiled headers: every library and test translation unit parses the same standard,
#   fmt and spdlog headers (Catch2 in tests, CLI11 and nlohmann-json in tools), ~120k lines
#   each. One PCH for the library, one shared by the tests and one by the tools (and test
#   drivers with a command line) save ~0.8 s of CPU per file. EBPFJIT_PCH=OFF turns them off.
#
# Included before project(): project() creates the CMAKE_<LANG>_FLAGS_CHECK cache entries
# from these *_INIT values.
set(CMAKE_C_FLAGS_CHECK_INIT "-O1")
set(CMAKE_CXX_FLAGS_CHECK_INIT "-O1")

# g++ 12 with optimisation reports impossible overflows inside libstdc++'s std::string
# (GCC bugs 105329, 105651: -Warray-bounds, -Wstringop-overflow, -Wrestrict on
# `string + "x"`), at -O1 (Check) and -O2 (RelWithDebInfo) alike: under -Werror they broke
# `make test` in the default build type. (clang, in the fuzz build, has no such reports.)
function(ebpfjit_gcc12_false_positive_warnings)
  add_compile_options(
    "$<$<AND:$<CXX_COMPILER_ID:GNU>,$<COMPILE_LANGUAGE:CXX>>:-Wno-array-bounds;-Wno-stringop-overflow;-Wno-restrict>")
endfunction()

option(EBPFJIT_PCH "Precompiled headers for the library, tools and tests" ON)

# ebpfjit_use_pch(<target> tests|tools): the target compiles its C++ files with the
# precompiled cmake/pch/<role>.hpp. It is built once, by the carrier target
# ebpfjit_pch_<role> (tests/CMakeLists.txt, tools/CMakeLists.txt), and reused: the target's
# compile options must match the carrier's (extra -D macros the header never reads are fine).
function(ebpfjit_use_pch target role)
  if(NOT EBPFJIT_PCH)
    return()
  endif()
  target_precompile_headers(${target} REUSE_FROM ebpfjit_pch_${role})
endfunction()
