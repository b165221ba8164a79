// Driver of the fused AdamW update (see adamw.h): fixed chunks of consecutive
// elements, one pool task each, handed to the current ISA's loop.
#include "adamw.h"

#include <algorithm>
#include <mutex>

#include "cpu_features.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

// 16K floats per task (7 streams × 64 KB): independent of the thread count.
// A tensor below one chunk stays on the calling thread (waking the pool costs
// more than the few microseconds of work).
constexpr int64_t kChunk = 16384;

const AdamWKernelSet& adamw_kernels(Isa isa) {
  const AdamWKernelSet* ks = nullptr;
  if (isa == Isa::kAvx512) ks = adamw_kernels_avx512();
  if (isa == Isa::kAvx2) ks = adamw_kernels_avx2();
  return ks ? *ks : *adamw_kernels_scalar();
}

struct Job {
  const AdamWArgs* args;
  const AdamWKernelSet* ks;
};

void run_task(void* ctx, int64_t t, int) {
  const Job& job = *static_cast<Job*>(ctx);
  const AdamWArgs& a = *job.args;
  const int64_t begin = t * kChunk, len = std::min(a.n, begin + kChunk) - begin;
  job.ks->update(a.c, a.p + begin, a.m + begin, a.v + begin, a.g + begin, a.p_out + begin, a.m_out + begin,
                 a.v_out + begin, len);
}

}  // namespace

void adamw_update(const AdamWArgs& args) {
  if (args.n == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  Job job{&args, &adamw_kernels(current_isa())};
  const int64_t tasks = (args.n + kChunk - 1) / kChunk;
  if (tasks == 1) {
    run_task(&job, 0, 0);
    return;
  }
  ThreadPool::global().run(tasks, run_task, &job);
}

}  // namespace spacetime
