// verdict: reject packet out of bounds
// Unsafe twin of xdp_loop_entry_rewritten.c: its checksum loop reads 4 bytes where it
// checked 2, on every entry the head holds already (loop_heads.cpp must not let such an
// entry end at the head unless the head's state is what it was checked with).
#define LOOP_READ __u32
#define LOOP_PROG loop_entry_rewritten_overread
#include "xdp_loop_entry_rewritten.c"
