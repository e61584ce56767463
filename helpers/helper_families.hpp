// Each helper family adds its helpers to the table (HelperTable::builtin() calls them all).
#pragma once

#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {

// map lookup/update/delete, push/pop/peek, spin_lock/unlock, lookup_percpu_elem, ringbuf_*.
void register_map_helpers(HelperTable& table);

} // namespace ebpfjit::helpers
