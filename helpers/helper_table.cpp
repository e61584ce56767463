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
        register_socket_cast_helpers(t);
        register_cgroup_sock_helpers(t);
        return t;
    }();
    return table;
}

Helper on_map_type(const Helper& h, uint32_t map_type) {
    const SocketMapRole& role = h.on_socket_maps;
    if (!(role.map_types & map_type_bit(map_type))) return h;
    Helper out = h;
    out.allowed &= role.allowed;
    out.proto.ret = role.ret;
    out.proto.args = role.args;
    out.proto.refs = role.refs;
    return out;
}

} // namespace ebpfjit::helpers
