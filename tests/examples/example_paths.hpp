// Where the example objects, captures and map-init files live.
#pragma once

#include <string>

namespace example_paths {

inline std::string object(const std::string& name) {
    return std::string(EBPFJIT_EXAMPLES_DIR) + "/" + name + ".o";
}
inline std::string pcap(const std::string& name) {
    return std::string(EBPFJIT_SOURCE_DIR) + "/examples/pcaps/" + name + ".pcap";
}
inline std::string map_init(const std::string& example) {
    return std::string(EBPFJIT_SOURCE_DIR) + "/examples/" + example + ".maps.json";
}

} // namespace example_paths
