"""W5 / W5i (PyTorch, 2 threads): the Taylor CNN (see w5_model.py), batch 64.

W5: one training step = forward in train mode (dropout), softmax cross-entropy, backward, Adam.
W5i: inference forward (eval mode, torch.inference_mode), softmax output.
Both in the NCHW (contiguous) and channels_last memory formats."""
import numpy as np
from benchlib import setup_torch, measure, emit_timing, failed, load_xcheck, max_abs_diff
import w5_model as M

torch = setup_torch()
import torch.nn as nn
import torch.nn.functional as F


class TaylorExpansion(nn.Module):
    def __init__(self, units, order=3):
        super().__init__()
        self.order = order
        self.a = nn.Parameter(torch.zeros(units, order + 1))
        self.w = nn.Parameter(torch.zeros(units, order + 1))

    def forward(self, x):  # (B, units)
        powers = torch.stack([torch.ones_like(x)] + [x ** k for k in range(1, self.order + 1)], -1)
        return (self.w * torch.cumsum(self.a * powers, -1)).sum(-1)


class TaylorCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 32, 3)
        self.d1 = nn.Linear(32 * 15 * 15, 512)
        self.te = TaylorExpansion(512, 3)
        self.d2 = nn.Linear(512, M.CLASSES)
        self.drop1, self.drop2 = nn.Dropout(0.25), nn.Dropout(0.5)

    def forward(self, x):  # -> logits
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        x = self.drop2(F.relu(self.d1(torch.flatten(self.drop1(x), 1))))
        return self.d2(F.relu(self.te(x)))

    def load_recipe(self, p):
        """Parameters of w5_model.params(): HWIO -> OIHW, (in,out) -> (out,in), NHWC -> NCHW flatten."""
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
        d1w = p["d1w"].reshape(15, 15, 32, 512).transpose(2, 0, 1, 3).reshape(7200, 512)
        with torch.no_grad():
            self.c1.weight.copy_(t(p["c1w"].transpose(3, 2, 0, 1))); self.c1.bias.copy_(t(p["c1b"]))
            self.c2.weight.copy_(t(p["c2w"].transpose(3, 2, 0, 1))); self.c2.bias.copy_(t(p["c2b"]))
            self.d1.weight.copy_(t(d1w.T)); self.d1.bias.copy_(t(p["d1b"]))
            self.te.a.copy_(t(p["ta"])); self.te.w.copy_(t(p["tw"]))
            self.d2.weight.copy_(t(p["d2w"].T)); self.d2.bias.copy_(t(p["d2b"]))
        return self


Xn, labels = M.data()
P0 = M.params()
ref_probs = load_xcheck("W5i_jax_probs")
n_params = sum(p.numel() for p in TaylorCNN().parameters())
assert n_params == M.N_PARAMS, n_params

for fmt in ["channels_last", "nchw"]:
    try:
        model = TaylorCNN().load_recipe(P0)
        X = torch.from_numpy(Xn).permute(0, 3, 1, 2).contiguous()
        if fmt == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            X = X.contiguous(memory_format=torch.channels_last)
        Y = torch.from_numpy(labels)
        opt = torch.optim.Adam(model.parameters(), lr=M.LR, betas=(M.B1, M.B2), eps=M.EPS)

        def infer():
            model.eval()
            with torch.inference_mode():
                return F.softmax(model(X), -1)

        def train_step():
            model.train()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(X), Y)
            loss.backward()
            opt.step()
            return loss.detach()

        probs = infer().numpy()  # before any update: same parameters as the JAX reference
        ti = measure(infer, reps=50)
        emit_timing("W5i", f"torch_infer_{fmt}", ti, maxdiff_vs_jax=max_abs_diff(probs, ref_probs))
        torch.manual_seed(0)
        loss0 = float(train_step())
        tt = measure(train_step, reps=30)
        emit_timing("W5", f"torch_train_step_{fmt}", tt, loss_first=loss0)
    except Exception as e:
        failed("W5", f"torch_{fmt}", e)
