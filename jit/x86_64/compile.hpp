// The x86-64 backend's entry point: a Lowered program in, native code out.
#pragma once

#include <functional>
#include <string>

#include <asmjit/core.h>

#include "ebpfjit/error.hpp"
#include "jit/compiled_program.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit::x86_64 {

struct Options {
    // shlx/shrx/sarx for variable shifts; default: when the host CPU has BMI2.
    bool bmi2 = asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kBMI2);
    // Optional listing of the final pass, with `annotate(slot)` as a comment before each
    // slot's code (e.g. the eBPF instruction's text).
    asmjit::StringLogger* logger = nullptr;
    std::function<std::string(uint32_t slot)> annotate;
};

Result<CompiledProgram> compile(const Lowered& lowered, const Options& options = {});

} // namespace ebpfjit::jit::x86_64
