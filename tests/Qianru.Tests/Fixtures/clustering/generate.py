#!/usr/bin/python3
"""Generates sklearn_reference.json: scikit-learn's results on small inputs, for Qianru's clustering tests.

Run with Debian's python (apt-get install python3-sklearn):  /usr/bin/python3 generate.py
All inputs are float32 values stored as float64, so scikit-learn's float64 computation and Qianru's
(float32 storage, double-precision decisions) see the same numbers.
"""
import json
import platform

import numpy as np
import scipy
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_score


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def rows(a):
    return [[float(v) for v in r] for r in a]


def community_detection(embeddings, threshold, min_community_size):
    """numpy transliteration of sentence_transformers.util.community_detection (v2.2 - v3), batch = all rows.
    Ties in top-k are broken by lower index (stable sort on -score)."""
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    emb = embeddings / np.where(norms == 0, 1, norms)
    n = len(emb)
    min_community_size = min(min_community_size, n)
    sort_max_size = min(max(2 * min_community_size, 50), n)
    cos = emb @ emb.T
    extracted = []
    for i in range(n):
        order = np.argsort(-cos[i], kind="stable")
        if cos[i][order[min_community_size - 1]] >= threshold:
            top = order[:sort_max_size]
            while cos[i][top[-1]] > threshold and sort_max_size < n:
                sort_max_size = min(2 * sort_max_size, n)
                top = order[:sort_max_size]
            extracted.append([int(j) for j in top if cos[i][j] >= threshold])
    extracted = sorted(extracted, key=lambda x: len(x), reverse=True)
    unique, taken = [], set()
    for community in extracted:
        rest = [j for j in community if j not in taken]
        if len(rest) >= min_community_size:
            unique.append(rest)
            taken.update(rest)
    return sorted(unique, key=lambda x: len(x), reverse=True)


rng = np.random.RandomState(7)
out = {
    "generator": "tests/Qianru.Tests/Fixtures/clustering/generate.py",
    "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__,
                 "numpy": np.__version__, "scipy": scipy.__version__},
    "kmeans_given": [], "kmeans_plusplus": [], "dbscan": [], "silhouette": [], "ari": [], "pca": [],
    "community": [],
}

# ---- KMeans from the first k rows (Lloyd, float64) ----
datasets = {
    "blobs_60x5_k4": (f32(make_blobs(60, 5, centers=4, cluster_std=1.0, random_state=1)[0]), 4),
    "uniform_200x8_k6": (f32(rng.uniform(-1, 1, size=(200, 8))), 6),
    "gauss_300x16_k10": (f32(rng.normal(size=(300, 16))), 10),
    "overlap_150x3_k5": (f32(make_blobs(150, 3, centers=3, cluster_std=3.0, random_state=3)[0]), 5),
}
# Duplicate starting centres force an empty cluster in the first iteration (relocation).
dup = f32(rng.normal(size=(40, 4)))
dup[1] = dup[0]
datasets["duplicate_start_40x4_k3"] = (dup, 3)
for name, (X, k) in datasets.items():
    for max_iter in (300, 2):
        km = KMeans(n_clusters=k, init=X[:k].copy(), n_init=1, max_iter=max_iter, tol=1e-4, algorithm="lloyd").fit(X)
        out["kmeans_given"].append({
            "name": f"{name}_maxiter{max_iter}", "k": k, "max_iter": max_iter, "tol": 1e-4, "x": rows(X),
            "labels": km.labels_.tolist(), "inertia": float(km.inertia_), "n_iter": int(km.n_iter_),
            "centers": rows(km.cluster_centers_)})

# ---- KMeans k-means++ n_init=10 on well-separated data ----
for name, (n, d, c, std, seed) in {"sep_500x10_k5": (500, 10, 5, 0.5, 11), "sep_400x32_k8": (400, 32, 8, 1.0, 12)}.items():
    X = f32(make_blobs(n, d, centers=c, cluster_std=std, center_box=(-20, 20), random_state=seed)[0])
    km = KMeans(n_clusters=c, init="k-means++", n_init=10, random_state=42).fit(X)
    out["kmeans_plusplus"].append({"name": name, "k": c, "n_init": 10, "random_state": 42, "x": rows(X),
                                   "labels": km.labels_.tolist(), "inertia": float(km.inertia_)})

# ---- DBSCAN ----
def dbscan_case(name, X, eps, min_samples, metric):
    db = DBSCAN(eps=eps, min_samples=min_samples, metric=metric).fit(X)
    out["dbscan"].append({"name": name, "eps": eps, "min_samples": min_samples, "metric": metric, "x": rows(X),
                          "labels": db.labels_.tolist(), "core": db.core_sample_indices_.tolist()})

blobs2 = f32(make_blobs(120, 2, centers=4, cluster_std=0.6, random_state=5)[0])
for eps, ms in ((0.3, 5), (0.5, 4), (0.8, 10), (0.2, 1), (0.4, 2)):
    dbscan_case(f"blobs_120x2_eps{eps}_ms{ms}", blobs2, eps, ms, "euclidean")
hi = f32(make_blobs(200, 24, centers=3, cluster_std=2.0, random_state=6)[0])
for eps, ms in ((11.0, 5), (12.5, 3), (14.0, 8)):
    dbscan_case(f"blobs_200x24_eps{eps}_ms{ms}", hi, eps, ms, "euclidean")
emb = f32(make_blobs(150, 32, centers=4, cluster_std=3.0, random_state=8)[0])
for eps, ms in ((0.05, 3), (0.1, 5), (0.2, 2), (0.55, 2)):
    dbscan_case(f"cosine_150x32_eps{eps}_ms{ms}", emb, eps, ms, "cosine")
# Ties and borders on an integer grid (all distances exact; neighbours at exactly eps count).
# Cluster A: core (1,0) with arms (0,0) (1,1) (1,-1); cluster B: core (3,0) with arms (4,0) (3,1) (3,-1);
# border (2,0) is at distance exactly 1 from both cores and is not core itself (3 neighbours < 4).
A_CORE, A_ARMS = [1, 0], [[0, 0], [1, 1], [1, -1]]
B_CORE, B_ARMS = [3, 0], [[4, 0], [3, 1], [3, -1]]
BORDER, NOISE = [2, 0], [10, 10]
# B's core comes before A's (but after one of A's arms): B is cluster 0 and takes the border.
dbscan_case("border_two_clusters_b_first", f32([A_ARMS[0], B_CORE, BORDER, A_CORE, A_ARMS[1], A_ARMS[2]] + B_ARMS + [NOISE]), 1.0, 4, "euclidean")
# The border row comes first, then A's core: A is cluster 0 and takes the border.
dbscan_case("border_two_clusters_a_first", f32([BORDER, A_CORE, B_CORE] + A_ARMS + B_ARMS + [NOISE]), 1.0, 4, "euclidean")
dbscan_case("grid_exact_eps1_ms2", f32([[0, 0], [1, 0], [2, 0], [3.5, 0], [4.5, 0], [7, 0]]), 1.0, 2, "euclidean")
P = np.sqrt(((blobs2[:40, None, :] - blobs2[None, :40, :]) ** 2).sum(-1))
P = f32(P)
dbscan_case("precomputed_40_eps0.5_ms3", P, 0.5, 3, "precomputed")

# ---- silhouette ----
for name, X, labels, metric in (
        ("blobs_120x2_euclidean", blobs2, make_blobs(120, 2, centers=4, cluster_std=0.6, random_state=5)[1], "euclidean"),
        ("uniform_200x8_kmeans_euclidean", datasets["uniform_200x8_k6"][0], out["kmeans_given"][2]["labels"], "euclidean"),
        ("cosine_150x32", emb, make_blobs(150, 32, centers=4, cluster_std=3.0, random_state=8)[1], "cosine"),
        ("singletons", f32(rng.normal(size=(12, 3))), [0, 0, 1, 2, 2, 2, 3, 1, 1, 0, 4, 5], "euclidean"),
        ("singletons_cosine", f32(rng.normal(size=(12, 3))), [0, 0, 1, 2, 2, 2, 3, 1, 1, 0, 4, 5], "cosine")):
    out["silhouette"].append({"name": name, "metric": metric, "x": rows(X), "labels": [int(l) for l in labels],
                              "score": float(silhouette_score(X, labels, metric=metric))})

# ---- adjusted Rand index ----
for a, b in (([0, 0, 1, 1], [0, 0, 1, 1]), ([0, 0, 1, 1], [1, 1, 0, 0]), ([0, 0, 1, 2], [0, 0, 1, 1]),
             ([0, 0, 0, 0], [0, 1, 2, 3]), ([0, 1, 2, 3], [0, 1, 2, 3]), ([-1, -1, 0, 0, 1, 1, 2], [0, 0, 0, 1, 1, 2, 2]),
             (list(rng.randint(0, 4, 300)), list(rng.randint(0, 5, 300))), ([0, 0, 0], [0, 0, 0]), ([5], [3])):
    out["ari"].append({"a": [int(v) for v in a], "b": [int(v) for v in b], "ari": float(adjusted_rand_score(a, b))})

# ---- PCA to 2-D ----
for name, X in (("gauss_300x16", datasets["gauss_300x16_k10"][0]), ("blobs_60x5", datasets["blobs_60x5_k4"][0]),
                ("aniso_100x6", f32(rng.normal(size=(100, 6)) * np.array([5, 3, 1, 0.5, 0.2, 0.1])))):
    p = PCA(n_components=2, svd_solver="full").fit(X)
    out["pca"].append({"name": name, "x": rows(X), "projection": rows(p.transform(X)),
                       "explained_variance": [float(v) for v in p.explained_variance_]})

# ---- community detection ----
for name, X, threshold, mcs in (("emb_150x32_t0.9_m5", emb, 0.9, 5), ("emb_150x32_t0.95_m3", emb, 0.95, 3),
                                 ("emb_150x32_t0.8_m10", emb, 0.8, 10), ("blobs_200x24_t0.75_m10", hi, 0.75, 10)):
    out["community"].append({"name": name, "threshold": threshold, "min_community_size": mcs, "x": rows(X),
                             "communities": community_detection(X, threshold, mcs)})
out["community_reference"] = ("numpy transliteration of sentence_transformers.util.community_detection "
                              "(see community_detection() in generate.py)")

with open("sklearn_reference.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
print({k: len(v) for k, v in out.items() if isinstance(v, list)})

# ---- CLI fixtures: vector files with scikit-learn's labels (tests/Qianru.Cli.Tests/Fixtures/clustering/) ----
import os
cli = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Qianru.Cli.Tests", "Fixtures", "clustering")
os.makedirs(cli, exist_ok=True)
border = next(c for c in out["dbscan"] if c["name"] == "border_two_clusters_b_first")
np.savetxt(os.path.join(cli, "border.csv"), np.array(border["x"]), delimiter=",", fmt="%r")
cosine = next(c for c in out["dbscan"] if c["name"] == "cosine_150x32_eps0.2_ms2")
np.save(os.path.join(cli, "cosine_150x32.npy"), np.array(cosine["x"], dtype=np.float32))
with open(os.path.join(cli, "expected.json"), "w") as f:
    json.dump({"generator": out["generator"], "versions": out["versions"],
               "border.csv": {"eps": 1.0, "min_samples": 4, "metric": "euclidean", "labels": border["labels"]},
               "cosine_150x32.npy": {"eps": 0.2, "min_samples": 2, "metric": "cosine", "labels": cosine["labels"]}}, f)
