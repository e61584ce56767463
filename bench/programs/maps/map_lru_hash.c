/* BPF_MAP_TYPE_LRU_HASH: lookup, update, and update + delete of the same key. */
#include "map_bench.h"

MAP_DEF(BPF_MAP_TYPE_LRU_HASH);
MAP_LOOKUP(lru_hash)
MAP_UPDATE(lru_hash)
MAP_UPDATE_DELETE(lru_hash)
