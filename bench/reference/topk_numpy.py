#!/usr/bin/env python3
"""numpy reference for bench/recommend.ts: top-10 of n items for one user = item_factors @ user_vector + argpartition.
Usage: topk_numpy.py factors.f32 n_items n_factors users.f32 n_users  -> prints median and p95 ms."""
import sys, time
import numpy as np

path, n, f, upath, nu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
Y = np.fromfile(path, dtype=np.float32).reshape(n, f)
U = np.fromfile(upath, dtype=np.float32).reshape(nu, f)
times = []
for r in range(3):
    for u in range(nu):
        t = time.perf_counter()
        s = Y @ U[u]
        top = np.argpartition(-s, 10)[:10]
        top = top[np.argsort(-s[top])]
        times.append((time.perf_counter() - t) * 1000)
times = np.array(times[nu:])  # first pass is warm-up
print(f"{np.median(times):.4f} {np.percentile(times, 95):.4f}")
