#include "helpers/trace_output.hpp"

#include <cstdio>
#include <mutex>

namespace ebpfjit::helpers {
namespace {

std::mutex& sink_mutex() {
    static std::mutex m;
    return m;
}

TraceSink& sink() {
    static TraceSink s;
    return s;
}

} // namespace

void set_trace_sink(TraceSink s) {
    std::lock_guard lock(sink_mutex());
    sink() = std::move(s);
}

void emit_trace(std::string_view message) {
    std::lock_guard lock(sink_mutex());
    if (sink()) {
        sink()(message);
        return;
    }
    // Program output, not a diagnostic: the documented default destination is stderr.
    std::fwrite(message.data(), 1, message.size(), stderr);
}

} // namespace ebpfjit::helpers
