"""W2 (PyTorch, 2 threads): MLP 8-64-64-1 tanh, N=1024 points: the full input Hessian (N,8,8)."""
from benchlib import setup_torch, uniform_inputs, measure, emit_timing, failed, load_xcheck, max_abs_diff

torch = setup_torch()
from torch.func import vmap, jacrev, jacfwd, hessian
from nets import torch_params, torch_mlp

WID, SIZES, N = "W2", [8, 64, 64, 1], 1024
D = SIZES[0]
P = torch_params(SIZES)
X = torch.tensor(uniform_inputs(N, D))


def f(x):  # one point -> scalar
    return torch_mlp(P, x)[0]


def func_vmap_hessian():  # torch.func.hessian = jacfwd(jacrev)
    return vmap(hessian(f))(X)


def func_vmap_jacrev_jacrev():
    return vmap(jacrev(jacrev(f)))(X)


def autograd_double_backward_loop():  # input gradient with create_graph, then one backward per row
    x = X.detach().requires_grad_(True)
    g, = torch.autograd.grad(torch_mlp(P, x).sum(), x, create_graph=True)
    rows = [torch.autograd.grad(g[:, i].sum(), x, retain_graph=i < D - 1)[0] for i in range(D)]
    return torch.stack(rows, 1)


def autograd_double_backward_batched():  # the D rows as one vmapped backward
    x = X.detach().requires_grad_(True)
    g, = torch.autograd.grad(torch_mlp(P, x).sum(), x, create_graph=True)
    cot = torch.eye(D).unsqueeze(1).expand(D, N, D)
    H, = torch.autograd.grad(g, x, grad_outputs=cot, is_grads_batched=True)
    return H.transpose(0, 1)


ref = load_xcheck("W2_jax_H")
for name, fn in [("func_vmap_hessian", func_vmap_hessian), ("func_vmap_jacrev_jacrev", func_vmap_jacrev_jacrev),
                 ("autograd_double_backward_loop", autograd_double_backward_loop),
                 ("autograd_double_backward_batched", autograd_double_backward_batched)]:
    impl = f"torch_{name}"
    try:
        H = fn()
        assert tuple(H.shape) == (N, D, D), H.shape
        err = max_abs_diff(H.detach().numpy(), ref)
        t = measure(fn)
    except Exception as e:
        failed(WID, impl, e)
        continue
    emit_timing(WID, impl, t, maxdiff_vs_jax=err)
