"""The tanh MLPs of W1..W4 in JAX and PyTorch (same parameters, from benchlib.mlp_params)."""
from benchlib import mlp_params


# ----------------------------------------------------------------------------- JAX

def jax_params(sizes):
    import jax.numpy as jnp
    return [(jnp.asarray(W), jnp.asarray(b)) for W, b in mlp_params(sizes)]


def jax_mlp(params, x):
    """x: (..., in) -> (..., out); hidden layers tanh, last layer linear."""
    import jax.numpy as jnp
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


# ----------------------------------------------------------------------------- PyTorch

def torch_params(sizes, requires_grad=False):
    import torch
    return [(torch.tensor(W, requires_grad=requires_grad), torch.tensor(b, requires_grad=requires_grad))
            for W, b in mlp_params(sizes)]


def torch_mlp(params, x):
    """Batched (N, in) uses addmm; a single point (in,) (inside torch.func.vmap) uses matmul."""
    import torch
    h = x
    last = len(params) - 1
    for i, (W, b) in enumerate(params):
        h = torch.addmm(b, h, W) if h.dim() == 2 else h @ W + b
        if i < last:
            h = torch.tanh(h)
    return h


def torch_forward_jacobian(params, x):
    """Hand-written forward mode: value (N, out) and input Jacobian (N, out, in) in one pass.

    The tangent block T (N, in, width) is pushed through each layer: T <- (T @ W) * tanh'(z).
    """
    import torch
    n, d = x.shape
    T = torch.eye(d, dtype=x.dtype).expand(n, d, d)
    h = x
    for W, b in params[:-1]:
        h = torch.tanh(torch.addmm(b, h, W))
        T = (T @ W) * (1.0 - h * h).unsqueeze(1)
    W, b = params[-1]
    return torch.addmm(b, h, W), (T @ W).transpose(1, 2)
