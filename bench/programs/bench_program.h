/* One workload source, built twice: by clang -O2 -target bpf into a `mem` program
 * (r1 = input bytes, r2 = their length) and natively -O2 into the harness's shared
 * object, so the native build is the physical limit the JIT is compared against.
 *
 *   BENCH_ENTRY(prime) { ... }          bpf: section "mem", symbol bench_prime
 *                                       native: exported bench_prime(mem, len)
 *   BENCH_INPUT(prime, bytes) { ... }   native only: the input the harness hands in
 *                                       (bench_prime_input_size, bench_prime_input)
 */
#ifndef EBPFJIT_BENCH_PROGRAM_H
#define EBPFJIT_BENCH_PROGRAM_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#if defined(__bpf__) && defined(BENCH_KERNEL_WRAPPER)
/* bench/kernel_compare: the body becomes an inline function that an XDP wrapper calls
 * with a map value as `mem`, so the kernel's verifier can judge the same loops. */
#define BENCH_ENTRY(name) \
    static __attribute__((always_inline)) inline u64 bench_##name(u8 *mem __attribute__((unused)), u64 len __attribute__((unused)))
#define BENCH_INPUT(name, bytes) \
    enum { bench_##name##_input_size = (bytes) }; \
    static inline __attribute__((unused)) void bench_##name##_input_unused(u8 *mem __attribute__((unused)), u64 len __attribute__((unused)))
#elif defined(__bpf__)
#define BENCH_ENTRY(name) \
    __attribute__((section("mem"), used)) u64 bench_##name(u8 *mem __attribute__((unused)), u64 len __attribute__((unused)))
/* The input builder exists only natively; in the BPF object it compiles to nothing. */
#define BENCH_INPUT(name, bytes) \
    static inline __attribute__((unused)) void bench_##name##_input_unused(u8 *mem __attribute__((unused)), u64 len __attribute__((unused)))
char LICENSE[] __attribute__((section("license"), used)) = "Dual MIT/GPL";
#else
#define BENCH_ENTRY(name) \
    __attribute__((visibility("default"))) u64 bench_##name(u8 *mem __attribute__((unused)), u64 len __attribute__((unused)))
#define BENCH_INPUT(name, bytes)                                                      \
    __attribute__((visibility("default"))) const u64 bench_##name##_input_size = (bytes); \
    __attribute__((visibility("default"))) void bench_##name##_input(u8 *mem __attribute__((unused)), u64 len __attribute__((unused)))
#endif

/* Deterministic input: the same bytes for every engine and every run (xorshift64*). */
static inline u64 bench_random(u64 *state) {
    u64 x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
