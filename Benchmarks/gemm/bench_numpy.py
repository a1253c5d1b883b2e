"""Times numpy.matmul (the BLAS numpy links) like bench_gemm.c: median and best of 9 samples.
Usage: python3 bench_numpy.py M N K [s|d]   (thread count: OPENBLAS_NUM_THREADS etc.)"""
import sys
import time

import numpy as np

M, N, K = (int(x) for x in sys.argv[1:4])
dt = np.float64 if len(sys.argv) > 4 and sys.argv[4] == "d" else np.float32
rng = np.random.default_rng(0)
a = (rng.random((M, K)) - 0.5).astype(dt)
b = (rng.random((K, N)) - 0.5).astype(dt)
c = np.empty((M, N), dt)
flop = 2.0 * M * N * K
reps = int(2e8 / (flop + 1e3)) + 1
times = []
for r in range(10):
    t0 = time.perf_counter()
    for _ in range(reps):
        np.matmul(a, b, out=c)
    if r > 0:
        times.append((time.perf_counter() - t0) / reps)
times.sort()
print(f"numpy     {np.dtype(dt).name} {M}x{N}x{K}: median {flop / times[4] / 1e9:.1f} GFLOP/s "
      f"({times[4] * 1e6:.1f} us), best {flop / times[0] / 1e9:.1f}")
