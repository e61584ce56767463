// One registration function per helper family, each in its own file
// (helpers/<family>_helpers.cpp). HelperTable::builtin() calls them all; a new family
// adds its declaration here and one line there.
#pragma once

namespace ebpfjit::helpers {

class HelperTable;

void register_time_helpers(HelperTable& table); // ktime_get_*_ns

} // namespace ebpfjit::helpers
