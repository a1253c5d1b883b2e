"""W1 (PyTorch, 2 threads): MLP 2-64-64-64-1 tanh, N=4096: value and input Jacobian (N,1,2).
Also used by w1b_torch.py (W1b: MLP 16-128-128-128-8, N=1024)."""
import numpy as np
from benchlib import setup_torch, uniform_inputs, measure, emit_timing, failed, load_xcheck, max_abs_diff

torch = setup_torch()
from torch.func import vmap, jacrev, jacfwd
from nets import torch_params, torch_mlp, torch_forward_jacobian


def run(wid, sizes, n):
    P = torch_params(sizes)
    X = torch.tensor(uniform_inputs(n, sizes[0]))
    d_in, d_out = sizes[0], sizes[-1]

    def point(x):
        y = torch_mlp(P, x)
        return y, y

    def func_vmap_jacrev():
        return vmap(jacrev(point, has_aux=True))(X)

    def func_vmap_jacfwd():
        return vmap(jacfwd(point, has_aux=True))(X)

    def autograd_grad_of_sum():  # scalar output only: one backward pass for the whole batch
        x = X.detach().requires_grad_(True)
        y = torch_mlp(P, x)
        g, = torch.autograd.grad(y.sum(), x)
        return g.unsqueeze(1), y.detach()

    def autograd_batched_backward():  # one vmapped backward over the d_out one-hot cotangents
        x = X.detach().requires_grad_(True)
        y = torch_mlp(P, x)
        cot = torch.eye(d_out).unsqueeze(1).expand(d_out, n, d_out)
        g, = torch.autograd.grad(y, x, grad_outputs=cot, is_grads_batched=True)
        return g.transpose(0, 1), y.detach()

    def manual_forward_tangent():
        with torch.no_grad():
            y, J = torch_forward_jacobian(P, X)
        return J, y

    variants = [("func_vmap_jacrev", func_vmap_jacrev), ("func_vmap_jacfwd", func_vmap_jacfwd)]
    variants.append(("autograd_grad_of_sum", autograd_grad_of_sum) if d_out == 1
                    else ("autograd_batched_backward", autograd_batched_backward))
    variants.append(("manual_forward_tangent", manual_forward_tangent))

    ref = load_xcheck(f"{wid}_jax_J")
    for name, fn in variants:
        impl = f"torch_{name}"
        try:
            J, y = fn()
            assert tuple(J.shape) == (n, d_out, d_in) and tuple(y.shape) == (n, d_out), (J.shape, y.shape)
            err = max_abs_diff(J.detach().numpy(), ref)
            t = measure(fn)
        except Exception as e:
            failed(wid, impl, e)
            continue
        emit_timing(wid, impl, t, maxdiff_vs_jax=err)


if __name__ == "__main__":
    run("W1", [2, 64, 64, 64, 1], 4096)
