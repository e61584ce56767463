// A mem object opened through the C API for the duration of a test, and its programs.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>

#include "ebpfjit/ebpfjit.h"
#include "object_test_support.hpp"

namespace object_test {

struct CObject {
    ebpfjit_object* object = nullptr;
    // max_insns: the hardening's instruction budget (0: none asked for).
    explicit CObject(const char* stem, ebpfjit_engine engine = EBPFJIT_ENGINE_JIT, uint64_t max_insns = 0) {
        char err[256] = "";
        const ebpfjit_open_options options{"mem", engine, EBPFJIT_VERIFY_FULL, 0, 0};
        const ebpfjit_hardening hardening{0, 0, max_insns};
        object = ebpfjit_object_open_hardened(prog_path(stem).c_str(), &options, max_insns ? &hardening : nullptr,
                                              err, sizeof err);
        INFO(err);
        REQUIRE(object != nullptr);
    }
    CObject(const CObject&) = delete;
    CObject& operator=(const CObject&) = delete;
    ~CObject() { ebpfjit_object_close(object); }
    ebpfjit_program* program(const char* name) {
        char err[256] = "";
        ebpfjit_program* p = ebpfjit_object_program(object, name, err, sizeof err);
        INFO(err);
        REQUIRE(p != nullptr);
        return p;
    }
};

} // namespace object_test
