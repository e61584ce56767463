// extern "C" face of socket_table.hpp (ebpfjit_sockets.h). Like c_api.cpp, no exception
// reaches a C caller.
#include "ebpfjit/ebpfjit_sockets.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "ebpfjit/socket_table.hpp"
#include "runtime/c_api_handles.hpp"

struct ebpfjit_socket_table {
    std::shared_ptr<ebpfjit::SocketTable> table;
};

namespace {

using ebpfjit::c_api::guarded;
using ebpfjit::c_api::set_error;

ebpfjit::SocketEndpoint endpoint(const uint8_t (&addr)[16], uint16_t port) {
    ebpfjit::SocketEndpoint e;
    std::memcpy(e.addr.data(), addr, 16);
    e.port = port;
    return e;
}

} // namespace

extern "C" {

ebpfjit_socket_table* ebpfjit_socket_table_new(void) {
    return guarded<>(static_cast<ebpfjit_socket_table*>(nullptr), nullptr, 0, [] {
        return new ebpfjit_socket_table{std::make_shared<ebpfjit::SocketTable>()};
    });
}

void ebpfjit_socket_table_free(ebpfjit_socket_table* table) { delete table; }

int ebpfjit_socket_table_add(ebpfjit_socket_table* table, const ebpfjit_socket* socket, uint64_t* cookie,
                             char* err, size_t err_size) {
    // guarded: any exception (std or not: the table's lock, an allocation, a format) is -1
    // with "internal error: ..." in the caller's buffer, never an unwind into C.
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!table || !socket) {
            set_error(err, err_size, "ebpfjit_socket_table_add: NULL table or socket");
            return -1;
        }
        if (socket->protocol != 6 && socket->protocol != 17) {
            set_error(err, err_size, "socket table: the protocol must be 6 (TCP) or 17 (UDP)");
            return -1;
        }
        ebpfjit::SocketSpec spec;
        spec.protocol = socket->protocol == 6 ? ebpfjit::SocketProtocol::Tcp : ebpfjit::SocketProtocol::Udp;
        spec.ipv6 = socket->ipv6 != 0;
        spec.state = uint8_t(socket->state);
        spec.local = endpoint(socket->local_addr, socket->local_port);
        spec.remote = endpoint(socket->remote_addr, socket->remote_port);
        spec.cookie = socket->cookie;
        spec.netns = socket->netns;
        spec.mark = socket->mark;
        spec.priority = socket->priority;
        auto added = table->table->add(spec);
        if (!added) {
            set_error(err, err_size, added.error().message);
            return -1;
        }
        if (cookie) *cookie = *added;
        return 0;
    });
}

int ebpfjit_socket_table_remove(ebpfjit_socket_table* table, uint64_t cookie) {
    if (!table) return -EINVAL;
    // Taking the table's lock may throw (std::system_error); this entry has no error
    // buffer, so that is -EIO rather than an unwind into C.
    return guarded<>(-EIO, nullptr, 0, [&]() -> int { return table->table->remove(cookie) ? 0 : -ENOENT; });
}

void ebpfjit_object_set_socket_table(ebpfjit_object* object, ebpfjit_socket_table* table) {
    if (!object) return;
    object->object.set_socket_table(table ? table->table : nullptr);
}

uint64_t ebpfjit_skb_socket_cookie(const ebpfjit_skb* skb) {
    if (!skb || !skb->skb.assigned_socket()) return 0;
    return skb->skb.assigned_socket()->spec.cookie;
}

} // extern "C"
