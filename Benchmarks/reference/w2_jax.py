"""W2 (JAX): MLP 8-64-64-1 tanh, N=1024 points: the full input Hessian (N,8,8)."""
import numpy as np
from benchlib import setup_jax, uniform_inputs, jax_aot, measure_jax, emit_timing, failed, save_xcheck, max_abs_diff

jax = setup_jax()
import jax.numpy as jnp
from nets import jax_params, jax_mlp

WID, SIZES, N = "W2", [8, 64, 64, 1], 1024
params = jax_params(SIZES)
X = jnp.asarray(uniform_inputs(N, SIZES[0]))


def f(p, x):  # one point (8,) -> scalar
    return jax_mlp(p, x)[0]


variants = {
    # jax.hessian is forward-over-reverse (jacfwd(jacrev))
    "hessian_vmap": lambda p, X: jax.vmap(lambda x: jax.hessian(f, argnums=1)(p, x))(X),
    "jacrev_jacrev_vmap": lambda p, X: jax.vmap(lambda x: jax.jacrev(jax.jacrev(f, argnums=1), argnums=1)(p, x))(X),
    "jacfwd_jacfwd_vmap": lambda p, X: jax.vmap(lambda x: jax.jacfwd(jax.jacfwd(f, argnums=1), argnums=1)(p, x))(X),
}
first = None
for name, fn in variants.items():
    impl = f"jax_{name}"
    try:
        comp, cms = jax_aot(jax.jit(fn), params, X)
        H = np.asarray(comp(params, X))
        assert H.shape == (N, 8, 8), H.shape
        if first is None:
            first = H
        t = measure_jax(comp, params, X)
    except Exception as e:
        failed(WID, impl, e)
        continue
    emit_timing(WID, impl, t, compile_ms=cms, maxdiff_vs_first=max_abs_diff(H, first),
                symmetry_err=float(np.abs(H - H.transpose(0, 2, 1)).max()))
if first is not None:
    save_xcheck("W2_jax_H", first)
