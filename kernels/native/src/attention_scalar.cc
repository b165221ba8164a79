// Baseline build of the fused-attention kernels: 4-lane vector extensions with
// no -m flags (SSE2 on x86-64, generic code elsewhere; no FMA), so the addon
// works on any CPU. Chosen when SPACETIME_ISA=scalar or nothing better exists.
#include "attention_kernels.h"

#define SPACETIME_VECTOR_BYTES 16
#include "attention_impl.h"

namespace spacetime {
const AttentionKernelSet* attention_kernels_scalar() { return &kAttentionSet; }
}  // namespace spacetime
