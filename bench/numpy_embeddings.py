#!/usr/bin/env python3
"""numpy beside `taxon embed`: the two operations at the heart of Barz &
Denzler's reference on the same similarity matrix S (a .npy from taxon
simmatrix) — the Cholesky factor (unitsphere) and the full eigendecomposition
(approx_sim, numpy.linalg.eigh) — timed in-process, S already in memory.
Usage: numpy_embeddings.py S.npy. Runs in .cache/py (numpy)."""
import sys
import time

import numpy as np

s = np.load(sys.argv[1])
for name, operation in (("cholesky", np.linalg.cholesky), ("eigh", np.linalg.eigh)):
    times = []
    for _ in range(3):
        start = time.perf_counter()
        operation(s)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(f"numpy {np.__version__} {name} of {s.shape[0]}x{s.shape[1]}: {best:.3f} s (best of 3)")
