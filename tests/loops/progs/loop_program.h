/* One loop program source, built three ways (tests/loops/CMakeLists.txt):
 *   progs/<name>.o         clang -O2 -target bpf: a `mem` program (r1 = input, r2 = length),
 *                          symbol loop_<name>, section "mem"
 *   progs/<name>_unsafe.o  the same with -DLOOP_UNSAFE_TWIN: exactly one bug, marked in the
 *                          source by `#ifdef LOOP_UNSAFE_TWIN`, that the verifier must reject
 *   libebpfjit_loops_native the C compiler's -O2 build of the safe version: the reference
 *                          result the engines are compared against
 * Every loop checks its bounds the way C programmers do (`i < len`, `off + 2 + l > len`,
 * `o + 2 <= sizeof out`); the verifier has to prove them (issue 17). */
#ifndef EBPFJIT_LOOP_PROGRAM_H
#define EBPFJIT_LOOP_PROGRAM_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifdef __bpf__
#define LOOP_ENTRY(name) __attribute__((section("mem"), used)) u64 loop_##name(u8 *mem, u64 len)
char LICENSE[] __attribute__((section("license"), used)) = "Dual MIT/GPL";
#else
#ifdef LOOP_UNSAFE_TWIN
#error "the unsafe twins are BPF objects only: natively their bug is undefined behaviour"
#endif
/* The test declares these extern "C"; the prototype keeps -Wmissing-prototypes quiet. */
#define LOOP_ENTRY(name) u64 loop_##name(u8 *mem, u64 len); u64 loop_##name(u8 *mem, u64 len)
#endif

#endif
