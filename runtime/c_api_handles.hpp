// The C API's handles (ebpfjit.h's opaque structs), shared by the files implementing it
// (c_api.cpp, c_api_sockets.cpp).
#pragma once

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit.hpp"
#include "runtime/run/lean_run.hpp"

struct ebpfjit_program {
    ebpfjit::Program program;
    // The lean entry of a mem program on its JIT code (runtime/run/lean_run.hpp), else
    // empty: ebpfjit_program_run_mem's fast path, read from the handle the caller holds.
    ebpfjit::runtime::LeanEntry lean = {};
    // lean.c_entry (stackless code of a bounded size: jit::wants_c_entry), else null: the
    // fast path's one load and test, and the address it tail-jumps to.
    ebpfjit::engine_abi::CEntryFn c_entry = nullptr;
};

struct ebpfjit_map {
    ebpfjit::MapRef map;
};

struct ebpfjit_xdp_frame {
    ebpfjit::XdpFrame frame;
};

struct ebpfjit_skb {
    ebpfjit::SkbPacket skb;
};

struct ebpfjit_network {
    std::shared_ptr<ebpfjit::HostNetwork> network = std::make_shared<ebpfjit::HostNetwork>();
};

struct ebpfjit_object {
    ebpfjit::Object object;
    std::map<std::string, std::unique_ptr<ebpfjit_program>, std::less<>> programs;
    std::map<std::string, std::unique_ptr<ebpfjit_map>, std::less<>> maps;
};

namespace ebpfjit::c_api {

// The C API's one-line error into the caller's buffer (NULL or 0 bytes: dropped), truncated.
inline void set_error(char* err, size_t err_size, const std::string& message) {
    if (!err || err_size == 0) return;
    const size_t n = std::min(message.size(), err_size - 1);
    std::memcpy(err, message.data(), n);
    err[n] = '\0';
}

// Runs an entry point's body so that no exception reaches the C caller: an exception
// becomes "internal error: ..." in the caller's buffer and `on_exception` is returned.
template <class F, class R>
R guarded(R on_exception, char* err, size_t err_size, F&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        set_error(err, err_size, std::string("internal error: ") + e.what());
    } catch (...) {
        set_error(err, err_size, "internal error");
    }
    return on_exception;
}

} // namespace ebpfjit::c_api
