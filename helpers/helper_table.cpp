#include "helpers/helper_table.hpp"

#include "helpers/helper_families.hpp"

namespace ebpfjit::helpers {

const HelperTable& HelperTable::builtin() {
    static const HelperTable table = [] {
        HelperTable t;
        register_time_helpers(t);
        register_map_helpers(t);
        register_identity_helpers(t);
        register_memory_helpers(t);
        register_string_helpers(t);
        register_print_helpers(t);
        register_perf_helpers(t);
        register_skb_helpers(t);
        register_xdp_helpers(t);
        register_redirect_helpers(t);
        register_skb_meta_helpers(t);
        register_skb_resize_helpers(t);
        register_tunnel_helpers(t);
        register_route_helpers(t);
        register_callback_helpers(t);
        register_timer_helpers(t);
        register_socket_helpers(t);
        register_cgroup_sock_helpers(t);
        return t;
    }();
    return table;
}

} // namespace ebpfjit::helpers
