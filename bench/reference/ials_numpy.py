#!/usr/bin/env python3
"""Independent numpy iALS (Hu, Koren & Volinsky 2008) used to cross-check Curio's quality.

Same model as Curio's default: confidence c = 1 + alpha * value on observed entries, weight 1 on unobserved
ones, preference 1 on observed, L2 penalty `reg`. Each half-step solves every row exactly:
    (YtY + Y_u^T diag(c_u - 1) Y_u + reg I) x_u = Y_u^T c_u
Reads a split written by bench/ials.ts or bench/agreement.ts (CSV: split,user,item,value with split = train,
valid or test), fits on the train rows, prints JSON with NDCG@10 (binary gains, log2 discount, IDCG over
min(|rel|, 10), train and valid items excluded, users without test items skipped) and seconds per iteration.
"""
import argparse
import json
import time

import numpy as np
import scipy.sparse as sp


def half_step(C, Y, reg):
    """Solves all rows of C (csr, values = confidence - 1 ... given as raw values) against fixed Y."""
    f = Y.shape[1]
    YtY = Y.T @ Y
    X = np.empty((C.shape[0], f))
    eye = reg * np.eye(f)
    for u in range(C.shape[0]):
        s, e = C.indptr[u], C.indptr[u + 1]
        idx = C.indices[s:e]
        conf = C.data[s:e]
        Yu = Y[idx]
        A = YtY + (Yu.T * (conf - 1.0)) @ Yu + eye
        b = Yu.T @ conf
        X[u] = np.linalg.solve(A, b)
    return X


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('split')
    ap.add_argument('--factors', type=int, default=64)
    ap.add_argument('--reg', type=float, default=0.05)
    ap.add_argument('--alpha', type=float, default=1.0)
    ap.add_argument('--iterations', type=int, default=15)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--init', nargs=2, metavar=('X', 'Y'),
                    help='start from these factors (raw little-endian float32, users x factors and items x factors) instead of --seed')
    a = ap.parse_args()

    raw = np.genfromtxt(a.split, delimiter=',', skip_header=1, dtype=str)
    is_train = raw[:, 0] == 'train'
    is_test = raw[:, 0] == 'test'
    # validation rows (if any) are not fitted on but are removed from the ranking, as the preset's evaluation does
    is_valid = raw[:, 0] == 'valid'
    u = raw[:, 1].astype(np.int64)
    i = raw[:, 2].astype(np.int64)
    v = raw[:, 3].astype(np.float64)
    n_users, n_items = u.max() + 1, i.max() + 1
    train = sp.csr_matrix((1.0 + a.alpha * v[is_train], (u[is_train], i[is_train])), shape=(n_users, n_items))
    test = sp.csr_matrix((np.ones(is_test.sum()), (u[is_test], i[is_test])), shape=(n_users, n_items))
    valid = sp.csr_matrix((np.ones(is_valid.sum()), (u[is_valid], i[is_valid])), shape=(n_users, n_items))
    train_t = train.T.tocsr()

    if a.init:
        X = np.fromfile(a.init[0], dtype='<f4').astype(np.float64).reshape(n_users, a.factors)
        Y = np.fromfile(a.init[1], dtype='<f4').astype(np.float64).reshape(n_items, a.factors)
    else:
        rng = np.random.default_rng(a.seed)
        X = rng.normal(0, 0.01, (n_users, a.factors))
        Y = rng.normal(0, 0.01, (n_items, a.factors))
    t0 = time.perf_counter()
    for _ in range(a.iterations):
        X = half_step(train, Y, a.reg)
        Y = half_step(train_t, X, a.reg)
    sec = (time.perf_counter() - t0) / a.iterations

    scores = X @ Y.T
    total, n = 0.0, 0
    discount = 1.0 / np.log2(np.arange(2, 12))
    for uu in range(n_users):
        rel = test.indices[test.indptr[uu]:test.indptr[uu + 1]]
        if len(rel) == 0:
            continue
        s = scores[uu].copy()
        s[train.indices[train.indptr[uu]:train.indptr[uu + 1]]] = -np.inf
        s[valid.indices[valid.indptr[uu]:valid.indptr[uu + 1]]] = -np.inf
        top = np.argsort(-s, kind='stable')[:10]
        hits = np.isin(top, rel)
        dcg = (hits * discount[:len(top)]).sum()
        idcg = discount[:min(len(rel), 10)].sum()
        total += dcg / idcg
        n += 1
    print(json.dumps({'ndcg10': total / n, 'sec_per_iter': sec, 'users': int(n)}))


if __name__ == '__main__':
    main()
