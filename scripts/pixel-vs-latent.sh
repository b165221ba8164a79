#!/bin/bash
# Pixel vs latent at equal training time (issue 13, item 4; README "Training on latents"; the figures in
# reports/pixel-vs-latent/ were made with VAE leg 1, sha256 70bf5fcf4f1d…, before leg 2 replaced it): the same
# small DiT, data, settings and seed, one run after the other on a quiet machine, each schedule sized
# to ~30 minutes of steps here (pixel 0.76 s a step, latent 0.27 s), then the harness on each: the
# three 56-prompt suites, text only and with the first 4 true frames given. Then gather them:
#   npx tsx scripts/pixel-vs-latent.ts   → reports/pixel-vs-latent/{comparison.json,README.md}
# Needs runs/data-id: npx spacetime data make --families all --split id --n 20000 --seed 0 --out runs/data-id
set -euo pipefail
cd "$(dirname "$0")/.."
common="--preset small --data runs/data-id --batch-size 16 --lr 5e-4 --warmup 200 --objective x-prediction --frame-conditioning --sample-every 0 --seed 0 --quiet"
npx spacetime train $common --steps 2250 --checkpoint-every 250 --out runs/pvl-pixel
npx spacetime train $common --steps 6750 --checkpoint-every 500 --latent models/vae --out runs/pvl-latent
for m in pixel latent; do
  for s in id ood combo; do
    npx spacetime eval --suite all-$s --checkpoint runs/pvl-$m --out evals/pvl/$m/all-$s --quiet
    npx spacetime eval --suite all-$s --checkpoint runs/pvl-$m --keep-frames 4 --out evals/pvl/$m-k4/all-$s --quiet
  done
done
