"""W4 (PyTorch, 2 threads): one Sobolev training step of MLP 2-64-64-1 tanh, batch 1024.

Forward, input gradient with create_graph=True, loss on value and input gradient, backward
(double backprop), torch.optim.Adam (lr 1e-3, defaults otherwise = b1 0.9, b2 0.999, eps 1e-8)."""
from benchlib import setup_torch, uniform_inputs, sobolev_targets, measure, emit_timing, failed

torch = setup_torch()
from torch.func import vmap, grad_and_value
from nets import torch_params, torch_mlp

WID, SIZES, N = "W4", [2, 64, 64, 1], 1024
Xn = uniform_inputs(N, 2)
Yn, Gn = sobolev_targets(Xn)
X, Y, G = torch.tensor(Xn), torch.tensor(Yn), torch.tensor(Gn)


def make_autograd():
    P = torch_params(SIZES, requires_grad=True)
    opt = torch.optim.Adam([t for wb in P for t in wb], lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        x = X.detach().requires_grad_(True)
        y = torch_mlp(P, x)
        g, = torch.autograd.grad(y.sum(), x, create_graph=True)
        loss = torch.mean((y - Y) ** 2) + torch.mean((g - G) ** 2)
        loss.backward()
        opt.step()
        return loss.detach()
    return step


def make_func():
    P = torch_params(SIZES, requires_grad=True)
    flat = [t for wb in P for t in wb]
    opt = torch.optim.Adam(flat, lr=1e-3)

    def loss_fn(flat):
        p = list(zip(flat[0::2], flat[1::2]))
        gp, yp = vmap(grad_and_value(lambda x: torch_mlp(p, x)[0]))(X)
        return torch.mean((yp[:, None] - Y) ** 2) + torch.mean((gp - G) ** 2)

    gl = grad_and_value(loss_fn)

    def step():
        g, loss = gl([t.detach() for t in flat])
        for t, gi in zip(flat, g):
            t.grad = gi
        opt.step()
        return loss
    return step


for name, make in [("autograd_create_graph_adam", make_autograd), ("func_vmap_grad_adam", make_func)]:
    impl = f"torch_{name}"
    try:
        t = measure(make())
        step = make()
        loss0 = float(step())
        for _ in range(200):
            loss = step()
    except Exception as e:
        failed(WID, impl, e)
        continue
    emit_timing(WID, impl, t, loss0=loss0, loss_step201=float(loss))
