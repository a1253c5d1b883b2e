"""Writes Tests/MaclaurinDataTests/Fixtures/sincos_numpy.npz with real NumPy: samples of
f(x1, x2) = sin(x1) cos(x2) in the derivative .npz layout of `maclaurin fit` (arrays x, y, dy, d2y;
NaN marks a missing entry), so the Swift reader is tested against NumPy's own writer.

Which entries are present (the tests rely on this rule, not on the numbers):
  row r gives y when r % 2 == 0, dy/dx1 when r % 3 == 0, dy/dx2 when r % 3 == 1,
  and the whole Hessian (both off-diagonal entries) when r % 4 == 3.
x is float64 (12, 2); y is float64 of shape (12,) (one output); dy is float64 (12, 1, 2);
d2y is float32 (12, 2, 2). Saved with np.savez_compressed (DEFLATE members).

Run: /work/venv/bin/python Scripts/make-npz-fixture.py
"""
import os

import numpy as np

rng = np.random.default_rng(7)
n = 12
x = rng.uniform(-2, 2, size=(n, 2))
x1, x2 = x[:, 0], x[:, 1]
rows = np.arange(n)

y = np.sin(x1) * np.cos(x2)
y[rows % 2 != 0] = np.nan

dy = np.full((n, 1, 2), np.nan)
dy[rows % 3 == 0, 0, 0] = (np.cos(x1) * np.cos(x2))[rows % 3 == 0]
dy[rows % 3 == 1, 0, 1] = (-np.sin(x1) * np.sin(x2))[rows % 3 == 1]

h = np.empty((n, 2, 2))
h[:, 0, 0] = -np.sin(x1) * np.cos(x2)
h[:, 0, 1] = h[:, 1, 0] = -np.cos(x1) * np.sin(x2)
h[:, 1, 1] = -np.sin(x1) * np.cos(x2)
h[rows % 4 != 3] = np.nan
d2y = h.astype(np.float32)

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "MaclaurinDataTests", "Fixtures", "sincos_numpy.npz")
np.savez_compressed(os.path.normpath(out), x=x, y=y, dy=dy, d2y=d2y)
print(os.path.normpath(out), os.path.getsize(out), "bytes")
