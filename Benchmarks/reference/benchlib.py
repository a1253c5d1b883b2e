"""Shared helpers for Maclaurin's Python reference benchmarks.

Protocol (the same for every workload, and the same as the Swift side):
  * float32 everywhere, 2 threads;
  * `warmup` untimed calls (fewer if they take > 2 s), then one probe call to size the run, then n timed calls with
    n = clamp(budget_s / probe, 5, reps): never fewer than 5 timed calls;
  * the reported figure is the MEDIAN of the timed calls in milliseconds (min is printed too);
  * JAX: functions are jitted and compiled ahead of time (lower().compile()); the compile time is
    measured separately (compile_ms=...) and the timed calls block_until_ready;
  * during the timed calls we sample /proc/stat: others_cpu% = share of the machine's CPU used by
    OTHER processes (the machine is shared; > 10 means the figure is probably contaminated).

Output: one line per implementation, `WORKLOAD IMPL MEDIAN_MS key=value ...`, e.g.
  W1 jax_jacrev_vmap 1.2345 compile_ms=310.2 reps=50 min_ms=1.2011 others_cpu%=1
Lines starting with '#' are comments.

Data generation (shared with the Swift side so that numbers are comparable):
  * MLP parameters: numpy default_rng(seed=0); for each layer in order, W of shape (in, out)
    ~ N(0, 2/(in+out)) then b of shape (out,) ~ 0.1 * N(0, 1); drawn in float64, cast to float32.
    The layer computes h = tanh(h @ W + b); the last layer is linear.
  * inputs: default_rng(seed=1).uniform(-2, 2, size=(N, d)) cast to float32.
"""
import os
import statistics
import sys
import time

SEED = 0
INPUT_SEED = 1
THREADS = 2


# --------------------------------------------------------------------------- data

def mlp_params(sizes, seed=SEED, dtype="float32"):
    """[(W (in,out), b (out,)), ...] as numpy arrays; see module docstring for the recipe."""
    import numpy as np
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))
        b = 0.1 * rng.standard_normal((fan_out,))
        layers.append((W.astype(dtype), b.astype(dtype)))
    return layers


def uniform_inputs(n, d, seed=INPUT_SEED, lo=-2.0, hi=2.0, dtype="float32"):
    import numpy as np
    return np.random.default_rng(seed).uniform(lo, hi, size=(n, d)).astype(dtype)


def sobolev_targets(X):
    """f(x1,x2) = sin(x1) cos(x2): value (N,1) and input gradient (N,2), computed in X's dtype."""
    import numpy as np
    x1, x2 = X[:, :1], X[:, 1:2]
    Y = np.sin(x1) * np.cos(x2)
    G = np.concatenate([np.cos(x1) * np.cos(x2), -np.sin(x1) * np.sin(x2)], axis=1)
    return Y.astype(X.dtype), G.astype(X.dtype)


# --------------------------------------------------------------------------- CPU contamination

def _proc_stat():
    """(busy jiffies of the whole machine, total jiffies, jiffies of this process incl. threads)."""
    with open("/proc/stat") as fh:
        f = [int(v) for v in fh.readline().split()[1:9]]
    total = sum(f)
    busy = total - f[3] - f[4]  # minus idle and iowait
    with open("/proc/self/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])  # utime + stime
    return busy, total, own


class CpuWatch:
    """Measures the share of machine CPU used by other processes between start() and stop()."""

    def start(self):
        self._a = _proc_stat()
        return self

    def stop(self):
        b = _proc_stat()
        busy, total, own = (b[i] - self._a[i] for i in range(3))
        self.others_pct = 100.0 * max(0, busy - own) / max(1, total)
        return self.others_pct


# --------------------------------------------------------------------------- timing

class Timing:
    def __init__(self, median_ms, min_ms, reps, others_pct):
        self.median_ms, self.min_ms, self.reps, self.others_pct = median_ms, min_ms, reps, others_pct


def measure(fn, reps=50, warmup=3, budget_s=20.0):
    """Warm up, size the run from one probe call, time >= 5 calls, return a Timing.

    Warm-up stops early once it has taken more than 2 s (at least one call is always made), so
    that multi-second variants (W3 torch.func nested jvp) do not dominate a run."""
    t_warm = time.perf_counter()
    for _ in range(max(1, warmup)):
        fn()
        if time.perf_counter() - t_warm > 2.0:
            break
    t0 = time.perf_counter()
    fn()
    probe = time.perf_counter() - t0
    n = max(5, min(reps, int(budget_s / max(probe, 1e-9))))
    samples = []
    watch = CpuWatch().start()
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    others = watch.stop()
    return Timing(statistics.median(samples), min(samples), n, others)


def jax_aot(jitted, *args):
    """Compile a jax.jit-ed function ahead of time; returns (compiled, compile_ms)."""
    t0 = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    return compiled, (time.perf_counter() - t0) * 1e3


def measure_jax(compiled, *args, **kw):
    import jax

    def call():
        jax.block_until_ready(compiled(*args))

    return measure(call, **kw)


# --------------------------------------------------------------------------- output

def _fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v).replace(" ", "")


def emit(workload, impl, median_ms, timing=None, **kv):
    """Print `WORKLOAD IMPL MEDIAN_MS key=value ...`; appends reps, min_ms, others_cpu%."""
    assert " " not in impl, impl
    parts = [workload, impl, f"{median_ms:.4f}"]
    for k, v in kv.items():
        parts.append(f"{k}={_fmt(v)}")
    if timing is not None:
        parts += [f"reps={timing.reps}", f"min_ms={timing.min_ms:.4f}",
                  f"others_cpu%={timing.others_pct:.0f}"]
    print(" ".join(parts), flush=True)


def emit_timing(workload, impl, timing, **kv):
    emit(workload, impl, timing.median_ms, timing, **kv)


def comment(msg):
    print("# " + msg, flush=True)


def failed(workload, impl, exc):
    comment(f"{workload} {impl} FAILED {type(exc).__name__}: {str(exc)[:300]}".replace("\n", " "))


# --------------------------------------------------------------------------- cross-checks

def xcheck_dir():
    """Where JAX scripts leave their outputs for the PyTorch scripts to compare against."""
    import tempfile
    d = os.environ.get("MACLAURIN_XCHECK_DIR", os.path.join(tempfile.gettempdir(), "maclaurin-xcheck"))
    os.makedirs(d, exist_ok=True)
    return d


def save_xcheck(name, arr):
    import numpy as np
    np.save(os.path.join(xcheck_dir(), name + ".npy"), np.asarray(arr))


def load_xcheck(name):
    import numpy as np
    p = os.path.join(xcheck_dir(), name + ".npy")
    return np.load(p) if os.path.exists(p) else None


def max_abs_diff(a, ref):
    import numpy as np
    if ref is None:
        return float("nan")
    return float(np.abs(np.asarray(a, dtype=np.float64) - ref).max())


# --------------------------------------------------------------------------- framework setup

def setup_torch():
    import torch
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    comment(f"torch {torch.__version__} threads={torch.get_num_threads()} python {sys.version.split()[0]}")
    return torch


def setup_jax():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    comment(f"jax {jax.__version__} devices={jax.devices()} python {sys.version.split()[0]}")
    return jax
