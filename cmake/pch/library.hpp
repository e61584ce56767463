// Headers nearly every library file includes (cmake/BuildSpeed.cmake). Never add
// <linux/bpf.h> or libbpf/pcap headers: their BPF_* macros clash with isa/opcodes.hpp.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
