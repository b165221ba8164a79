// One persistent pool of worker threads shared by every kernel in the addon.
// Two competing pools cost PyTorch x3 on the 2-core machine (PERF_NOTES), so
// kernels never start threads of their own: they call ThreadPool::global().
//
// run(n, fn, ctx) calls fn(ctx, task, worker) once for each task in [0, n) and
// returns when all are done; the calling thread works too, as worker 0. Tasks
// are claimed dynamically, so a kernel that wants run-to-run identical results
// must make each task's arithmetic independent of which worker runs it (the
// GEMM does: one task owns one block of C and sums K in a fixed order).
#pragma once
#include <stdint.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace spacetime {

class ThreadPool {
 public:
  using TaskFn = void (*)(void* ctx, int64_t task, int worker);

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }
  void run(int64_t tasks, TaskFn fn, void* ctx);

  // The process-wide pool, created on first use with default_threads() threads.
  static ThreadPool& global();
  // Replaces the global pool (joins the old workers); waits for kernel_mutex().
  static void set_global_threads(int threads);
  // Held by every kernel call for its whole duration: run() is not re-entrant
  // and kernels keep shared scratch, so calls from several JS threads
  // (worker_threads) take turns.
  static std::mutex& kernel_mutex();
  // SPACETIME_THREADS if set and positive, else the CPUs this process may use.
  static int default_threads();

 private:
  void worker_main(int worker);
  void work_on(uint32_t generation, int worker);

  int threads_;
  std::vector<std::thread> workers_;
  // High 32 bits: job generation; low 32 bits: next unclaimed task. The
  // counters sit on separate cache lines so claiming and finishing tasks do
  // not bounce one line between cores.
  alignas(64) std::atomic<uint64_t> ticket_{0};
  std::atomic<int64_t> tasks_{0};
  alignas(64) std::atomic<int64_t> done_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace spacetime
