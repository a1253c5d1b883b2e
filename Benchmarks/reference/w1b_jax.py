"""W1b (JAX): MLP 16-128-128-128-8 tanh, N=1024: Jacobian 8x16 per point (and the value)."""
from w1_jax import run

run("W1b", [16, 128, 128, 128, 8], 1024)
