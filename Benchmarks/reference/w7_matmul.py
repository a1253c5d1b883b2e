"""W7: float32 square matmul C = A @ B, n = 1024 and 2048, 2 threads: numpy (its bundled OpenBLAS),
PyTorch, and jax.jit (XLA CPU). Inputs: rng = default_rng(0); for each n, A then B standard normal.
Reported with GFLOP/s = 2 n^3 / time; the line carries size=n (compare.py groups W7 by size)."""
from benchlib import setup_torch, setup_jax, measure, measure_jax, jax_aot, emit_timing, failed, comment
import numpy as np
import threadpoolctl

torch = setup_torch()
jax = setup_jax()
import jax.numpy as jnp

blas = [(d["internal_api"], d.get("version"), d["num_threads"], d.get("architecture"))
        for d in threadpoolctl.threadpool_info() if d["user_api"] == "blas"]
comment(f"numpy {np.__version__} BLAS: {blas}")
rng = np.random.default_rng(0)
for n in [1024, 2048]:
    A = rng.standard_normal((n, n)).astype(np.float32)
    B = rng.standard_normal((n, n)).astype(np.float32)
    flop = 2.0 * n ** 3
    ref = A.astype(np.float64) @ B.astype(np.float64)

    def gflops(t):
        return dict(size=n, GFLOPs_median=f"{flop / t.median_ms / 1e6:.1f}", GFLOPs_best=f"{flop / t.min_ms / 1e6:.1f}")

    def relerr(C):
        return float(np.abs(np.asarray(C, np.float64) - ref).max() / np.abs(ref).max())

    C = np.empty((n, n), np.float32)
    t = measure(lambda: np.matmul(A, B, out=C), reps=30)
    emit_timing("W7", f"numpy_matmul_{n}", t, relerr=relerr(C), **gflops(t))

    At, Bt, Ct = torch.from_numpy(A), torch.from_numpy(B), torch.empty(n, n)
    t = measure(lambda: torch.matmul(At, Bt, out=Ct), reps=30)
    emit_timing("W7", f"torch_matmul_{n}", t, relerr=relerr(Ct.numpy()), **gflops(t))

    try:
        Aj, Bj = jnp.asarray(A), jnp.asarray(B)
        mm, cms = jax_aot(jax.jit(jnp.matmul), Aj, Bj)
        t = measure_jax(mm, Aj, Bj, reps=30)
        emit_timing("W7", f"jax_matmul_{n}", t, relerr=relerr(mm(Aj, Bj)), compile_ms=cms, **gflops(t))
    except Exception as e:
        failed("W7", f"jax_matmul_{n}", e)
