# Cross-compiling for ARM64 on an x86-64 Debian host, using the multiarch :arm64 dev
# packages (scripts/install-deps --arm64). Tests run under qemu-user through ctest's
# CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Headers and libraries come from the host's /usr, where multiarch keeps arm64 libraries
# in /usr/lib/aarch64-linux-gnu; programs (clang for BPF objects) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# The loader must come from the same glibc build as the libc.so.6 it loads. qemu's -L
# prefix would give /lib/ld-linux-aarch64.so.1 from the cross toolchain's sysroot
# (libc6-arm64-cross), while ld.so.cache finds libc.so.6 in the multiarch
# /lib/aarch64-linux-gnu (libc6:arm64, often a newer Debian revision). Their private
# _rtld_global layouts differ, and pthread_create then loops forever in its stack cache.
# The multiarch loader path (the real file on arm64 Debian too) has no copy under the
# prefix, so qemu takes the host's multiarch one, matching libc.so.6.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--dynamic-linker=/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1")

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
