// Where bpf_trace_printk and bpf_trace_vprintk output goes. The kernel writes to the
// tracefs trace pipe; an embedder picks a sink (a log, a test buffer). Default: stderr,
// each message written as the program formatted it (programs end lines with "\n").
#pragma once

#include <functional>
#include <string_view>

namespace ebpfjit::helpers {

using TraceSink = std::function<void(std::string_view message)>;

// Replaces the process-wide sink; an empty function restores stderr. Sinks are called
// one at a time (serialised), from whichever worker thread runs the program.
void set_trace_sink(TraceSink sink);

// Sends one message to the current sink.
void emit_trace(std::string_view message);

} // namespace ebpfjit::helpers
