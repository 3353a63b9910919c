#!/usr/bin/python3
"""Generates the VectorFile fixtures with Debian numpy: .npy files written by numpy.save and the values they hold.

Run: /usr/bin/python3 tests/Qianru.Tests/Fixtures/search/make_vector_files.py (from the repository root or here).
"""
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261127)
m32 = rng.standard_normal((5, 7)).astype(np.float32)
m64 = rng.standard_normal((4, 3)).astype(np.float64)
np.save(os.path.join(here, "vectors_f32.npy"), m32)
np.save(os.path.join(here, "vectors_f64.npy"), m64)
np.save(os.path.join(here, "vectors_f32_fortran.npy"), np.asfortranarray(m32))
np.save(os.path.join(here, "vectors_1d.npy"), m32[0])
np.save(os.path.join(here, "vectors_int.npy"), np.arange(6, dtype=np.int32).reshape(2, 3))
bad = m32.copy()
bad[3, 2] = np.nan
np.save(os.path.join(here, "vectors_nan.npy"), bad)

with open(os.path.join(here, "vector_files.json"), "w") as f:
    json.dump({
        "generator": "make_vector_files.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "f32": {"file": "vectors_f32.npy", "shape": list(m32.shape), "values": [[float(x) for x in r] for r in m32]},
        # float64 values as numpy rounds them to float32 (what VectorFile.Read returns).
        "f64": {"file": "vectors_f64.npy", "shape": list(m64.shape),
                "values_as_f32": [[float(x) for x in r] for r in m64.astype(np.float32)]},
    }, f, indent=1)
    f.write("\n")

# A check used while developing (and by VectorFileTests' docs): numpy loads what Qianru writes.
if len(sys.argv) > 1:
    for p in sys.argv[1:]:
        a = np.load(p)
        print(p, a.dtype, a.shape, a.flags["C_CONTIGUOUS"], float(a.sum()))
