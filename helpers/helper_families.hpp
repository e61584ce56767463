// One registration function per helper family, each in its own file
// (helpers/<family>_helpers.cpp). HelperTable::builtin() calls them all; a new family
// adds its declaration here and one line there.
#pragma once

#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {

void register_time_helpers(HelperTable& table); // ktime_get_*_ns
// map lookup/update/delete, push/pop/peek, spin_lock/unlock, lookup_percpu_elem, ringbuf_*.
void register_map_helpers(HelperTable& table);

} // namespace ebpfjit::helpers
