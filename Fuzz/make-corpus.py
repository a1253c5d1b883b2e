"""Writes the seed corpus of the fuzzing harness (Fuzz/Corpus/<target>/): small valid files of every
format, in the variants the readers support. Run with a Python that has NumPy:  python Fuzz/make-corpus.py"""
import io, json, os, struct, zlib
import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")

def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def npy(a):
    b = io.BytesIO(); np.save(b, a); return b.getvalue()

arrays = {
    "f4": np.arange(6, dtype="<f4").reshape(2, 3), "f8": np.linspace(-1, 1, 5), "i4": np.array([[1, -2], [3, 4]], "<i4"),
    "u1": np.arange(4, dtype="u1"), "bool": np.array([True, False]), "be": np.arange(3, dtype=">f8"),
    "scalar": np.array(2.5, dtype="<f4"), "empty": np.zeros((0, 3), "<f4"),
}
for k, a in arrays.items():
    put("npy", k + ".npy", npy(a))
for k, compress in (("stored", np.savez), ("deflate", np.savez_compressed)):
    b = io.BytesIO(); compress(b, w=arrays["f4"], b=arrays["f8"], n=arrays["i4"]); put("npz", k + ".npz", b.getvalue())
b = io.BytesIO(); np.savez_compressed(b, big=np.tile(np.arange(50, dtype="<f8"), 40)); put("npz", "long.npz", b.getvalue())

def safetensors(tensors, metadata=None):
    header, data, off = {}, b"", 0
    if metadata: header["__metadata__"] = metadata
    for name, (dtype, a) in tensors.items():
        raw = a.tobytes(); header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        data += raw; off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data

put("safetensors", "mixed.safetensors", safetensors({"a": ("F32", arrays["f4"]), "b": ("F64", arrays["f8"]), "c": ("I32", arrays["i4"]),
                                                    "d": ("U8", arrays["u1"]), "e": ("BOOL", arrays["bool"])}, {"k": "v"}))
put("safetensors", "empty.safetensors", safetensors({}))

mlp = {"input": [2], "layers": [{"type": "dense", "units": 3, "activation": "tanh"}, {"type": "dense", "units": 1}]}
cnn = {"input": [8, 8, 1], "layers": [
    {"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "max_pooling2d", "pool_size": 2}, {"type": "dropout", "rate": 0.25}, {"type": "flatten"},
    {"type": "dense", "units": 4, "activation": "relu"}, {"type": "taylor_expansion", "order": 2},
    {"type": "dense", "units": 3, "activation": "softmax"}]}
put("modeljson", "mlp.json", json.dumps(mlp))
put("modeljson", "cnn.json", json.dumps(cnn))
weighted = dict(mlp, layers=[dict(mlp["layers"][0], weights={"kernel": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "bias": [0, 0, 0]}),
                             dict(mlp["layers"][1], weights={"kernel": [[1], [2], [3]], "bias": [0.5]})])
put("modeljson", "weighted.json", json.dumps(weighted))
put("modelfile", "mlp.safetensors", safetensors({"dense_1/kernel": ("F64", np.ones((2, 3))), "dense_1/bias": ("F64", np.zeros(3)),
                                                 "dense_2/kernel": ("F64", np.ones((3, 1))), "dense_2/bias": ("F64", np.zeros(1))},
                                                {"maclaurin.model": json.dumps(mlp)}))

put("csv", "mixed.csv", "x1,x2,kind,value\n0.5,1,y,0.25\n0.5,1,dy/dx1,1\n# comment\n\n0,-1e-3,dy/dx2,2.5\n0,0,d2y/dx1dx2,0\n")
put("csv", "outputs.csv", "kind,x1,value\ny1,0,1\ndy2/dx1,1,2\n")

rng = np.random.default_rng(0)
put("cifar", "two.bin", bytes(np.concatenate([[3], rng.integers(0, 256, 3072), [9], rng.integers(0, 256, 3072)]).astype("u1")))

print("corpus written to", root)
