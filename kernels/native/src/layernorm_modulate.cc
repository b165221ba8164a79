// Driver of the fused LayerNorm + modulate (see layernorm_modulate.h): chunks
// of kRows rows of one batch entry, one pool task each, handed to the current
// ISA's row loops. The backward gives each chunk its own dscale/dshift rows in
// a scratch buffer and adds them up per batch entry in chunk order.
#include "layernorm_modulate.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "cpu_features.h"
#include "layernorm_modulate_kernels.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

// 32 rows per task (24 KB of x at d = 192): 64 tasks for the reference model's
// [8, 256, 192], independent of the thread count. Below kSerial values the
// calling thread does everything (waking the pool costs more).
constexpr int64_t kRows = 32;
constexpr int64_t kSerial = 16384;

const LayerNormModulateKernelSet& kernels(Isa isa) {
  const LayerNormModulateKernelSet* ks = nullptr;
  if (isa == Isa::kAvx512) ks = layernorm_modulate_kernels_avx512();
  if (isa == Isa::kAvx2) ks = layernorm_modulate_kernels_avx2();
  return ks ? *ks : *layernorm_modulate_kernels_scalar();
}

int64_t chunks_per_entry(int64_t tokens) { return (tokens + kRows - 1) / kRows; }

// Task t: batch entry b = t / chunks, rows [r0, r0 + len) of it.
struct Chunk {
  int64_t b, r0, len;
};
Chunk chunk_of(int64_t t, int64_t tokens) {
  const int64_t chunks = chunks_per_entry(tokens);
  const int64_t b = t / chunks, r0 = (t % chunks) * kRows;
  return {b, r0, std::min(tokens, r0 + kRows) - r0};
}

void run_tasks(int64_t tasks, int64_t values, ThreadPool::TaskFn fn, void* ctx) {
  if (values < kSerial) {
    for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  ThreadPool::global().run(tasks, fn, ctx);
}

struct ForwardJob {
  const LayerNormModulateArgs* a;
  const LayerNormModulateKernelSet* ks;
};

void forward_task(void* ctx, int64_t t, int) {
  const ForwardJob& job = *static_cast<ForwardJob*>(ctx);
  const LayerNormModulateArgs& a = *job.a;
  const Chunk c = chunk_of(t, a.tokens);
  const int64_t row = c.b * a.tokens + c.r0;
  job.ks->forward(a.x + row * a.d, a.shift + c.b * a.d, a.scale + c.b * a.d, a.eps, a.y + row * a.d, a.mean + row,
                  a.rstd + row, c.len, a.d);
}

struct BackwardJob {
  const LayerNormModulateGradArgs* a;
  const LayerNormModulateKernelSet* ks;
  float* partial;  // [tasks, 2, d]: each chunk's dscale then dshift
};

void backward_task(void* ctx, int64_t t, int) {
  const BackwardJob& job = *static_cast<BackwardJob*>(ctx);
  const LayerNormModulateGradArgs& a = *job.a;
  const Chunk c = chunk_of(t, a.tokens);
  const int64_t row = c.b * a.tokens + c.r0;
  float* dscale = job.partial + t * 2 * a.d;
  std::fill(dscale, dscale + 2 * a.d, 0.0f);
  job.ks->backward(a.x + row * a.d, a.scale + c.b * a.d, a.mean + row, a.rstd + row, a.dy + row * a.d,
                   a.dx + row * a.d, dscale, dscale + a.d, c.len, a.d);
}

}  // namespace

void layernorm_modulate_forward(const LayerNormModulateArgs& args) {
  if (args.batch * args.tokens * args.d == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ForwardJob job{&args, &kernels(current_isa())};
  run_tasks(args.batch * chunks_per_entry(args.tokens), args.batch * args.tokens * args.d, forward_task, &job);
}

void layernorm_modulate_backward(const LayerNormModulateGradArgs& args) {
  const int64_t d = args.d;
  std::fill(args.dscale, args.dscale + args.batch * d, 0.0f);
  std::fill(args.dshift, args.dshift + args.batch * d, 0.0f);
  if (args.batch * args.tokens * d == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  const int64_t chunks = chunks_per_entry(args.tokens), tasks = args.batch * chunks;
  std::vector<float> partial(size_t(tasks * 2 * d));
  BackwardJob job{&args, &kernels(current_isa()), partial.data()};
  run_tasks(tasks, args.batch * args.tokens * d, backward_task, &job);
  for (int64_t b = 0; b < args.batch; ++b)  // each entry's chunks, in order
    for (int64_t c = 0; c < chunks; ++c) {
      const float* p = partial.data() + (b * chunks + c) * 2 * d;
      float *ds = args.dscale + b * d, *dh = args.dshift + b * d;
      for (int64_t i = 0; i < d; ++i) {
        ds[i] += p[i];
        dh[i] += p[d + i];
      }
    }
}

}  // namespace spacetime
