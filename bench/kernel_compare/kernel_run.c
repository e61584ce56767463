/* The XDP wrapper of one suite program for `ebpfjit bench --peers` (the kernel column).
 * bench/programs/CMakeLists.txt builds it once per program:
 *   clang ... -DBENCH_NAME=prime -include kernel_wrapper.h -include ../programs/prime.c kernel_run.c
 * (the wrapper header first: it switches bench_program.h to its kernel form). */
KERNEL_RUN_WRAPPER_OF(BENCH_NAME)
