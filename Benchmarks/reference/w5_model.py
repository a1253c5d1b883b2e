"""The Taylor CNN of W5/W5i: data and initial parameters shared by the PyTorch, JAX and Keras refs.

Conv2D(32, 3x3, same, relu) -> Conv2D(32, 3x3, valid, relu) -> MaxPool2D(2) -> Dropout(0.25)
-> Flatten -> Dense(512, relu) -> Dropout(0.5) -> TaylorExpansion(order 3) -> relu -> Dense(10, softmax)
3,706,282 parameters. Batch 64 of 32x32x3 images, 10 classes; Adam lr 1e-3, eps 1e-7 (Keras default).

TaylorExpansion(order 3) per unit: P = [1, x, x^2, x^3]; s = cumsum(a * P); out = sum(w * s).

Recipe (numpy, so that every framework and the Swift side start from the same numbers):
  data:   rng = default_rng(0); X = rng.standard_normal((64, 32, 32, 3)) (NHWC) as float32;
          labels = rng.integers(0, 10, 64)
  params: rng = default_rng(5), drawn in this order, Glorot-uniform U(-l, l), l = sqrt(6/(fan_in+fan_out)):
          c1w (3,3,3,32) fans 27/288; c2w (3,3,32,32) fans 288/288; d1w (7200,512); then
          ta, tw (512,4) ~ U(-0.1, 0.1); then d2w (512,10); all biases zero.
          Kernels are HWIO, dense weights (in, out); d1w rows are in NHWC flatten order (h, w, c).
"""
import numpy as np

BATCH, CLASSES = 64, 10
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-7
N_PARAMS = 3706282


def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, 32, 32, 3)).astype(np.float32)
    labels = rng.integers(0, CLASSES, BATCH)
    return X, labels


def params():
    rng = np.random.default_rng(5)

    def glorot(shape, fan_in, fan_out):
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-lim, lim, shape).astype(np.float32)

    p = {}
    p["c1w"] = glorot((3, 3, 3, 32), 27, 288)
    p["c2w"] = glorot((3, 3, 32, 32), 288, 288)
    p["d1w"] = glorot((7200, 512), 7200, 512)
    p["ta"] = rng.uniform(-0.1, 0.1, (512, 4)).astype(np.float32)
    p["tw"] = rng.uniform(-0.1, 0.1, (512, 4)).astype(np.float32)
    p["d2w"] = glorot((512, 10), 512, 10)
    for k, n in [("c1b", 32), ("c2b", 32), ("d1b", 512), ("d2b", 10)]:
        p[k] = np.zeros(n, np.float32)
    assert sum(v.size for v in p.values()) == N_PARAMS
    return p


def keras_weight_list(p):
    """The order of keras.Sequential.get_weights() for this model."""
    return [p[k] for k in ["c1w", "c1b", "c2w", "c2b", "d1w", "d1b", "ta", "tw", "d2w", "d2b"]]
