# Every dependency is a Debian package (scripts/install-deps installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(asmjit CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  find_package(Catch2 2 CONFIG REQUIRED)
endif()

# clang with the BPF target builds test and example programs. Not needed when cross
# compiling the library, but the host's clang still produces the (portable) BPF objects.
find_program(EBPFJIT_BPF_CLANG NAMES clang clang-14)
