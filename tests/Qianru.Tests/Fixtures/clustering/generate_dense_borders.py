#!/usr/bin/python3
"""Generates dbscan_dense_borders.json: scikit-learn's DBSCAN on small dense sets where border rows are reachable from
two or more clusters, for Qianru's DBSCAN tests (the union-find path must give dbscan_inner's labels).

Run with Debian's python (apt-get install python3-sklearn):  /usr/bin/python3 generate_dense_borders.py
Each set: four Gaussian blobs close enough that their edges nearly touch, uniform noise, and midpoints between
core rows of different clusters that have too few neighbours to be core themselves, shuffled. Values are float32.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN
from sklearn.metrics import pairwise_distances


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def blobs(seed, spacing, metric):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [spacing, 0], [spacing / 2, spacing * 0.87], [2 * spacing, 0.2]])
    x = np.concatenate([c + rng.normal(0, 0.35, (90, 2)) for c in centres] + [rng.uniform([-1.5, -1.5], [8, 4.5], (60, 2))])
    rng.shuffle(x)
    if metric == "cosine":
        x = np.c_[x * 0.15, np.ones(len(x))]  # on a plane away from the origin: angles follow the 2-D distances
    return f32(x)


def fit(x, eps, min_samples, metric):
    db = DBSCAN(eps=eps, min_samples=min_samples, metric=metric).fit(x)
    near = pairwise_distances(x, metric=metric) <= eps
    core = np.zeros(len(x), bool)
    core[db.core_sample_indices_] = True
    shared = [int(i) for i in np.where(~core)[0] if len(set(db.labels_[near[i] & core])) >= 2]
    return db, near, shared


def case(name, seed, spacing, metric, eps, min_samples):
    x = blobs(seed, spacing, metric)
    db, _, _ = fit(x, eps, min_samples, metric)
    core = set(db.core_sample_indices_.tolist())
    d = pairwise_distances(x, metric=metric)
    bridges = []
    for a in sorted(core):
        for b in sorted(core):
            if a < b and db.labels_[a] != db.labels_[b] and d[a, b] <= 1.9 * eps and len(bridges) < 12:
                m = f32((x[a] + x[b]) / 2)
                dm = pairwise_distances(m[None], x, metric=metric)[0]
                if (dm <= eps).sum() < min_samples - 2 and dm[a] <= eps and dm[b] <= eps and not any((m == q).all() for q in bridges):
                    bridges.append(m)
    x = np.r_[x, np.array(bridges)]
    x = x[np.random.default_rng(100 + seed).permutation(len(x))]
    db, near, shared = fit(x, eps, min_samples, metric)
    assert len(shared) >= 2, name
    print(f"{name}: {len(x)} rows, {db.labels_.max() + 1} clusters, {(db.labels_ < 0).sum()} noise, "
          f"{near.sum(1).mean():.1f} neighbours a row, {len(shared)} border rows shared between clusters")
    return {"name": name, "eps": eps, "min_samples": min_samples, "metric": metric, "x": [[float(v) for v in r] for r in x],
            "labels": db.labels_.tolist(), "core": db.core_sample_indices_.tolist(), "shared_borders": shared}


out = {"sklearn": sklearn.__version__, "dbscan": [
    case("euclidean_dense_borders", 2, 2.6, "euclidean", 0.6, 12),
    case("cosine_dense_borders", 2, 2.8, "cosine", 0.004, 12),
]}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dbscan_dense_borders.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
