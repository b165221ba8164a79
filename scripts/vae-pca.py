# How compressible world clips are per latent cell, linearly: PCA of the pixel tubelets of 400
# clips, and the PSNR of 300 others kept to c components (the table in the README's latent mode).
#   npx spacetime data make --families all --split id --n 2000 --seed 0 --out runs/data-id-2k
#   python3 scripts/vae-pca.py
import numpy as np, glob, json
bins = sorted(glob.glob('runs/data-id-2k/*.bin'))
x = np.concatenate([np.fromfile(b, dtype=np.uint8) for b in bins[:3]]).reshape(-1, 16, 32, 32, 3).astype(np.float64)
fit, test = x[:400], x[400:700]
def cells(v, pt, ph, pw):
    n = v.shape[0]
    v = v.reshape(n, 16 // pt, pt, 32 // ph, ph, 32 // pw, pw, 3).transpose(0, 1, 3, 5, 2, 4, 6, 7)
    return v.reshape(-1, pt * ph * pw * 3)
for patch in [(4, 4, 4), (2, 4, 4), (4, 8, 8)]:
    a, b = cells(fit, *patch), cells(test, *patch)
    mu = a.mean(0); u, s, vt = np.linalg.svd(a - mu, full_matrices=False)
    for c in [4, 8, 16, 32]:
        p = vt[:c]
        r = (b - mu) @ p.T @ p + mu
        mse = ((np.clip(np.round(r), 0, 255) - b) ** 2).mean()
        ratio = 3 * 16 * 32 * 32 / (c * 16 * 32 * 32 / np.prod(patch))
        print(json.dumps({'patch': patch, 'c': c, 'compression': round(ratio, 1), 'pca_psnr_db': round(10 * np.log10(255 ** 2 / mse), 2)}))
