#!/usr/bin/env python3
"""Write the inputs and expected outputs of the reference workloads as .npy files, for Swift tests.

usage: dump_refs.py OUTDIR        (e.g. /work/refs-data; keep it outside the repo, it is ~20 MB)

numpy cannot be re-implemented bit for bit in Swift (PCG64 + ziggurat normals), so the exact float32
inputs and parameters the references use are written out, together with float64 expected outputs:
JAX in 64-bit mode evaluated on the SAME float32 numbers upcast to float64. Layout:

  OUTDIR/manifest.json          every file: shape, dtype, what it is
  OUTDIR/<W>/params_W<i>.npy    layer i weight, shape (in, out), float32; h = tanh(h @ W + b)
  OUTDIR/<W>/params_b<i>.npy    layer i bias (out,), float32; the last layer is linear
  OUTDIR/<W>/X.npy              inputs (N, in), float32
  ... plus per workload expected outputs, float64 unless said otherwise.

Note the weights are (in, out): the transpose of the (out, in) layout of shared/refs/*.json.
"""
import json
import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import numpy as np
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
from jax.experimental.jet import jet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import mlp_params, uniform_inputs, sobolev_targets
import w5_model

OUT = sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__)
manifest = {"note": __doc__.split("\n\n", 1)[1].strip(), "files": {}}


def save(rel, arr, what):
    arr = np.asarray(arr)
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, arr)
    manifest["files"][rel] = {"shape": list(arr.shape), "dtype": str(arr.dtype), "what": what}


def mlp(params, x):
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def mlp_workload(wid, sizes, n):
    p32 = mlp_params(sizes)
    X32 = uniform_inputs(n, sizes[0])
    for i, (W, b) in enumerate(p32):
        save(f"{wid}/params_W{i}.npy", W, f"{wid} MLP {sizes} layer {i} weight (in,out)")
        save(f"{wid}/params_b{i}.npy", b, f"{wid} MLP layer {i} bias")
    save(f"{wid}/X.npy", X32, f"{wid} inputs, uniform(-2,2), default_rng(1)")
    p = [(jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64)) for W, b in p32]
    return p, jnp.asarray(X32, jnp.float64), p32, X32


# W1, W1b: value and Jacobian
for wid, sizes, n in [("W1", [2, 64, 64, 64, 1], 4096), ("W1b", [16, 128, 128, 128, 8], 1024)]:
    p, X, _, _ = mlp_workload(wid, sizes, n)
    save(f"{wid}/y.npy", mlp(p, X), f"{wid} value (N,{sizes[-1]}), float64")
    J = jax.vmap(jax.jacrev(lambda x: mlp(p, x)))(X)
    save(f"{wid}/J.npy", J, f"{wid} input Jacobian (N,out,in) = dy_o/dx_i, float64")

# W2: value, gradient, Hessian
p, X, _, _ = mlp_workload("W2", [8, 64, 64, 1], 1024)
f = lambda x: mlp(p, x)[0]
save("W2/y.npy", jax.vmap(f)(X), "W2 value (N,), float64")
save("W2/grad.npy", jax.vmap(jax.grad(f))(X), "W2 input gradient (N,8), float64")
save("W2/H.npy", jax.vmap(jax.hessian(f))(X), "W2 input Hessian (N,8,8), float64")

# W3: d^k y/dx^k, k = 1..8
p, X, _, _ = mlp_workload("W3", [1, 64, 64, 1], 1024)
_, series = jet(lambda x: mlp(p, x), (X,), ((jnp.ones_like(X),) + (jnp.zeros_like(X),) * 7,))
save("W3/y.npy", mlp(p, X), "W3 value (N,1), float64")
save("W3/D.npy", jnp.concatenate(series, 1), "W3 derivatives (N,8): column k-1 = d^k y/dx^k (not divided by k!), float64")

# W4: Sobolev loss, its parameter gradient at the initial parameters, and one Adam step
p, X, p32, X32 = mlp_workload("W4", [2, 64, 64, 1], 1024)
Y32, G32 = sobolev_targets(X32)
save("W4/Y.npy", Y32, "W4 target value sin(x1)cos(x2) (N,1), float32")
save("W4/G.npy", G32, "W4 target input gradient (N,2), float32")
Y, G = jnp.asarray(Y32, jnp.float64), jnp.asarray(G32, jnp.float64)


def sobolev_loss(p):
    gp, yp = jax.grad(lambda X: (lambda y: (y.sum(), y))(mlp(p, X)), has_aux=True)(X)
    return jnp.mean((yp - Y) ** 2) + jnp.mean((gp - G) ** 2)


loss, grads = jax.value_and_grad(sobolev_loss)(p)
save("W4/loss0.npy", loss, "W4 loss at the initial parameters: mean((y-Y)^2) + mean((dy/dx-G)^2) over N and over both components, float64")
for i, (gW, gb) in enumerate(grads):
    save(f"W4/grad_W{i}.npy", gW, f"W4 d loss / d W{i} at the initial parameters, float64")
    save(f"W4/grad_b{i}.npy", gb, f"W4 d loss / d b{i}, float64")
    # first Adam step (lr 1e-3, b1 .9, b2 .999, eps 1e-8): m = .1 g, v = .001 g^2, bias-corrected -> g/|g|
    for name, P0, g in [(f"W{i}", p[i][0], gW), (f"b{i}", p[i][1], gb)]:
        mh, vh = 0.1 * g / 0.1, 0.001 * g * g / 0.001
        save(f"W4/adam1_{name}.npy", P0 - 1e-3 * mh / (jnp.sqrt(vh) + 1e-8),
             f"W4 parameter {name} after one Adam step, float64")

# W5 / W5i: the Taylor CNN's data, parameters and eval-mode softmax output
X5, labels = w5_model.data()
save("W5/X_nhwc.npy", X5, "W5 images (64,32,32,3) NHWC, float32")
save("W5/labels.npy", labels.astype(np.int32), "W5 labels (64,), int32")
P5 = w5_model.params()
for k, v in P5.items():
    save(f"W5/{k}.npy", v, f"W5 parameter {k} (conv HWIO, dense (in,out), d1w rows in NHWC flatten order), float32")
DN = ("NHWC", "HWIO", "NHWC")


def cnn_eval(q, x):
    from jax import lax
    x = jax.nn.relu(lax.conv_general_dilated(x, q["c1w"], (1, 1), "SAME", dimension_numbers=DN) + q["c1b"])
    x = jax.nn.relu(lax.conv_general_dilated(x, q["c2w"], (1, 1), "VALID", dimension_numbers=DN) + q["c2b"])
    x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    x = jax.nn.relu(x.reshape(x.shape[0], -1) @ q["d1w"] + q["d1b"])
    powers = jnp.stack([jnp.ones_like(x), x, x * x, x * x * x], -1)
    x = jax.nn.relu(jnp.sum(q["tw"] * jnp.cumsum(q["ta"] * powers, -1), -1))
    return x @ q["d2w"] + q["d2b"]


q = {k: jnp.asarray(v, jnp.float64) for k, v in P5.items()}
logits = cnn_eval(q, jnp.asarray(X5, jnp.float64))
save("W5/probs_eval.npy", jax.nn.softmax(logits), "W5i softmax output in eval mode (64,10), float64")
onehot = np.eye(10)[labels]
save("W5/loss_eval.npy", -jnp.mean(jnp.sum(onehot * jax.nn.log_softmax(logits), -1)),
     "W5 cross-entropy in eval mode (no dropout) at the initial parameters, float64")

# W6: the PSO data set
XS = np.random.default_rng(0).uniform(-2.0, 2.0, (256, 2))
T = np.concatenate([np.sin(XS[:128, 0]) * np.cos(XS[:128, 1]),
                    np.cos(XS[128:192, 0]) * np.cos(XS[128:192, 1]),
                    -np.sin(XS[192:, 0]) * np.sin(XS[192:, 1])])
save("W6/XS.npy", XS, "W6 256 sample points on [-2,2]^2, float64 (default_rng(0))")
save("W6/targets.npy", T, "W6 targets: [0:128] value, [128:192] d/dx1, [192:256] d/dx2, float64")

with open(os.path.join(OUT, "manifest.json"), "w") as fh:
    json.dump(manifest, fh, indent=1)
print(f"wrote {len(manifest['files'])} files to {OUT}")
