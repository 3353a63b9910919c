#!/usr/bin/python3
"""Reference int8 and binary quantization with Debian numpy, using the formulas of sentence-transformers'
quantize_embeddings (sentence_transformers/quantization.py, v3):
  int8:    starts = min(calibration), steps = (max - min) / 255, ((emb - starts) / steps - 128).astype(np.int8)
  ubinary: np.packbits(emb > 0).reshape(n, -1)
(sentence-transformers itself is not packaged in Debian; these lines are its code applied with numpy.)
Run: /usr/bin/python3 tests/Qianru.Tests/Fixtures/search/make_quantization.py
"""
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(31)
calibration = rng.standard_normal((50, 16)).astype(np.float32)
# Points inside the calibration range (convex combinations), so astype(int8) never overflows.
w = rng.random((12, 50)).astype(np.float32)
w /= w.sum(axis=1, keepdims=True)
embeddings = (w @ calibration).astype(np.float32)
embeddings = np.vstack([embeddings, calibration[:3]])  # the range ends themselves too

ranges = np.vstack((np.min(calibration, axis=0), np.max(calibration, axis=0)))
starts = ranges[0, :]
steps = (ranges[1, :] - ranges[0, :]) / 255
int8 = ((embeddings - starts) / steps - 128).astype(np.int8)

bin_emb = rng.standard_normal((6, 24)).astype(np.float32)
ubinary = np.packbits(bin_emb > 0).reshape(bin_emb.shape[0], -1)
# Dimensions that are not a multiple of 8: each row padded on its own (packbits along the last axis).
bin_emb20 = rng.standard_normal((4, 20)).astype(np.float32)
ubinary20 = np.packbits(bin_emb20 > 0, axis=-1)

with open(os.path.join(here, "quantization.json"), "w") as f:
    json.dump({
        "generator": "make_quantization.py (formulas of sentence-transformers quantize_embeddings)",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "calibration": calibration.tolist(),
        "embeddings": embeddings.tolist(),
        "int8": int8.tolist(),
        "binary_embeddings": bin_emb.tolist(),
        "ubinary": ubinary.tolist(),
        "binary_embeddings_20": bin_emb20.tolist(),
        "ubinary_20": ubinary20.tolist(),
    }, f)
    f.write("\n")
