// GEMM driver: blocking, packing and partitioning over the thread pool; the
// arithmetic lives in the per-ISA kernel sets (gemm_kernels.h).
//
// Two ways to use the threads:
//  - many products (attention: batch 48 of 256x32 . 32x256): one task per
//    product, each packed and computed by one worker in its own scratch; small
//    products split across threads cost more in syncing than they gain.
//  - few large products: per product, all workers pack A and B into shared
//    buffers, then split C into MC x NC blocks, one task per block.
// Both walk the same K blocks and the same micro-tile grid with the same
// micro-kernel arithmetic, so they give bit-identical results. When N is
// narrow (attention's P.V: N = 32) A is read in place instead of packed: each
// A value is used for only N/16 vector FMAs, so packing would double its traffic.
#include "gemm.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <vector>

#include "cpu_features.h"
#include "gemm_kernels.h"
#include "thread_pool.h"

namespace spacetime {
namespace {

// Below this many flops in a whole call, waking workers costs more than it saves.
constexpr double kSerialFlops = 2.0e6;
// Products smaller than this are never split across threads: the packed
// panels would travel between cores' caches. Measured crossover on the 2-core
// Zen machine: 160^3 (8 MFLOP) is faster on one thread, 192^3 (14) on two.
constexpr double kSplitProductFlops = 12.0e6;
// B columns per packing task when a product is split across threads.
constexpr int64_t kPackColumns = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// A grow-only 64-byte aligned float buffer, reused across calls.
class Scratch {
 public:
  Scratch() = default;
  Scratch(Scratch&& other) noexcept : data_(other.data_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.capacity_ = 0;
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { free(data_); }
  float* get(int64_t floats) {
    if (floats > capacity_) {
      free(data_);
      capacity_ = round_up(floats + floats / 4, 16);
      data_ = static_cast<float*>(aligned_alloc(64, size_t(capacity_) * sizeof(float)));
      if (!data_) abort();
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

// Everything about one call that does not depend on which product or task.
struct Plan {
  const GemmKernelSet* ks;
  GemmArgs args;
  int64_t batch;
  int64_t mpad, npad;     // M, N rounded up to the micro-tile
  int kblocks, kc;        // K split into kblocks blocks of kc (the last may be shorter)
  int64_t mc, nc;         // C block per compute task (multiples of mr / nr)
  int64_t mtiles, ntiles;
  int64_t pack_nc, pack_ntiles;  // B columns per packing task: finer than nc, so
                                 // packing a wide B does not leave threads idle
  bool in_place_a;        // A is read where it is, not packed (see ABlock)

  int64_t k0(int kb) const { return int64_t(kb) * kc; }
  int kcb(int kb) const { return int(std::min<int64_t>(kc, args.k - k0(kb))); }
  int64_t pack_a_tiles() const { return in_place_a ? 0 : mtiles; }
  int64_t pack_tasks() const { return kblocks * (pack_a_tiles() + pack_ntiles); }
  int64_t compute_tasks() const { return mtiles * ntiles; }
  int64_t packed_a_floats() const { return in_place_a ? 0 : mpad * args.k; }
  int64_t packed_b_floats() const { return npad * args.k; }

  MatView view_a(int64_t p) const {
    const float* base = args.a + (args.batch_a == 1 ? 0 : p) * args.m * args.k;
    return args.trans_a ? MatView{base, 1, args.m} : MatView{base, args.k, 1};
  }
  MatView view_b(int64_t p) const {
    const float* base = args.b + (args.batch_b == 1 ? 0 : p) * args.k * args.n;
    return args.trans_b ? MatView{base, 1, args.k} : MatView{base, args.n, 1};
  }

  // Packed layout: K block kb of A sits at mpad*k0(kb), its sliver holding row
  // m0 at m0*kcb; the same for B with npad and n0.
  void pack(int64_t p, int64_t task, float* pa, float* pb) const {
    const int kb = int(task % kblocks);
    const int64_t tile = task / kblocks;
    const int kcb_ = kcb(kb);
    if (tile < pack_a_tiles()) {
      const int64_t m0 = tile * mc;
      const int rows = int(std::min(mc, args.m - m0));
      ks->pack_a(view_a(p), m0, rows, k0(kb), kcb_, pa + mpad * k0(kb) + m0 * kcb_);
    } else {
      const int64_t n0 = (tile - pack_a_tiles()) * pack_nc;
      const int cols = int(std::min(pack_nc, args.n - n0));
      ks->pack_b(view_b(p), k0(kb), kcb_, n0, cols, pb + npad * k0(kb) + n0 * kcb_);
    }
  }

  void compute(int64_t p, int64_t task, const float* pa, const float* pb) const {
    const int64_t m0 = (task / ntiles) * mc, n0 = (task % ntiles) * nc;
    const int rows = int(std::min(mc, args.m - m0)), cols = int(std::min(nc, args.n - n0));
    float* c = args.c + p * args.m * args.n + m0 * args.n + n0;
    const MatView a = view_a(p);
    for (int kb = 0; kb < kblocks; ++kb) {
      const int kcb_ = kcb(kb);
      const ABlock ablock = in_place_a ? ABlock{a.data + m0 * a.rs + k0(kb) * a.cs, a.rs, a.cs, false}
                                       : ABlock{pa + mpad * k0(kb) + m0 * kcb_, 1, ks->mr, true};
      ks->macro(rows, cols, kcb_, ablock, pb + npad * k0(kb) + n0 * kcb_, c, args.n,
                Epilogue{args.alpha, args.beta, kb == 0});
    }
  }

  // One whole product on one thread.
  void product_serial(int64_t p, float* pa, float* pb) const {
    for (int64_t t = 0; t < pack_tasks(); ++t) pack(p, t, pa, pb);
    for (int64_t t = 0; t < compute_tasks(); ++t) compute(p, t, pa, pb);
  }
};

// Splits `extent` into blocks of at most `max_block`, multiples of `unit`, as even as possible.
int64_t even_block(int64_t extent, int64_t max_block, int64_t unit) {
  const int64_t blocks = ceil_div(extent, max_block);
  return round_up(ceil_div(extent, blocks), unit);
}

Plan make_plan(const GemmArgs& args, const GemmKernelSet& ks, int threads, bool split_products) {
  Plan plan;
  plan.ks = &ks;
  plan.args = args;
  plan.batch = std::max(args.batch_a, args.batch_b);
  plan.mpad = round_up(args.m, ks.mr);
  plan.npad = round_up(args.n, ks.nr);
  // K blocks depend on K and the ISA only: this is what keeps results identical.
  plan.kblocks = int(ceil_div(args.k, ks.kc));
  plan.kc = int(ceil_div(args.k, plan.kblocks));
  plan.mc = even_block(args.m, ks.mc, ks.mr);
  plan.nc = even_block(args.n, ks.nc, ks.nr);
  if (split_products) {
    // Enough blocks to keep every thread busy; cut the dimension with more tiles.
    const int64_t want = 3 * int64_t(threads);
    while (ceil_div(args.m, plan.mc) * ceil_div(args.n, plan.nc) < want) {
      const bool m_splittable = plan.mc > ks.mr, n_splittable = plan.nc > ks.nr;
      if (!m_splittable && !n_splittable) break;
      if (m_splittable && (plan.mc / ks.mr >= plan.nc / ks.nr || !n_splittable))
        plan.mc = round_up(plan.mc / 2, ks.mr);
      else
        plan.nc = round_up(plan.nc / 2, ks.nr);
    }
  }
  plan.in_place_a = args.n <= ks.in_place_a_max_n;
  plan.mtiles = ceil_div(args.m, plan.mc);
  plan.ntiles = ceil_div(args.n, plan.nc);
  plan.pack_nc = std::min<int64_t>(plan.nc, round_up(kPackColumns, ks.nr));
  plan.pack_ntiles = ceil_div(args.n, plan.pack_nc);
  return plan;
}

struct Buffers {
  Scratch shared_a, shared_b;
  std::vector<Scratch> worker_a, worker_b;
};
Buffers g_buffers;  // guarded by ThreadPool::kernel_mutex()

struct BatchJob {
  const Plan* plan;
};
void run_batch_task(void* ctx, int64_t p, int worker) {
  const Plan& plan = *static_cast<BatchJob*>(ctx)->plan;
  float* pa = g_buffers.worker_a[worker].get(plan.packed_a_floats());
  float* pb = g_buffers.worker_b[worker].get(plan.packed_b_floats());
  plan.product_serial(p, pa, pb);
}

struct ProductJob {
  const Plan* plan;
  int64_t p;
  float* pa;
  float* pb;
};
void run_pack_task(void* ctx, int64_t t, int) {
  const ProductJob& job = *static_cast<ProductJob*>(ctx);
  job.plan->pack(job.p, t, job.pa, job.pb);
}
void run_compute_task(void* ctx, int64_t t, int) {
  const ProductJob& job = *static_cast<ProductJob*>(ctx);
  job.plan->compute(job.p, t, job.pa, job.pb);
}

// K == 0: the product is empty, C = beta * C.
void scale_output(const GemmArgs& args) {
  const int64_t count = std::max(args.batch_a, args.batch_b) * args.m * args.n;
  if (args.beta == 0.0f) memset(args.c, 0, size_t(count) * sizeof(float));
  else for (int64_t i = 0; i < count; ++i) args.c[i] *= args.beta;
}

}  // namespace

void gemm(const GemmArgs& args) {
  if (args.m == 0 || args.n == 0 || args.batch_a == 0 || args.batch_b == 0) return;
  if (args.k == 0) return scale_output(args);

  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  ThreadPool& pool = ThreadPool::global();
  const GemmKernelSet& ks = gemm_kernels(current_isa());
  const int threads = pool.size();
  const int64_t batch = std::max(args.batch_a, args.batch_b);
  const double product_flops = 2.0 * double(args.m) * double(args.n) * double(args.k);

  // Batch-parallel when the products are small or divide evenly enough among threads.
  const int64_t rounds = ceil_div(batch, threads);
  const double batch_efficiency = double(batch) / double(rounds * threads);
  const bool small = product_flops < kSplitProductFlops;
  const bool serial = threads == 1 || product_flops * double(batch) < kSerialFlops || (batch == 1 && small);
  const bool by_batch = !serial && batch > 1 && (batch_efficiency >= 0.75 || small);

  if (serial || by_batch) {
    const Plan plan = make_plan(args, ks, threads, false);
    if (int(g_buffers.worker_a.size()) < threads) {
      g_buffers.worker_a.resize(threads);
      g_buffers.worker_b.resize(threads);
    }
    BatchJob job{&plan};
    if (serial) for (int64_t p = 0; p < batch; ++p) run_batch_task(&job, p, 0);
    else pool.run(batch, run_batch_task, &job);
    return;
  }

  const Plan plan = make_plan(args, ks, threads, true);
  float* pa = g_buffers.shared_a.get(plan.packed_a_floats());
  float* pb = g_buffers.shared_b.get(plan.packed_b_floats());
  for (int64_t p = 0; p < batch; ++p) {
    ProductJob job{&plan, p, pa, pb};
    pool.run(plan.pack_tasks(), run_pack_task, &job);
    pool.run(plan.compute_tasks(), run_compute_task, &job);
  }
}

double fma_peak_gflops(double seconds) {
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  const GemmKernelSet& ks = gemm_kernels(current_isa());
  const double sample = seconds / 5;
  float sink = 0;
  long iters = 1 << 12;
  double best = 0;
  for (int samples = 0; samples < 5;) {
    const auto start = std::chrono::steady_clock::now();
    const double flops = ks.fma_probe(iters, &sink);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed < sample && iters < (1L << 40)) {
      iters *= 2;  // still calibrating
      continue;
    }
    best = std::max(best, flops / elapsed / 1e9);
    ++samples;
  }
  return sink == 12345.678f ? best + 1e-9 : best;  // keeps `sink` alive
}

}  // namespace spacetime
