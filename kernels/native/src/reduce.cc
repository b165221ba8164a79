// Sum (and Mean) over a contiguous run of axes (see elementwise.h), x viewed
// as [outer, reduced, inner].
//
// The order of addition depends on the shape only: the reduced axis is cut
// into fixed blocks, each block summed on its own (one pool task), and the
// block sums added in block order. More blocks than threads keeps both cores
// busy on the model's shapes (bias gradients are [2048, D] summed over rows),
// and blocking also shortens the sequential chains (better accuracy).
#include <string.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "cpu_features.h"
#include "elementwise.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

constexpr int64_t kParallelMinElements = 16384;  // as elementwise.cc
constexpr int64_t kRowBlock = 4096;    // inner == 1: elements per block sum
constexpr int64_t kRowsPerBlock = 128; // inner > 1: rows per block sum
constexpr int64_t kInnerChunk = 2048;  // inner > 1: columns per task

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::vector<float> g_partials;  // guarded by ThreadPool::kernel_mutex()

struct Job {
  const ElementwiseKernelSet* ks;
  const float* x;
  float* out;
  float* partials;
  int64_t outer, reduced, inner, blocks, chunks;
  bool mean;
};

// --- inner == 1: one output per row of `reduced` contiguous values ---------

void finish_row(const Job& j, int64_t o, const float* block_sums) {
  float s = 0;
  for (int64_t b = 0; b < j.blocks; ++b) s += block_sums[b];
  j.out[o] = j.mean ? s / float(j.reduced) : s;
}

float block_sum(const Job& j, int64_t o, int64_t b) {
  const int64_t r0 = b * kRowBlock;
  return j.ks->sum_row(j.x + o * j.reduced + r0, std::min(kRowBlock, j.reduced - r0));
}

// Task = a group of whole rows (many rows).
void rows_task(void* ctx, int64_t t, int) {
  const Job& j = *static_cast<Job*>(ctx);
  float sums[64];
  const int64_t per = j.chunks;  // rows per task
  for (int64_t o = t * per; o < std::min(j.outer, (t + 1) * per); ++o) {
    float s = 0;
    for (int64_t b = 0; b < j.blocks; b += 64) {
      const int64_t nb = std::min<int64_t>(64, j.blocks - b);
      for (int64_t k = 0; k < nb; ++k) sums[k] = block_sum(j, o, b + k);
      for (int64_t k = 0; k < nb; ++k) s += sums[k];
    }
    j.out[o] = j.mean ? s / float(j.reduced) : s;
  }
}

// Task = one block of one row (few long rows); finished serially after.
void row_block_task(void* ctx, int64_t t, int) {
  const Job& j = *static_cast<Job*>(ctx);
  j.partials[t] = block_sum(j, t / j.blocks, t % j.blocks);
}

// --- inner > 1: out[o, :] = Σ_r x[o, r, :], vectorised along inner ----------

// Task = (o, block, chunk): partials[o, block, chunk] = Σ over the block's rows, in order.
void column_block_task(void* ctx, int64_t t, int) {
  const Job& j = *static_cast<Job*>(ctx);
  const int64_t c = t % j.chunks, b = (t / j.chunks) % j.blocks, o = t / (j.chunks * j.blocks);
  const int64_t c0 = c * kInnerChunk, n = std::min(kInnerChunk, j.inner - c0);
  const int64_t r0 = b * kRowsPerBlock, r1 = std::min(j.reduced, r0 + kRowsPerBlock);
  float* acc = j.blocks == 1 ? j.out + o * j.inner + c0 : j.partials + (o * j.blocks + b) * j.inner + c0;
  const float* src = j.x + (o * j.reduced + r0) * j.inner + c0;
  memcpy(acc, src, size_t(n) * sizeof(float));
  for (int64_t r = r0 + 1; r < r1; ++r) j.ks->add_into(src += j.inner, acc, n);
  if (j.blocks == 1 && j.mean)
    for (int64_t i = 0; i < n; ++i) acc[i] /= float(j.reduced);
}

// Task = (o, chunk): out[o, chunk] = Σ_b partials[o, b, chunk], in block order.
void column_finish_task(void* ctx, int64_t t, int) {
  const Job& j = *static_cast<Job*>(ctx);
  const int64_t c = t % j.chunks, o = t / j.chunks;
  const int64_t c0 = c * kInnerChunk, n = std::min(kInnerChunk, j.inner - c0);
  float* dst = j.out + o * j.inner + c0;
  const float* p = j.partials + o * j.blocks * j.inner + c0;
  memcpy(dst, p, size_t(n) * sizeof(float));
  for (int64_t b = 1; b < j.blocks; ++b) j.ks->add_into(p + b * j.inner, dst, n);
  if (j.mean)
    for (int64_t i = 0; i < n; ++i) dst[i] /= float(j.reduced);
}

void run(ThreadPool& pool, bool serial, int64_t tasks, ThreadPool::TaskFn fn, Job* job) {
  if (serial) for (int64_t t = 0; t < tasks; ++t) fn(job, t, 0);
  else pool.run(tasks, fn, job);
}

}  // namespace

void reduce_sum(const float* x, float* out, int64_t outer, int64_t reduced, int64_t inner, bool mean) {
  if (outer == 0 || inner == 0) return;
  if (reduced == 0) {  // an empty sum; the mean of nothing is NaN, as 0/0
    std::fill(out, out + outer * inner, mean ? 0.0f / 0.0f : 0.0f);
    return;
  }
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  const int threads = pool.size();
  const bool serial = threads == 1 || outer * reduced * inner < kParallelMinElements;
  Job job{&elementwise_kernels(current_isa()), x, out, nullptr, outer, reduced, inner, 0, 0, mean};

  if (inner == 1) {
    job.blocks = ceil_div(reduced, kRowBlock);
    if (outer >= 4 * threads || serial) {
      job.chunks = serial ? outer : ceil_div(outer, 4 * threads);  // rows per task
      run(pool, serial, ceil_div(outer, job.chunks), rows_task, &job);
    } else {
      g_partials.resize(size_t(outer * job.blocks));
      job.partials = g_partials.data();
      pool.run(outer * job.blocks, row_block_task, &job);
      for (int64_t o = 0; o < outer; ++o) finish_row(job, o, job.partials + o * job.blocks);
    }
    return;
  }

  job.blocks = ceil_div(reduced, kRowsPerBlock);
  job.chunks = ceil_div(inner, kInnerChunk);
  if (job.blocks > 1) {
    g_partials.resize(size_t(outer * job.blocks * inner));
    job.partials = g_partials.data();
  }
  run(pool, serial, outer * job.blocks * job.chunks, column_block_task, &job);
  if (job.blocks > 1) run(pool, serial || outer * inner < kParallelMinElements, outer * job.chunks, column_finish_task, &job);
}

}  // namespace spacetime
