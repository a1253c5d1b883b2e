"""W4 (JAX): one Sobolev training step of MLP 2-64-64-1 tanh on a batch of 1024.

loss = mean((y - f)^2) + mean((dy/dx - grad f)^2) over both input components, f = sin(x1) cos(x2);
the parameter gradient goes through the input gradient (double backprop); then an Adam update
(lr 1e-3, b1 0.9, b2 0.999, eps 1e-8). The whole step is one jitted function; the state is carried
from step to step."""
import numpy as np
from benchlib import (setup_jax, uniform_inputs, sobolev_targets, jax_aot, measure, emit_timing, failed)

jax = setup_jax()
import jax.numpy as jnp
from nets import jax_params, jax_mlp

WID, SIZES, N = "W4", [2, 64, 64, 1], 1024
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8
Xn = uniform_inputs(N, 2)
Yn, Gn = sobolev_targets(Xn)
X, Y, G = jnp.asarray(Xn), jnp.asarray(Yn), jnp.asarray(Gn)
tmap = jax.tree_util.tree_map


def loss_grad_of_sum(p, X, Y, G):  # input gradient of the batch sum = per-point gradients
    gp, yp = jax.grad(lambda X: (lambda y: (y.sum(), y))(jax_mlp(p, X)), has_aux=True)(X)
    return jnp.mean((yp - Y) ** 2) + jnp.mean((gp - G) ** 2)


def loss_vmap_value_and_grad(p, X, Y, G):
    yp, gp = jax.vmap(jax.value_and_grad(lambda x: jax_mlp(p, x)[0]))(X)
    return jnp.mean((yp[:, None] - Y) ** 2) + jnp.mean((gp - G) ** 2)


def make_step(loss_fn):
    def step(p, m, v, t, X, Y, G):
        loss, g = jax.value_and_grad(loss_fn)(p, X, Y, G)
        t = t + 1.0
        m = tmap(lambda m, g: B1 * m + (1 - B1) * g, m, g)
        v = tmap(lambda v, g: B2 * v + (1 - B2) * g * g, v, g)
        c1, c2 = 1 - B1 ** t, 1 - B2 ** t
        p = tmap(lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS), p, m, v)
        return p, m, v, t, loss
    return jax.jit(step)


def fresh_state():
    p = jax_params(SIZES)
    z = tmap(jnp.zeros_like, p)
    return (p, z, z, jnp.float32(0.0))


for name, lf in [("grad_of_sum_adam", loss_grad_of_sum), ("vmap_value_and_grad_adam", loss_vmap_value_and_grad)]:
    impl = f"jax_{name}"
    try:
        comp, cms = jax_aot(make_step(lf), *fresh_state(), X, Y, G)
        state = {"s": fresh_state()}

        def one_step():
            out = comp(*state["s"], X, Y, G)
            state["s"] = out[:4]
            return jax.block_until_ready(out[4])

        t = measure(one_step)
        # convergence check from a fresh start: loss of the first step, and of step 201
        state["s"] = fresh_state()
        loss0 = float(one_step())
        for _ in range(200):
            loss = one_step()
    except Exception as e:
        failed(WID, impl, e)
        continue
    emit_timing(WID, impl, t, compile_ms=cms, loss0=loss0, loss_step201=float(loss))
