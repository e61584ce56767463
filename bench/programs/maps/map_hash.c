/* BPF_MAP_TYPE_HASH: lookup, update, and update + delete of the same key. */
#include "map_bench.h"

MAP_DEF(BPF_MAP_TYPE_HASH);
MAP_LOOKUP(hash)
MAP_UPDATE(hash)
MAP_UPDATE_DELETE(hash)
