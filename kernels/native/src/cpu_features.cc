// Runtime ISA detection and the current-ISA switch (see cpu_features.h).
#include "cpu_features.h"

#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <string>

namespace spacetime {
namespace {

bool cpu_has_avx512() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  // libgcc also checks that the OS saves the zmm state (XCR0).
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_has_avx2() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

std::string g_env_note;

Isa initial_isa() {
  const char* env = getenv("SPACETIME_ISA");
  if (env && *env) {
    Isa wanted;
    if (!parse_isa(env, &wanted)) {
      g_env_note = std::string("SPACETIME_ISA=") + env + " is not one of avx512, avx2, scalar; using " + isa_name(best_isa());
    } else if (!isa_available(wanted)) {
      g_env_note = std::string("SPACETIME_ISA=") + env + " is not available on this machine; using " + isa_name(best_isa());
    } else {
      return wanted;
    }
  }
  return best_isa();
}

std::atomic<int> g_isa{int(initial_isa())};

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "scalar";
  }
}

bool parse_isa(const char* name, Isa* out) {
  if (strcmp(name, "avx512") == 0) *out = Isa::kAvx512;
  else if (strcmp(name, "avx2") == 0) *out = Isa::kAvx2;
  else if (strcmp(name, "scalar") == 0) *out = Isa::kScalar;
  else return false;
  return true;
}

bool isa_available(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return gemm_kernels_avx512() && elementwise_kernels_avx512() && cpu_has_avx512();
    case Isa::kAvx2: return gemm_kernels_avx2() && elementwise_kernels_avx2() && cpu_has_avx2();
    default: return true;
  }
}

Isa best_isa() {
  if (isa_available(Isa::kAvx512)) return Isa::kAvx512;
  if (isa_available(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa current_isa() { return Isa(g_isa.load()); }

bool set_isa(Isa isa) {
  if (!isa_available(isa)) return false;
  g_isa.store(int(isa));
  return true;
}

const char* isa_env_note() { return g_env_note.c_str(); }

const GemmKernelSet& gemm_kernels(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return *gemm_kernels_avx512();
    case Isa::kAvx2: return *gemm_kernels_avx2();
    default: return *gemm_kernels_scalar();
  }
}

const ElementwiseKernelSet& elementwise_kernels(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return *elementwise_kernels_avx512();
    case Isa::kAvx2: return *elementwise_kernels_avx2();
    default: return *elementwise_kernels_scalar();
  }
}

}  // namespace spacetime
