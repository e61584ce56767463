// Lives in isa/, the lowest folder, so every part of the library can log.
#include "ebpfjit/log.hpp"

#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace ebpfjit {
namespace {

struct LogState {
    std::shared_ptr<spdlog::sinks::dist_sink_mt> fanout = std::make_shared<spdlog::sinks::dist_sink_mt>();
    std::shared_ptr<spdlog::logger> logger;

    LogState() {
        fanout->add_sink(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
        logger = std::make_shared<spdlog::logger>("ebpfjit", fanout);
        logger->set_level(spdlog::level::warn);
    }
};

LogState& state() {
    static LogState s;
    return s;
}

} // namespace

spdlog::logger& logger() { return *state().logger; }

void set_log_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
    std::vector<std::shared_ptr<spdlog::sinks::sink>> sinks;
    if (sink) sinks.push_back(std::move(sink));
    state().fanout->set_sinks(std::move(sinks));
}

void set_log_level(spdlog::level::level_enum level) { state().logger->set_level(level); }

} // namespace ebpfjit
