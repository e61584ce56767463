/* BPF_MAP_TYPE_PERCPU_ARRAY: lookup and update of this CPU's slot. */
#include "map_bench.h"

MAP_DEF(BPF_MAP_TYPE_PERCPU_ARRAY);
MAP_LOOKUP(percpu_array)
MAP_UPDATE(percpu_array)
