// The library's one logger. Every diagnostic of ebpfjit goes through it; an embedder
// redirects it with set_log_sink() and tunes it with set_log_level().
//
//   ebpfjit code ──► logger() "ebpfjit" ──► dist_sink ──► stderr (default) | embedder's sink
//
// The logger's own sink list never changes (spdlog does not guard it); swapping happens
// inside the dist_sink, which is mutex-protected, so it is safe while other threads log.
#pragma once

#include <memory>

#include <spdlog/common.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

namespace ebpfjit {

// Not registered in spdlog's global registry, so it never clashes with the embedder's.
spdlog::logger& logger();

// Replaces where the library's messages go (nullptr: discard them).
void set_log_sink(std::shared_ptr<spdlog::sinks::sink> sink);

// Default: warn.
void set_log_level(spdlog::level::level_enum level);

} // namespace ebpfjit
