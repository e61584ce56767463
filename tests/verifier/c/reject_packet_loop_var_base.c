// verdict: reject packet out of bounds
// Unsafe twin of xdp_checksum_entries.c's csum_entries_var_base (a checksum loop over a
// base pointer whose offset is 0 or 4, entered on several paths; the walk gives up at
// the loop and the loop pass runs): each trip reads 4 bytes where its data_end check
// proves 2. Rejected by every pass. Own code.
#define INET_READ __u32
#include "xdp_checksum_entries.c"
