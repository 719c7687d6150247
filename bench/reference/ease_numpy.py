"""Independent numpy EASE (Steck 2019) for bench/ease.ts: the reference Curio is compared against.

  python3 ease_numpy.py quality SPLIT.tsv L2 [train|train+valid]
      -> JSON {ndcg10, users}   (SPLIT.tsv: user item part, part 0=train 1=valid 2=test; fits on train, or on
         train+valid; ranks without train and valid items, as the preset's evaluation does)
  python3 ease_numpy.py speed MATRIX.bin L2 [float64|float32] [numpy|scipy]
                                               -> JSON {gram_s, inverse_s, weights_s, total_s, peak_rss_mb}
      numpy: the few lines most write (np.linalg.inv of the dense float64-built Gram, a new array for B);
      scipy: what a careful user writes: the sparse Gram computed in the target precision and freed once dense,
      scipy.linalg.inv, and B computed in place in the inverse (peak: the Gram plus its inverse).
MATRIX.bin: int32 rows, cols, nnz, then int32 indptr[rows+1], int32 indices[nnz] (binary user x item CSR).
Threads: whatever OpenBLAS is given (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set by the caller).
"""
import json
import resource
import sys
import time

import numpy as np
import scipy.sparse as sp


def ease_weights(x, l2, dtype=np.float64):
    t0 = time.perf_counter()
    g = (x.T @ x).toarray().astype(dtype)
    g[np.diag_indices_from(g)] += l2
    t1 = time.perf_counter()
    p = np.linalg.inv(g)
    t2 = time.perf_counter()
    b = p / (-np.diag(p))
    b[np.diag_indices_from(b)] = 0
    t3 = time.perf_counter()
    return b, (t1 - t0, t2 - t1, t3 - t2)


def ease_weights_scipy(x, l2, dtype):
    import scipy.linalg

    t0 = time.perf_counter()
    xs = x.astype(dtype)
    gs = xs.T @ xs  # sparse, already in the target precision
    del xs
    g = gs.toarray()
    del gs
    g[np.diag_indices_from(g)] += l2
    t1 = time.perf_counter()
    p = scipy.linalg.inv(g)
    del g
    t2 = time.perf_counter()
    p /= -np.diag(p)
    p[np.diag_indices_from(p)] = 0
    t3 = time.perf_counter()
    return p, (t1 - t0, t2 - t1, t3 - t2)


def quality(path, l2, fit_on="train"):
    rows = np.loadtxt(path, dtype=np.int64, ndmin=2)
    users, items, part = rows[:, 0], rows[:, 1], rows[:, 2]
    n_users, n_items = users.max() + 1, items.max() + 1
    tr = part == 0 if fit_on == "train" else part <= 1
    x = sp.csr_matrix((np.ones(tr.sum()), (users[tr], items[tr])), shape=(n_users, n_items))
    b, _ = ease_weights(x, l2)
    scores = np.asarray(x @ b)
    # full ranking without the user's training AND validation items (part 0 and 1): the preset's protocol
    seen = part <= 1
    scores[users[seen], items[seen]] = -np.inf
    te = part == 2
    relevant = {}
    for u, i in zip(users[te], items[te]):
        relevant.setdefault(int(u), set()).add(int(i))
    discount = 1 / np.log2(np.arange(2, 12))
    total = 0.0
    for u, rel in relevant.items():
        s = scores[u]
        top = np.argpartition(-s, 10)[:10]
        top = top[np.lexsort((top, -s[top]))]  # best first, ties to the lower index
        gains = np.array([1.0 if int(i) in rel else 0.0 for i in top])
        dcg = float(gains @ discount)
        idcg = float(discount[: min(len(rel), 10)].sum())
        total += dcg / idcg
    print(json.dumps({"ndcg10": total / len(relevant), "users": len(relevant)}))


def speed(path, l2, dtype, lib="numpy"):
    head = np.fromfile(path, dtype=np.int32, count=3)
    rows, cols, nnz = (int(v) for v in head)
    body = np.fromfile(path, dtype=np.int32, offset=12)
    indptr, indices = body[: rows + 1], body[rows + 1 : rows + 1 + nnz]
    x = sp.csr_matrix((np.ones(nnz, dtype=np.float64), indices, indptr), shape=(rows, cols))
    t0 = time.perf_counter()
    fit = ease_weights_scipy if lib == "scipy" else ease_weights
    b, (gram_s, inverse_s, weights_s) = fit(x, l2, np.float64 if dtype == "float64" else np.float32)
    total = time.perf_counter() - t0
    assert np.isfinite(b[0, 0])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:  # VmHWM restarts at exec; maxrss would include the spawning parent's RSS
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        pass
    print(json.dumps({"gram_s": gram_s, "inverse_s": inverse_s, "weights_s": weights_s, "total_s": total, "peak_rss_mb": peak, "numpy": np.__version__, "scipy": __import__("scipy").__version__}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "quality":
        quality(sys.argv[2], float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "train")
    elif mode == "speed":
        speed(sys.argv[2], float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "float64", sys.argv[5] if len(sys.argv) > 5 else "numpy")
    else:
        sys.exit(f"unknown mode {mode}")
