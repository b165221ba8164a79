// Patchify / unpatchify on the shared pool (see patch_embed.h).
#include "patch_embed.h"

#include <mutex>

#include "thread_pool.h"

namespace spacetime {
namespace {

// Below this many floats one thread does it all (waking the pool costs more).
constexpr int64_t kParallelMinFloats = 1 << 16;

void run_task(void* ctx, int64_t task, int) {
  const PatchEmbedArgs& a = *static_cast<const PatchEmbedArgs*>(ctx);
  const int64_t tg_count = a.frames / a.pt, hg_count = a.height / a.ph, wg_count = a.width / a.pw;
  const int64_t tokens = tg_count * hg_count * wg_count;
  const int64_t features = a.channels * a.pt * a.ph * a.pw;
  const int64_t b = task / tg_count, tg = task % tg_count;
  for (int64_t hg = 0; hg < hg_count; ++hg) {
    for (int64_t wg = 0; wg < wg_count; ++wg) {
      const int64_t n = (tg * hg_count + hg) * wg_count + wg;
      float* token = a.tokens + (b * tokens + n) * features;
      for (int64_t c = 0; c < a.channels; ++c) {
        for (int64_t dt = 0; dt < a.pt; ++dt) {
          for (int64_t dh = 0; dh < a.ph; ++dh) {
            float* pixels = a.video + (((b * a.channels + c) * a.frames + tg * a.pt + dt) * a.height + hg * a.ph + dh) * a.width + wg * a.pw;
            float* feature = token + ((c * a.pt + dt) * a.ph + dh) * a.pw;
            if (a.to_tokens) {
              for (int64_t dw = 0; dw < a.pw; ++dw) feature[dw] = pixels[dw];
            } else {
              for (int64_t dw = 0; dw < a.pw; ++dw) pixels[dw] = feature[dw];
            }
          }
        }
      }
    }
  }
}

}  // namespace

void patch_embed(const PatchEmbedArgs& args) {
  const int64_t tasks = args.batch * (args.frames / args.pt);
  if (tasks == 0 || args.channels * args.height * args.width == 0) return;
  std::lock_guard<std::mutex> lock(ThreadPool::kernel_mutex());
  const int64_t total = args.batch * args.channels * args.frames * args.height * args.width;
  if (total < kParallelMinFloats) {
    for (int64_t t = 0; t < tasks; ++t) run_task(const_cast<PatchEmbedArgs*>(&args), t, 0);
    return;
  }
  ThreadPool::global().run(tasks, run_task, const_cast<PatchEmbedArgs*>(&args));
}

}  // namespace spacetime
