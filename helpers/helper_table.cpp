#include "helpers/helper_table.hpp"

#include "helpers/helper_families.hpp"

namespace ebpfjit::helpers {

const HelperTable& HelperTable::builtin() {
    static const HelperTable table = [] {
        HelperTable t;
        register_time_helpers(t);
        register_map_helpers(t);
        return t;
    }();
    return table;
}

} // namespace ebpfjit::helpers
