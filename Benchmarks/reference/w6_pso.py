"""W6 (pyswarms): fit a 2-16-1 tanh MLP (65 weights) by particle swarm, no gradients of the loss.

pyswarms GlobalBestPSO, 64 particles x 500 iterations, two option sets:
  w0.7298_c1.49618 : w=0.7298, c1=c2=1.49618 (constriction-equivalent)
  w0.9_c0.5_0.3    : w=0.9, c1=0.5, c2=0.3
Each with pyswarms' default initial positions (U[0,1)^65; velocities U[0,1)) and with U[-1,1]^65,
seeds 0..2 (np.random.seed(seed) before the optimizer is created).

Data: rng = default_rng(0); 256 points uniform on [-2,2]^2; f = sin(x1) cos(x2). The first 128
points supervise the value, the next 64 supervise df/dx1, the last 64 df/dx2. Loss = mean squared
error over those 256 quantities, with the MLP's input gradient computed analytically, vectorized
over all particles (numpy float64, as pyswarms works in float64).
Particle layout: W1 (2,16) row-major | b1 (16) | W2 (16) | b2 (1); h = tanh(x @ W1 + b1), y = h @ W2 + b2.

Each run is timed once (lines with reps=1); the line per option set, impl pyswarms_<options>, is the
median over its 6 runs (2 inits x 3 seeds) and is the figure to compare."""
import logging
import statistics
import time
import numpy as np
import pyswarms as ps
from benchlib import CpuWatch, emit, comment

logging.getLogger("pyswarms").setLevel(logging.ERROR)
WID, PARTICLES, ITERS, DIM, HIDDEN = "W6", 64, 500, 65, 16

XS = np.random.default_rng(0).uniform(-2.0, 2.0, (256, 2))


def f(X):
    return np.sin(X[:, 0]) * np.cos(X[:, 1])


def df(X):
    return np.stack([np.cos(X[:, 0]) * np.cos(X[:, 1]), -np.sin(X[:, 0]) * np.sin(X[:, 1])], 1)


TARGET = np.concatenate([f(XS[:128]), df(XS[128:192])[:, 0], df(XS[192:])[:, 1]])
grid = np.linspace(-2.0, 2.0, 64)
GRID = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)


def value_and_input_grad(Pm, X):
    """Pm (P,65), X (S,2) -> y (P,S), dy/dx (P,S,2)."""
    W1 = Pm[:, :32].reshape(-1, 2, HIDDEN)
    b1, W2, b2 = Pm[:, 32:48], Pm[:, 48:64], Pm[:, 64]
    H = np.tanh(X[None] @ W1 + b1[:, None, :])                      # (P,S,16)
    y = (H @ W2[:, :, None])[..., 0] + b2[:, None]                   # (P,S)
    dy = ((1.0 - H * H) * W2[:, None, :]) @ W1.transpose(0, 2, 1)    # (P,S,2)
    return y, dy


def objective(Pm):
    y, dy = value_and_input_grad(Pm, XS)
    pred = np.concatenate([y[:, :128], dy[:, 128:192, 0], dy[:, 192:, 1]], 1)
    return np.mean((pred - TARGET) ** 2, axis=1)


def run(opts, seed, init):
    np.random.seed(seed)
    kw = {"init_pos": np.random.uniform(-1.0, 1.0, (PARTICLES, DIM))} if init == "U[-1,1]" else {}
    opt = ps.single.GlobalBestPSO(n_particles=PARTICLES, dimensions=DIM, options=opts, **kw)
    watch = CpuWatch().start()
    t0 = time.perf_counter()
    _, best = opt.optimize(objective, iters=ITERS, verbose=False)
    ms = (time.perf_counter() - t0) * 1e3
    others = watch.stop()
    loss = float(objective(best[None])[0])
    test = float(np.mean((value_and_input_grad(best[None], GRID)[0][0] - f(GRID)) ** 2))
    return ms, others, loss, test


# the analytic input gradient against central differences
Pt = np.random.default_rng(3).standard_normal((4, DIM))
_, dy0 = value_and_input_grad(Pt, XS[:8])
for i in range(2):
    e = np.zeros(2); e[i] = 1e-6
    fd = (value_and_input_grad(Pt, XS[:8] + e)[0] - value_and_input_grad(Pt, XS[:8] - e)[0]) / 2e-6
    assert np.abs(fd - dy0[..., i]).max() < 1e-6, "input gradient check failed"
Pr = np.random.default_rng(1).standard_normal((PARTICLES, DIM))
for _ in range(20):
    objective(Pr)
t0 = time.perf_counter()
for _ in range(200):
    objective(Pr)
comment(f"pyswarms {ps.__version__}; objective (64 particles x 256 points, float64) "
        f"{(time.perf_counter() - t0) / 200 * 1e3:.3f} ms per call; input-gradient check OK")
run({"w": 0.9, "c1": 0.5, "c2": 0.3}, 99, None)  # warm-up, untimed

for oname, opts in [("w0.7298_c1.49618", {"w": 0.7298, "c1": 1.49618, "c2": 1.49618}),
                    ("w0.9_c0.5_0.3", {"w": 0.9, "c1": 0.5, "c2": 0.3})]:
    walls, losses, others_all = [], [], []
    watch = CpuWatch().start()
    for init in [None, "U[-1,1]"]:
        for seed in [0, 1, 2]:
            ms, others, loss, test = run(opts, seed, init)
            walls.append(ms); losses.append(loss)
            iname = "default" if init is None else "U-1_1"
            emit(WID, f"pyswarms_{oname}_init{iname}_seed{seed}", ms, final_loss=loss,
                 test_mse_value_64x64=test, reps=1, **{"others_cpu%": f"{others:.0f}"})
    emit(WID, f"pyswarms_{oname}", statistics.median(walls), reps=len(walls), min_ms=min(walls),
         final_loss_median=statistics.median(losses), final_loss_min=min(losses), final_loss_max=max(losses),
         particles=PARTICLES, iters=ITERS, **{"others_cpu%": f"{watch.stop():.0f}"})
