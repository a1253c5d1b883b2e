"""The PyTorch round trip: a model trained by `maclaurin fit` runs in PyTorch with the same
outputs, Jacobians and Hessians.

1. Unless --model is given, writes mixed value/derivative samples of sin(x1) cos(x2) to a CSV and
   runs `maclaurin fit DATA --layers 2,8,8,1 --activation sigmoid --out model.safetensors`
   (double precision, so the file holds F64 tensors).
2. Loads the weights with the `safetensors` package and the architecture from the file's
   metadata ("maclaurin.model": the JSON model format without weights), and builds the equivalent
   `torch.nn.Sequential`. Maclaurin names tensors "<layer>/<parameter>" as Keras does
   ("dense_1/kernel", "dense_1/bias") and stores dense kernels (inputs, units) as Keras does:
   y = act(x @ kernel + bias). PyTorch's Linear.weight is (out, in), so weight = kernel.T.
3. Runs `maclaurin derive model.safetensors --points X.npy --hessian --out results.npz` and compares
   value, Jacobian (torch.func.jacrev) and Hessian (torch.func.hessian) in float64.

Prints a PASS/FAIL table; exits 0 only when every quantity agrees within the tolerance.

Run from the repository root (build first: swift build -c release):
    /work/venv/bin/python Scripts/pytorch_roundtrip.py [--maclaurin .build/release/maclaurin] [--model FILE.safetensors]
Needs numpy, torch and safetensors (pip install numpy torch safetensors).
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import warnings

import numpy as np

warnings.filterwarnings("ignore", category=FutureWarning)      # torch's own deprecation notices
import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

ACTIVATIONS = {
    "linear": torch.nn.Identity, "identity": torch.nn.Identity, "none": torch.nn.Identity,
    "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "softplus": torch.nn.Softplus,
    "gelu": lambda: torch.nn.GELU(approximate="tanh"),      # Maclaurin's gelu is the tanh form
}


class Sin(torch.nn.Module):
    def forward(self, x):
        return torch.sin(x)


class Exp(torch.nn.Module):
    def forward(self, x):
        return torch.exp(x)


ACTIVATIONS.update({"sin": Sin, "exp": Exp})


def maclaurin_command(explicit):
    """The command that runs maclaurin: --maclaurin, else the release build, else `swift run`."""
    if explicit:
        return [explicit]
    for candidate in (os.path.join(ROOT, ".build", "release", "maclaurin"), shutil.which("maclaurin")):
        if candidate and os.access(candidate, os.X_OK):
            return [candidate]
    return ["swift", "run", "-c", "release", "--package-path", ROOT, "maclaurin"]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: {' '.join(command)} exited with {result.returncode}:\n{result.stderr}")
    return result.stdout


def write_training_data(path):
    """Mixed samples of f = sin(x1) cos(x2): values, dy/dx1 or dy/dx2 at seeded random points."""
    rng = np.random.default_rng(3)
    with open(path, "w") as f:
        f.write("x1,x2,kind,value\n")
        for i in range(96):
            a, b = (float(v) for v in rng.uniform(-2, 2, size=2))
            kind, value = [("y", math.sin(a) * math.cos(b)), ("dy/dx1", math.cos(a) * math.cos(b)),
                           ("dy/dx2", -math.sin(a) * math.sin(b))][i % 3]
            f.write(f"{a!r},{b!r},{kind},{value!r}\n")


def torch_model(path):
    """The torch.nn.Sequential equivalent to the model file, and how its tensors were mapped."""
    with safe_open(path, "pt") as f:
        metadata = f.metadata() or {}
    if "maclaurin.model" not in metadata:
        sys.exit(f"FAIL: {path} has no 'maclaurin.model' metadata (not written by maclaurin)")
    architecture = json.loads(metadata["maclaurin.model"])
    tensors = load_file(path)
    width = architecture["input"]
    if not isinstance(width, int):
        sys.exit(f"FAIL: this script handles vector-input models; the input is {width}")
    modules, mapping = [], []
    for layer in architecture["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind == "dense":
            kernel, bias = tensors[f"{name}/kernel"], tensors[f"{name}/bias"]
            linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1], dtype=kernel.dtype)
            with torch.no_grad():
                linear.weight.copy_(kernel.T)       # Keras (in, out) -> PyTorch (out, in)
                linear.bias.copy_(bias)
            mapping.append((f"{name}/kernel", tuple(kernel.shape), f"{len(modules)}.weight", tuple(linear.weight.shape),
                            "transposed"))
            mapping.append((f"{name}/bias", tuple(bias.shape), f"{len(modules)}.bias", tuple(linear.bias.shape), ""))
            modules.append(linear)
            activation = layer.get("activation", "linear")
        elif kind == "activation":
            activation = layer.get("activation", "linear")
        else:
            sys.exit(f"FAIL: layer type '{kind}' is not mapped by this script (dense and activation are)")
        if activation not in ACTIVATIONS:
            sys.exit(f"FAIL: activation '{activation}' is not mapped by this script")
        if activation not in ("linear", "identity", "none"):
            modules.append(ACTIVATIONS[activation]())
        width = layer.get("units", width)
    return torch.nn.Sequential(*modules).to(torch.float64), architecture, mapping


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maclaurin", help="the maclaurin executable (default: .build/release/maclaurin, else swift run)")
    parser.add_argument("--model", help="a .safetensors model to check (default: train one with maclaurin fit)")
    parser.add_argument("--points", type=int, default=5, help="number of random points (default 5)")
    parser.add_argument("--tolerance", type=float, default=1e-12, help="relative tolerance (default 1e-12)")
    args = parser.parse_args()
    maclaurin = maclaurin_command(args.maclaurin)
    work = tempfile.mkdtemp(prefix="maclaurin-roundtrip-")
    try:
        model = args.model
        if model is None:
            data, model = os.path.join(work, "data.csv"), os.path.join(work, "model.safetensors")
            write_training_data(data)
            fitted = json.loads(run(maclaurin + ["fit", data, "--layers", "2,8,8,1", "--activation", "sigmoid",
                                                 "--optimizer", "adam", "--iterations", "300", "--quiet",
                                                 "--out", model]).strip().splitlines()[-1])
            print(f"maclaurin fit: loss {fitted['loss']:.3e} -> {model}")
        net, architecture, mapping = torch_model(model)
        print(f"architecture from the metadata: input {architecture['input']}, layers "
              + ", ".join(f"{l['name']}({l.get('units', '')}{', ' + l['activation'] if 'activation' in l else ''})"
                          for l in architecture["layers"]))
        print("tensors (maclaurin, Keras layout -> torch.nn.Sequential):")
        for ours, our_shape, theirs, their_shape, note in mapping:
            print(f"  {ours:<16} {str(our_shape):<9} -> {theirs:<9} {str(their_shape):<9} {note}".rstrip())
        print(f"torch: {net}")

        n = architecture["input"]
        x = np.random.default_rng(11).uniform(-2, 2, size=(args.points, n))
        points, results = os.path.join(work, "X.npy"), os.path.join(work, "results.npz")
        np.save(points, x)
        run(maclaurin + ["derive", model, "--points", points, "--hessian", "--out", results])
        ours = np.load(results)

        xt = torch.tensor(x, dtype=torch.float64)
        f = lambda p: net(p)
        theirs = {
            "value": net(xt).detach().numpy(),
            "jacobian": torch.func.vmap(torch.func.jacrev(f))(xt).detach().numpy(),
            "hessian": torch.func.vmap(torch.func.hessian(f))(xt).detach().numpy(),
        }
        print(f"\n{args.points} points in [-2, 2]^{n}, float64, relative tolerance {args.tolerance:g}")
        print(f"{'quantity':<10} {'shape':<14} {'max |maclaurin - torch|':>24} {'max |torch|':>12} {'result':>7}")
        ok = True
        for name, expected in theirs.items():
            got = ours[name]
            scale = max(float(np.abs(expected).max()), 1e-300)
            diff = float(np.abs(got - expected).max()) if got.shape == expected.shape else float("inf")
            passed = got.shape == expected.shape and diff <= args.tolerance * max(scale, 1.0)
            ok &= passed
            print(f"{name:<10} {str(got.shape):<14} {diff:>24.3e} {scale:>12.3e} {'PASS' if passed else 'FAIL':>7}")
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
