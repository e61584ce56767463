# libFuzzer build (EBPFJIT_FUZZ=ON): everything of ours is compiled by clang with coverage
# instrumentation plus ASan/UBSan; the fuzz targets link libFuzzer's main.
#
# clang 14 vs libstdc++ 12's <expected>: the header is guarded by __cpp_concepts >= 202002L
# (clang 14 reports 201907) and relies on conditionally trivial destructors (P0848, clang 16).
# We generate a patched copy in the build tree, searched before the system headers: the
# guard drops the concepts test and each `expected` gets one non-trivial destructor. Only
# triviality changes (ABI inside this build only; no system library passes std::expected).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "EBPFJIT_FUZZ needs clang (configure with CXX=clang++-14 CC=clang-14)")
endif()

if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  find_file(EBPFJIT_SYSTEM_EXPECTED expected PATHS /usr/include/c++/12 NO_DEFAULT_PATH)
  if(NOT EBPFJIT_SYSTEM_EXPECTED)
    message(FATAL_ERROR "EBPFJIT_FUZZ: libstdc++ 12's <expected> not found")
  endif()
  file(READ ${EBPFJIT_SYSTEM_EXPECTED} expected_text)
  string(REPLACE "#if __cplusplus > 202002L && __cpp_concepts >= 202002L"
                 "#if __cplusplus > 202002L" expected_text "${expected_text}")
  string(REPLACE "      constexpr ~expected() = default;\n" "" expected_text "${expected_text}")
  string(REPLACE "      constexpr ~expected()\n      requires (!is_trivially_destructible_v<_Tp>)\n\t    || (!is_trivially_destructible_v<_Er>)\n"
                 "      constexpr ~expected()\n" expected_text "${expected_text}")
  string(REPLACE "      constexpr ~expected() requires (!is_trivially_destructible_v<_Er>)\n"
                 "      constexpr ~expected()\n" expected_text "${expected_text}")
  string(REGEX MATCHALL "~expected\\(\\)" destructors "${expected_text}")
  list(LENGTH destructors destructor_count)
  if(NOT destructor_count EQUAL 2)
    message(FATAL_ERROR "EBPFJIT_FUZZ: could not patch ${EBPFJIT_SYSTEM_EXPECTED} for clang (found ${destructor_count} destructors)")
  endif()
  file(WRITE ${CMAKE_BINARY_DIR}/clang-compat/expected "${expected_text}")
  include_directories(BEFORE SYSTEM ${CMAKE_BINARY_DIR}/clang-compat)
endif()

add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
