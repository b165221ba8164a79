// Driver of the fused attention (see attention.h): scratch, ISA choice and
// the partition over the thread pool. The arithmetic is in attention_impl.h.
#include "attention.h"

#include <stdlib.h>

#include <mutex>

#include "cpu_features.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

int64_t round_up16(int64_t a) { return (a + 15) / 16 * 16; }

// A grow-only 64-byte aligned float buffer, reused across calls (fresh pages
// cost ~100 us per MB, as much as a whole forward pass of the model's attention).
class Scratch {
 public:
  ~Scratch() { free(data_); }
  float* get(int64_t floats) {
    if (floats > capacity_) {
      free(data_);
      capacity_ = round_up16(floats + floats / 4);
      data_ = static_cast<float*>(aligned_alloc(64, size_t(capacity_) * sizeof(float)));
      if (!data_) abort();
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

// Guarded by ThreadPool::kernel_mutex().
Scratch g_workers;

const AttentionKernelSet& attention_kernels(Isa isa) {
  const AttentionKernelSet* ks = nullptr;
  if (isa == Isa::kAvx512) ks = attention_kernels_avx512();
  else if (isa == Isa::kAvx2) ks = attention_kernels_avx2();
  return ks ? *ks : *attention_kernels_scalar();
}

struct Job {
  const AttentionProblem* p;
  const AttentionKernelSet* ks;
  float* scratch;      // per worker: worker_stride
  int64_t worker_stride;
  int64_t query_block;   // queries per forward task
  int64_t query_blocks;  // per batch-head
};

void forward_task(void* ctx, int64_t t, int worker) {
  const Job& job = *static_cast<Job*>(ctx);
  const int64_t bh = t / job.query_blocks;
  const int64_t q0 = (t % job.query_blocks) * job.query_block;
  const int64_t rows = job.p->n - q0 < job.query_block ? job.p->n - q0 : job.query_block;
  job.ks->forward_block(*job.p, bh, q0, rows, job.scratch + worker * job.worker_stride);
}

void backward_task(void* ctx, int64_t bh, int worker) {
  const Job& job = *static_cast<Job*>(ctx);
  job.ks->backward_head(*job.p, bh, job.scratch + worker * job.worker_stride);
}

}  // namespace

void attention_forward(const AttentionProblem& p) {
  const int64_t bh = p.batch * p.heads;
  if (bh == 0 || p.n == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  Job job{};
  job.p = &p;
  job.ks = &attention_kernels(current_isa());
  job.worker_stride = round_up16(job.ks->forward_scratch_floats(p));
  job.scratch = g_workers.get(pool.size() * job.worker_stride);
  job.query_block = job.ks->query_block();
  job.query_blocks = (p.n + job.query_block - 1) / job.query_block;
  pool.run(bh * job.query_blocks, forward_task, &job);
}

void attention_backward(const AttentionProblem& p) {
  const int64_t bh = p.batch * p.heads;
  if (bh == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  Job job{};
  job.p = &p;
  job.ks = &attention_kernels(current_isa());
  job.worker_stride = round_up16(job.ks->backward_scratch_floats(p));
  job.scratch = g_workers.get(pool.size() * job.worker_stride);
  pool.run(bh, backward_task, &job);
}

}  // namespace spacetime
