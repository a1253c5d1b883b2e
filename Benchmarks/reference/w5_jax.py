"""W5 / W5i (JAX, jit, NHWC): the Taylor CNN (see w5_model.py), batch 64.

W5: one jitted training step = forward in train mode (dropout from a carried PRNG key), softmax
cross-entropy, gradient, Adam. W5i: jitted inference forward with softmax."""
import numpy as np
from benchlib import setup_jax, jax_aot, measure, measure_jax, emit_timing, failed, save_xcheck
import w5_model as M

jax = setup_jax()
import jax.numpy as jnp
from jax import lax

DN = ("NHWC", "HWIO", "NHWC")
tmap = jax.tree_util.tree_map


def dropout(key, x, rate):
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


def forward(p, x, key=None):  # logits; dropout only when a key is given (training)
    x = jax.nn.relu(lax.conv_general_dilated(x, p["c1w"], (1, 1), "SAME", dimension_numbers=DN) + p["c1b"])
    x = jax.nn.relu(lax.conv_general_dilated(x, p["c2w"], (1, 1), "VALID", dimension_numbers=DN) + p["c2b"])
    x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    if key is not None:
        k1, k2 = jax.random.split(key)
        x = dropout(k1, x, 0.25)
    x = jax.nn.relu(x.reshape(x.shape[0], -1) @ p["d1w"] + p["d1b"])
    if key is not None:
        x = dropout(k2, x, 0.5)
    powers = jnp.stack([jnp.ones_like(x), x, x * x, x * x * x], -1)
    x = jax.nn.relu(jnp.sum(p["tw"] * jnp.cumsum(p["ta"] * powers, -1), -1))
    return x @ p["d2w"] + p["d2b"]


def loss_fn(p, x, y, key):
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(forward(p, x, key)), -1))


@jax.jit
def train_step(p, m, v, t, key, x, y):
    key, sub = jax.random.split(key)
    loss, g = jax.value_and_grad(loss_fn)(p, x, y, sub)
    t = t + 1.0
    m = tmap(lambda m, g: M.B1 * m + (1 - M.B1) * g, m, g)
    v = tmap(lambda v, g: M.B2 * v + (1 - M.B2) * g * g, v, g)
    c1, c2 = 1 - M.B1 ** t, 1 - M.B2 ** t
    p = tmap(lambda p, m, v: p - M.LR * (m / c1) / (jnp.sqrt(v / c2) + M.EPS), p, m, v)
    return p, m, v, t, key, loss


@jax.jit
def infer(p, x):
    return jax.nn.softmax(forward(p, x))


Xn, labels = M.data()
X = jnp.asarray(Xn)
Y = jax.nn.one_hot(jnp.asarray(labels), M.CLASSES)
params = {k: jnp.asarray(v) for k, v in M.params().items()}

try:
    ci, cms = jax_aot(infer, params, X)
    probs = np.asarray(ci(params, X))
    save_xcheck("W5i_jax_probs", probs)
    ti = measure_jax(ci, params, X, reps=50)
    emit_timing("W5i", "jax_infer", ti, compile_ms=cms)
except Exception as e:
    failed("W5i", "jax_infer", e)

try:
    zeros = tmap(jnp.zeros_like, params)
    init = (params, zeros, zeros, jnp.float32(0.0), jax.random.PRNGKey(0))
    cs, cms = jax_aot(train_step, *init, X, Y)
    state = {"s": init}

    def one_step():
        out = cs(*state["s"], X, Y)
        state["s"] = out[:5]
        return jax.block_until_ready(out[5])

    loss0 = float(one_step())
    tt = measure(one_step, reps=30)
    emit_timing("W5", "jax_train_step", tt, compile_ms=cms, loss_first=loss0)
except Exception as e:
    failed("W5", "jax_train_step", e)
