// The test role's precompiled header: the library's, plus Catch2 (~17k lines per file).
#include "library.hpp"

#include <catch2/catch.hpp>
