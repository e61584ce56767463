// verdict: accept
// xdp_byte_scan_flags.c over up to 1,500 bytes (bmc-cache scans its whole payload): the
// loop head holds a checkpoint for every few trips of the path being walked; counting
// those against the point's 64 states dropped the completed states of the earlier trips
// (pruning_parity_test: past 1M processed when it did, Linux 6.18 534,573, here 583,445).
#define MAXLEN 1500
#include "xdp_byte_scan_flags.c"
