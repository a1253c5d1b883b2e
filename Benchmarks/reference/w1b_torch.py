"""W1b (PyTorch, 2 threads): MLP 16-128-128-128-8 tanh, N=1024: Jacobian 8x16 per point."""
from w1_torch import run

run("W1b", [16, 128, 128, 128, 8], 1024)
