// Drivers of the broadcasting binary ops and the unary ops (see elementwise.h):
// the output is cut into fixed chunks of consecutive elements, one pool task
// each; a task walks its chunk row by row (a row = the innermost dimension)
// and hands each row to the ISA's row kernel.
#include "elementwise.h"

#include <algorithm>
#include <mutex>

#include "cpu_features.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

// Below this many outputs one thread does it all: waking the pool costs more
// than it saves (PERF_NOTES; ~16K elements is a few microseconds of work).
constexpr int64_t kParallelMinElements = 16384;
constexpr int64_t kChunkAlign = 64;

int64_t chunk_size(int64_t total, int threads) {
  if (threads == 1 || total < kParallelMinElements) return total;
  // ~4 chunks per thread evens out a busy core without much claiming overhead.
  const int64_t per = (total + 4 * threads - 1) / (4 * threads);
  return std::max<int64_t>(kParallelMinElements / 4, (per + kChunkAlign - 1) / kChunkAlign * kChunkAlign);
}

struct BinaryJob {
  const BinaryArgs* args;
  const ElementwiseKernelSet* ks;
  int64_t total, chunk;
};

void binary_range(const BinaryArgs& g, const ElementwiseKernelSet& ks, int64_t begin, int64_t end) {
  const int r = g.rank;
  const int64_t inner = g.shape[r - 1];
  const int sa = int(g.a_strides[r - 1]), sb = int(g.b_strides[r - 1]);
  // Multi-index of `begin` over the outer dimensions, and its input offsets.
  int64_t idx[kMaxBroadcastRank] = {0};
  int64_t rest = begin / inner;
  int64_t off_a = 0, off_b = 0;
  for (int d = r - 2; d >= 0; --d) {
    idx[d] = rest % g.shape[d];
    rest /= g.shape[d];
    off_a += idx[d] * g.a_strides[d];
    off_b += idx[d] * g.b_strides[d];
  }
  int64_t j = begin % inner;
  for (int64_t pos = begin; pos < end;) {
    const int64_t len = std::min(inner - j, end - pos);
    ks.binary_row(g.op, g.a + off_a + j * sa, sa, g.b + off_b + j * sb, sb, g.out + pos, len);
    pos += len;
    j = 0;
    for (int d = r - 2; d >= 0; --d) {  // odometer step over the outer dimensions
      off_a += g.a_strides[d];
      off_b += g.b_strides[d];
      if (++idx[d] < g.shape[d]) break;
      off_a -= idx[d] * g.a_strides[d];
      off_b -= idx[d] * g.b_strides[d];
      idx[d] = 0;
    }
  }
}

void run_binary_task(void* ctx, int64_t t, int) {
  const BinaryJob& job = *static_cast<BinaryJob*>(ctx);
  const int64_t begin = t * job.chunk;
  binary_range(*job.args, *job.ks, begin, std::min(job.total, begin + job.chunk));
}

struct UnaryJob {
  UnaryOp op;
  const float* x;
  float* out;
  const ElementwiseKernelSet* ks;
  int64_t total, chunk;
};

void run_unary_task(void* ctx, int64_t t, int) {
  const UnaryJob& job = *static_cast<UnaryJob*>(ctx);
  const int64_t begin = t * job.chunk;
  job.ks->unary(job.op, job.x + begin, job.out + begin, std::min(job.total, begin + job.chunk) - begin);
}

struct BiasGeluGradJob {
  const float *x, *bias, *dy;
  float* out;
  const ElementwiseKernelSet* ks;
  int64_t rows, cols, rows_per_task;
};

void run_bias_gelu_grad_task(void* ctx, int64_t t, int) {
  const BiasGeluGradJob& job = *static_cast<BiasGeluGradJob*>(ctx);
  for (int64_t r = t * job.rows_per_task; r < std::min(job.rows, (t + 1) * job.rows_per_task); ++r) {
    const int64_t o = r * job.cols;
    job.ks->bias_gelu_grad_row(job.x + o, job.bias, job.dy + o, job.out + o, job.cols);
  }
}

}  // namespace

void bias_gelu_grad(const float* x, const float* bias, const float* dy, float* out, int64_t rows, int64_t cols) {
  if (rows * cols == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  const int64_t per = std::max<int64_t>(1, chunk_size(rows * cols, pool.size()) / cols);
  BiasGeluGradJob job{x, bias, dy, out, &elementwise_kernels(current_isa()), rows, cols, per};
  pool.run((rows + per - 1) / per, run_bias_gelu_grad_task, &job);
}

void binary(const BinaryArgs& args) {
  int64_t total = 1;
  for (int d = 0; d < args.rank; ++d) total *= args.shape[d];
  if (total == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  BinaryJob job{&args, &elementwise_kernels(current_isa()), total, chunk_size(total, pool.size())};
  pool.run((total + job.chunk - 1) / job.chunk, run_binary_task, &job);
}

void unary(UnaryOp op, const float* x, float* out, int64_t n) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  UnaryJob job{op, x, out, &elementwise_kernels(current_isa()), n, chunk_size(n, pool.size())};
  pool.run((n + job.chunk - 1) / job.chunk, run_unary_task, &job);
}

}  // namespace spacetime
