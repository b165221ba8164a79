// Driver of the fused EMA update (see ema.h): fixed chunks of consecutive
// elements, one pool task each, handed to the current ISA's loop.
#include "ema.h"

#include <algorithm>
#include <mutex>

#include "cpu_features.h"
#include "ema_kernels.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

// 32K floats per task (3 streams × 128 KB): independent of the thread count. A
// tensor below one chunk stays on the calling thread.
constexpr int64_t kChunk = 32768;

const EmaKernelSet& ema_kernels(Isa isa) {
  const EmaKernelSet* ks = nullptr;
  if (isa == Isa::kAvx512) ks = ema_kernels_avx512();
  if (isa == Isa::kAvx2) ks = ema_kernels_avx2();
  return ks ? *ks : *ema_kernels_scalar();
}

struct Job {
  const EmaArgs* args;
  const EmaKernelSet* ks;
};

void run_task(void* ctx, int64_t t, int) {
  const Job& job = *static_cast<Job*>(ctx);
  const EmaArgs& a = *job.args;
  const int64_t begin = t * kChunk, len = std::min(a.n, begin + kChunk) - begin;
  job.ks->update(a.s + begin, a.p + begin, a.out + begin, a.decay, a.one_minus_decay, len);
}

}  // namespace

void ema_update(const EmaArgs& args) {
  if (args.n == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  Job job{&args, &ema_kernels(current_isa())};
  const int64_t tasks = (args.n + kChunk - 1) / kChunk;
  if (tasks == 1) {
    run_task(&job, 0, 0);
    return;
  }
  ThreadPool::global().run(tasks, run_task, &job);
}

}  // namespace spacetime
