// The library logger: default level warn, and an embedder can swap its sink.
#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "ebpfjit/log.hpp"

TEST_CASE("an embedder's sink receives the library's messages at warn and above") {
    std::ostringstream captured;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
    sink->set_pattern("%l %v");
    ebpfjit::set_log_sink(sink);

    CHECK(ebpfjit::logger().level() == spdlog::level::warn);
    ebpfjit::logger().info("hidden");
    ebpfjit::logger().warn("shown {}", 1);
    CHECK(captured.str() == "warning shown 1\n");

    ebpfjit::set_log_level(spdlog::level::debug);
    ebpfjit::logger().debug("now visible");
    CHECK(captured.str().find("debug now visible") != std::string::npos);

    ebpfjit::set_log_sink(nullptr); // discard
    ebpfjit::logger().error("dropped");
    CHECK(captured.str().find("dropped") == std::string::npos);
    ebpfjit::set_log_level(spdlog::level::warn);
}
