// Implementation of the shared pool (see thread_pool.h). Workers spin for a
// short while after a job (back-to-back kernel calls from JS are common), then
// sleep on a condition variable so an idle pool costs no CPU.
#include "thread_pool.h"

#include <stdlib.h>

#include <chrono>
#include <memory>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SPACETIME_PAUSE() _mm_pause()
#else
#define SPACETIME_PAUSE() std::this_thread::yield()
#endif

namespace spacetime {
namespace {

constexpr auto kSpinBeforeSleep = std::chrono::microseconds(100);
constexpr int kMaxThreads = 256;

uint32_t generation_of(uint64_t ticket) { return uint32_t(ticket >> 32); }

// Leaked on purpose: joining threads from a static destructor at process exit
// can deadlock; the OS reclaims them.
ThreadPool* g_pool = nullptr;
std::mutex g_pool_mu;

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads > kMaxThreads ? kMaxThreads : threads) {
  for (int w = 1; w < threads_; ++w) workers_.emplace_back([this, w] { worker_main(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

// Claims tasks of job `generation` until none are left or a newer job started.
// The compare-exchange on the whole ticket fails if the generation moved on, so
// a late worker can never run a task of the wrong job; fn_/ctx_ are read only
// after a successful claim, when the job cannot have finished yet.
void ThreadPool::work_on(uint32_t generation, int worker) {
  uint64_t t = ticket_.load(std::memory_order_acquire);
  while (generation_of(t) == generation) {
    const int64_t task = int64_t(uint32_t(t));
    if (task >= tasks_.load(std::memory_order_acquire)) return;
    if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) {
      fn_(ctx_, task, worker);
      done_.fetch_add(1, std::memory_order_release);
      t = ticket_.load(std::memory_order_acquire);
    }
  }
}

void ThreadPool::worker_main(int worker) {
  uint32_t seen = 0;
  for (;;) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    int spins = 0;
    while (generation_of(ticket_.load(std::memory_order_acquire)) == seen && !stop_.load()) {
      SPACETIME_PAUSE();
      if (++spins % 64 == 0 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return stop_.load() || generation_of(ticket_.load()) != seen; });
        sleepers_.fetch_sub(1);
      }
    }
    if (stop_.load()) return;
    seen = generation_of(ticket_.load(std::memory_order_acquire));
    work_on(seen, worker);
  }
}

void ThreadPool::run(int64_t tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  if (threads_ == 1 || tasks == 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  tasks_.store(tasks, std::memory_order_release);
  const uint32_t generation = generation_of(ticket_.load()) + 1;
  ticket_.store(uint64_t(generation) << 32);  // seq_cst: pairs with the sleepers_ check
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mu_); }
    wake_.notify_all();
  }
  work_on(generation, 0);
  while (done_.load(std::memory_order_acquire) < tasks) SPACETIME_PAUSE();
}

int ThreadPool::default_threads() {
  if (const char* env = getenv("SPACETIME_THREADS")) {
    const int n = atoi(env);
    if (n > 0) return n > kMaxThreads ? kMaxThreads : n;
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? int(hw) : 1;
}

ThreadPool& ThreadPool::global() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (!g_pool) g_pool = new ThreadPool(default_threads());
  return *g_pool;
}

std::mutex& ThreadPool::kernel_mutex() {
  static std::mutex* mu = new std::mutex();  // leaked, like the pool
  return *mu;
}

void ThreadPool::set_global_threads(int threads) {
  std::lock_guard<std::mutex> kernel(kernel_mutex());
  std::lock_guard<std::mutex> lock(g_pool_mu);
  delete g_pool;
  g_pool = new ThreadPool(threads);
}

}  // namespace spacetime
