/* BPF_MAP_TYPE_PERCPU_HASH: lookup, update, and update + delete of the same key. */
#include "map_bench.h"

MAP_DEF(BPF_MAP_TYPE_PERCPU_HASH);
MAP_LOOKUP(percpu_hash)
MAP_UPDATE(percpu_hash)
MAP_UPDATE_DELETE(percpu_hash)
