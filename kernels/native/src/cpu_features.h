// Which instruction set the kernels use: detected once at run time, so one
// binary runs on AVX-512, AVX2-only and non-x86 machines. SPACETIME_ISA
// (avx512 | avx2 | scalar) picks a lower one at load; set_isa() changes it
// later (the parity tests run every path this way).
#pragma once
#include "elementwise_kernels.h"
#include "gemm_kernels.h"

namespace spacetime {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

const char* isa_name(Isa isa);
bool parse_isa(const char* name, Isa* out);
// Compiled into this build and supported by this CPU and OS.
bool isa_available(Isa isa);
Isa best_isa();
// The ISA kernels use now: SPACETIME_ISA when set and available, else best_isa().
Isa current_isa();
bool set_isa(Isa isa);  // false (and no change) when not available
// Note about SPACETIME_ISA being ignored (empty when it was honoured or unset).
const char* isa_env_note();
const GemmKernelSet& gemm_kernels(Isa isa);
const ElementwiseKernelSet& elementwise_kernels(Isa isa);

}  // namespace spacetime
