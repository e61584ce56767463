/* BPF_MAP_TYPE_ARRAY: lookup and update (array entries cannot be deleted). */
#include "map_bench.h"

MAP_DEF(BPF_MAP_TYPE_ARRAY);
MAP_LOOKUP(array)
MAP_UPDATE(array)
