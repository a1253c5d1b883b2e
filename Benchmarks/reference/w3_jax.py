"""W3 (JAX): MLP 1-64-64-1 tanh, N=1024 points: d^k y/dx^k for k=1..8 at every point, (N,8).

Variants: jax.experimental.jet (Taylor mode, the whole batch along the unit direction), nested jvp
(one nest of 8 jvps yields all orders at once) and vmap of grad^k for each k."""
import numpy as np
from benchlib import setup_jax, uniform_inputs, jax_aot, measure_jax, emit_timing, failed, save_xcheck

jax = setup_jax()
import jax.numpy as jnp
from jax.experimental.jet import jet
from nets import jax_params, jax_mlp

WID, SIZES, N, K = "W3", [1, 64, 64, 1], 1024, 8
params = jax_params(SIZES)
X = jnp.asarray(uniform_inputs(N, 1))


def taylor_jet(p, X):
    # rows are independent, so one batched jet along x + t gives every point's Taylor series;
    # jet returns derivative (not normalized) coefficients
    series_in = (jnp.ones_like(X),) + (jnp.zeros_like(X),) * (K - 1)
    _, series_out = jet(lambda x: jax_mlp(p, x), (X,), (series_in,))
    return jnp.concatenate(series_out, axis=1)  # (N, K)


def nested_jvp(p, X):
    ones = jnp.ones_like(X)

    def lift(G):  # G: x -> (d0..dm)  ==>  x -> (d0..dm+1)
        def H(x):
            primals, tangents = jax.jvp(G, (x,), (ones,))
            return (primals[0],) + tuple(tangents)
        return H

    F = lambda x: (jax_mlp(p, x),)
    for _ in range(K):
        F = lift(F)
    return jnp.concatenate(F(X)[1:], axis=1)


def nested_grad_vmap(p, X):
    g = lambda x: jax_mlp(p, x.reshape(1))[0]  # scalar -> scalar
    cols = []
    for _ in range(K):
        g = jax.grad(g)
        cols.append(jax.vmap(g)(X[:, 0]))
    return jnp.stack(cols, axis=1)


first = None
for name, fn in [("jet", taylor_jet), ("nested_jvp", nested_jvp), ("nested_grad_vmap", nested_grad_vmap)]:
    impl = f"jax_{name}"
    try:
        comp, cms = jax_aot(jax.jit(fn), params, X)
        D = np.asarray(comp(params, X))
        assert D.shape == (N, K), D.shape
        if first is None:
            first = D
        t = measure_jax(comp, params, X)
    except Exception as e:
        failed(WID, impl, e)
        continue
    rel = np.abs(D - first).max(0) / (np.abs(first).max(0) + 1e-30)
    emit_timing(WID, impl, t, compile_ms=cms, maxrel_vs_first_per_k=",".join(f"{r:.1e}" for r in rel))
if first is not None:
    save_xcheck("W3_jax_D", first)
