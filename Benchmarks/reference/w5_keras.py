"""W5 / W5i (Keras 3 on the JAX backend, NHWC): the Taylor CNN of the motivating Keras example,
with the parameters of w5_model.py. W5: model.train_on_batch (jit_compile=True); W5i: predict_on_batch.
The first call (which compiles) is reported separately as first_call_ms."""
import os
import time
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
import numpy as np
from benchlib import measure, emit_timing, failed, comment, load_xcheck, max_abs_diff
import w5_model as M
import keras
from keras import layers, ops

comment(f"keras {keras.__version__} backend={keras.backend.backend()}")
keras.utils.set_random_seed(0)


class TaylorExpansion(layers.Layer):
    def __init__(self, order=3, **kw):
        super().__init__(**kw)
        self.order = order

    def build(self, input_shape):
        shape = (input_shape[-1], self.order + 1)
        self.a = self.add_weight(shape=shape, initializer="zeros", name="a")
        self.w = self.add_weight(shape=shape, initializer="zeros", name="w")

    def call(self, x):
        powers = ops.stack([ops.ones_like(x)] + [x ** k for k in range(1, self.order + 1)], axis=-1)
        return ops.sum(self.w * ops.cumsum(self.a * powers, axis=-1), axis=-1)


def build():
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2), layers.Dropout(0.25), layers.Flatten(),
        layers.Dense(512, activation="relu"), layers.Dropout(0.5),
        TaylorExpansion(3), layers.Activation("relu"),
        layers.Dense(M.CLASSES, activation="softmax")])
    model.set_weights(M.keras_weight_list(M.params()))
    assert model.count_params() == M.N_PARAMS
    return model


Xn, labels = M.data()
Yn = np.eye(M.CLASSES, dtype=np.float32)[labels]
try:
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(M.LR, beta_1=M.B1, beta_2=M.B2, epsilon=M.EPS),
                  loss="categorical_crossentropy", jit_compile=True)
    t0 = time.perf_counter()
    probs = np.asarray(model.predict_on_batch(Xn))
    first = (time.perf_counter() - t0) * 1e3
    ti = measure(lambda: model.predict_on_batch(Xn), reps=50)
    emit_timing("W5i", "keras_jax_predict_on_batch", ti, first_call_ms=first,
                maxdiff_vs_jax=max_abs_diff(probs, load_xcheck("W5i_jax_probs")))
    t0 = time.perf_counter()
    loss0 = float(model.train_on_batch(Xn, Yn))
    first = (time.perf_counter() - t0) * 1e3
    tt = measure(lambda: model.train_on_batch(Xn, Yn), reps=30)
    emit_timing("W5", "keras_jax_train_on_batch", tt, first_call_ms=first, loss_first=loss0)
except Exception as e:
    failed("W5", "keras_jax", e)
