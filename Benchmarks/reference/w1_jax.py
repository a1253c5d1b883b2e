"""W1 (JAX): MLP 2-64-64-64-1 tanh, N=4096 points: value (N,1) and full input Jacobian (N,1,2).
Also used by w1b_jax.py (W1b: MLP 16-128-128-128-8, N=1024, Jacobian (N,8,16))."""
import numpy as np
from benchlib import setup_jax, uniform_inputs, jax_aot, measure_jax, emit_timing, failed, save_xcheck, max_abs_diff

jax = setup_jax()
import jax.numpy as jnp
from nets import jax_params, jax_mlp


def run(wid, sizes, n):
    params = jax_params(sizes)
    X = jnp.asarray(uniform_inputs(n, sizes[0]))
    d_in, d_out = sizes[0], sizes[-1]

    def point(p, x):  # one point (d_in,) -> (y, y); the aux output returns the value with the Jacobian
        y = jax_mlp(p, x)
        return y, y

    variants = {
        "jacrev_vmap": lambda p, X: jax.vmap(lambda x: jax.jacrev(point, argnums=1, has_aux=True)(p, x))(X),
        "jacfwd_vmap": lambda p, X: jax.vmap(lambda x: jax.jacfwd(point, argnums=1, has_aux=True)(p, x))(X),
    }
    if d_out == 1:
        # points are independent, so the gradient of the batch sum is the per-point gradient
        def grad_of_sum(p, X):
            g, y = jax.grad(lambda X: (lambda y: (y.sum(), y))(jax_mlp(p, X)), has_aux=True)(X)
            return g[:, None, :], y
        variants["grad_of_sum"] = grad_of_sum

    first = None
    for name, fn in variants.items():
        impl = f"jax_{name}"
        try:
            comp, cms = jax_aot(jax.jit(fn), params, X)
            J, y = (np.asarray(a) for a in comp(params, X))
            assert J.shape == (n, d_out, d_in) and y.shape == (n, d_out), (J.shape, y.shape)
            if first is None:
                first = (J, y)
            t = measure_jax(comp, params, X)
        except Exception as e:  # report and go on with the other variants
            failed(wid, impl, e)
            continue
        emit_timing(wid, impl, t, compile_ms=cms, maxdiff_vs_first=max_abs_diff(J, first[0]),
                    J0=",".join(f"{v:.6g}" for v in J[0].ravel()[:4]))
    if first is not None:
        save_xcheck(f"{wid}_jax_J", first[0])
        save_xcheck(f"{wid}_jax_y", first[1])


if __name__ == "__main__":
    run("W1", [2, 64, 64, 64, 1], 4096)
