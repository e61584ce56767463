// The command-line role's precompiled header: the library's, plus CLI11 and nlohmann-json,
// which every verb includes (cmake/BuildSpeed.cmake).
#include "library.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
