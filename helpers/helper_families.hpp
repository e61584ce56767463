// One registration function per helper family, each in its own file
// (helpers/<family>_helpers.cpp). HelperTable::builtin() calls them all; a new family
// adds its declaration here and one line there.
#pragma once

#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {

void register_time_helpers(HelperTable& table); // ktime_get_*_ns
// map lookup/update/delete, push/pop/peek, spin_lock/unlock, lookup_percpu_elem, ringbuf_*.
void register_map_helpers(HelperTable& table);
// 7 get_prandom_u32, 8 get_smp_processor_id, 14 get_current_pid_tgid, 15 get_current_uid_gid,
// 16 get_current_comm, 42 get_numa_node_id, 118 jiffies64, 125 ktime_get_boot_ns,
// 208 ktime_get_tai_ns.
void register_identity_helpers(HelperTable& table);
// 4 probe_read, 112-115 probe_read_{user,kernel}[_str].
void register_memory_helpers(HelperTable& table);
// 105 strtol, 106 strtoul, 182 strncmp.
void register_string_helpers(HelperTable& table);
// 6 trace_printk, 165 snprintf, 177 trace_vprintk.
void register_print_helpers(HelperTable& table);
// 25 perf_event_output.
void register_perf_helpers(HelperTable& table);
// 28 csum_diff, 40 csum_update, 9 skb_store_bytes, 26 skb_load_bytes, 10/11 l3/l4_csum_replace,
// 39 skb_pull_data.
void register_skb_helpers(HelperTable& table);
// 44 xdp_adjust_head, 54 xdp_adjust_meta, 65 xdp_adjust_tail, 188 xdp_get_buff_len,
// 189/190 xdp_load_bytes / xdp_store_bytes.
void register_xdp_helpers(HelperTable& table);
// 23 redirect, 51 redirect_map, 155 redirect_peer, 152 redirect_neigh, 13 clone_redirect.
void register_redirect_helpers(HelperTable& table);
// 34 get_hash_recalc, 41 set_hash, 48 set_hash_invalid, 32 skb_change_type, 17 get_cgroup_classid,
// 24 get_route_realm, 79 skb_cgroup_id, 33 skb_under_cgroup, 46 get_socket_cookie, 122 get_netns_cookie, 135 csum_level,
// 97 skb_ecn_set_ce, 68 skb_load_bytes_relative.
void register_skb_meta_helpers(HelperTable& table);
// 43 skb_change_head, 38 skb_change_tail, 50 skb_adjust_room, 31 skb_change_proto,
// 18/19 skb_vlan_push / skb_vlan_pop (all change packet data).
void register_skb_resize_helpers(HelperTable& table);
// 20/21 skb_get/set_tunnel_key, 29/30 skb_get/set_tunnel_opt.
void register_tunnel_helpers(HelperTable& table);
// 69 fib_lookup, 163 check_mtu (OpenOptions::network).
void register_route_helpers(HelperTable& table);
// 164 for_each_map_elem, 181 loop: call back into the program (ExecutionState hook).
void register_callback_helpers(HelperTable& table);
// 169 timer_init, 170 timer_set_callback, 171 timer_start, 172 timer_cancel (the map's
// runtime/maps/timer_table.hpp; callbacks run when the embedder runs due timers).
void register_timer_helpers(HelperTable& table);
// 84/85 sk_lookup_tcp/udp, 86 sk_release, 99 skc_lookup_tcp, 124 sk_assign: over the
// embedder's SocketTable (ExecutionState::sockets); the socket sk_assign sets is what
// 46 get_socket_cookie (register_skb_meta_helpers) answers first.
void register_socket_helpers(HelperTable& table);
// 95 sk_fullsock (tc): a socket pointer (skb->sk) as a full socket, or NULL.
void register_socket_cast_helpers(HelperTable& table);
// 64 bind (cgroup/connect4, cgroup/connect6).
void register_cgroup_sock_helpers(HelperTable& table);

} // namespace ebpfjit::helpers
