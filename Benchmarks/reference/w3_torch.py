"""W3 (PyTorch, 2 threads): MLP 1-64-64-1 tanh, N=1024: d^k y/dx^k for k=1..8, (N,8).

Variants: nested autograd.grad(create_graph=True); torch.func nested jvp; hand-written Taylor mode
(propagation of normalized Taylor coefficients through linear and tanh layers)."""
import math
import numpy as np
from benchlib import setup_torch, uniform_inputs, measure, emit_timing, failed, load_xcheck

torch = setup_torch()
from torch.func import jvp
from nets import torch_params, torch_mlp

WID, SIZES, N, K = "W3", [1, 64, 64, 1], 1024, 8
P = torch_params(SIZES)
X = torch.tensor(uniform_inputs(N, 1))


def nested_autograd_grad():
    x = X.detach().requires_grad_(True)
    d = torch_mlp(P, x)
    cols = []
    for k in range(K):
        d, = torch.autograd.grad(d.sum(), x, create_graph=k < K - 1)
        cols.append(d)
    return torch.cat(cols, 1).detach()


def func_nested_jvp():
    ones = torch.ones_like(X)

    def lift(G):
        def H(x):
            primals, tangents = jvp(G, (x,), (ones,))
            return (primals[0],) + tuple(tangents)
        return H

    F = lambda x: (torch_mlp(P, x),)
    for _ in range(K):
        F = lift(F)
    return torch.cat(F(X)[1:], 1)


FACT = torch.tensor([float(math.factorial(k)) for k in range(1, K + 1)])


def manual_taylor_mode():
    """c[k] (K+1, N, width) are the normalized coefficients of the series in t of layer(x + t)."""
    with torch.no_grad():
        c = torch.zeros(K + 1, N, 1)
        c[0], c[1] = X, 1.0
        for W, b in P[:-1]:
            z = c @ W
            z[0] += b
            y = [torch.tanh(z[0])]
            u = [1.0 - y[0] * y[0]]           # u = tanh'(z) = 1 - y^2 as a series
            for k in range(1, K + 1):         # y' = u z'  =>  k y_k = sum_j j z_j u_{k-j}
                acc = z[1] * u[k - 1]
                for j in range(2, k + 1):
                    acc = acc + j * z[j] * u[k - j]
                y.append(acc / k)
                s = y[0] * y[k]               # u_k = -sum_j y_j y_{k-j}
                for j in range(1, k + 1):
                    s = s + y[j] * y[k - j]
                u.append(-s)
            c = torch.stack(y, 0)
        W, _ = P[-1]
        return (c[1:] @ W)[:, :, 0].T * FACT


ref = load_xcheck("W3_jax_D")
for name, fn in [("nested_autograd_grad", nested_autograd_grad), ("func_nested_jvp", func_nested_jvp),
                 ("manual_taylor_mode", manual_taylor_mode)]:
    impl = f"torch_{name}"
    try:
        D = fn()
        assert tuple(D.shape) == (N, K), D.shape
        D = D.numpy()
        rel = (np.abs(D - ref).max(0) / (np.abs(ref).max(0) + 1e-30)) if ref is not None else np.full(K, np.nan)
        t = measure(fn)
    except Exception as e:
        failed(WID, impl, e)
        continue
    emit_timing(WID, impl, t, maxrel_vs_jax_per_k=",".join(f"{r:.1e}" for r in rel))
