#!/usr/bin/env python3
# check_fixture.py - check the committed EEGPT fixtures with NumPy alone:
# dyno-init-v1's test vectors and every tensor of small-dyno bit for bit,
# and braindecode's reference outputs against a float64 forward written from
# the description in docs/probes.md (eegpt section), on both fixtures.
#   python3 tests/eegpt/check_fixture.py [FIXTURE_DIR]
# Exit 0 all good, 1 a mismatch (one line each), 77 NumPy missing.
import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(TOP, "scripts"))
try:
    import numpy as np
except ImportError:
    print("check_fixture: skipped: NumPy is not installed (python3-numpy)")
    sys.exit(77)
import dyno_init  # noqa: E402

TOL = 1e-5  # max |ours - braindecode| / max |braindecode|, fp32 vs float64
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    dt = {"F32": "<f4", "I64": "<i8"}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dt[t["dtype"]]).reshape(t["shape"])
    return out


def read_values(path):
    """name -> (dtype, shape, fnv1a64)"""
    v = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            w = line.split()
            shape = tuple(int(d) for d in w[2].split("x"))
            v[w[0]] = (w[1], shape, int(w[3], 16))
    return v


def fnv(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def dyno_weights(values, seed):
    """dyno-init-v1 from the names alone (the exporter uses module types)."""
    w = {}
    for name, (dtype, shape, _) in values.items():
        if name == "chans_id":
            w[name] = np.arange(shape[0], dtype="<i8")
        elif ".norm" in name or name.endswith("norm.weight") \
                or name.endswith("norm.bias"):
            w[name] = (np.ones if name.endswith("weight") else np.zeros)(
                shape, np.float32)
        elif name.endswith("chan_embed.weight") or name.endswith("summary_token"):
            w[name] = dyno_init.draw(name, seed, shape, dyno_init.EMBED_BOUND)
        elif name.endswith(".weight"):
            w[name] = dyno_init.draw(name, seed, shape,
                                     dyno_init.bound_for("weight", shape))
        elif name.endswith(".bias"):
            ws = values[name[:-len("bias")] + "weight"][1]
            w[name] = dyno_init.draw(name, seed, shape,
                                     dyno_init.bound_for("bias", ws))
        else:
            raise SystemExit("check_fixture: no role for %s" % name)
    return w


def layer_norm(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def gelu_erf(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def forward(w, x, cfg):
    """The encoder in float64, step for step as docs/probes.md says."""
    p = "target_encoder."
    g = {k: np.asarray(v, np.float64) for k, v in w.items() if k != "chans_id"}
    B, C, T = x.shape
    P, st, D, H = cfg["patch_size"], cfg["patch_stride"], cfg["embed_dim"], \
        cfg["heads"]
    S, eps = cfg["embed_num"], cfg["eps"]
    rem = (T - P) % st
    if rem:
        x = np.concatenate([x, np.zeros((B, C, st - rem))], axis=2)
    N = (x.shape[2] - P) // st + 1
    patches = np.stack([x[:, :, n * st:n * st + P] for n in range(N)], 1)
    wp = g[p + "patch_embed.proj.weight"].reshape(D, P)
    tok = patches @ wp.T + g[p + "patch_embed.proj.bias"]        # B N C D
    tok = tok + g[p + "chan_embed.weight"][np.asarray(w["chans_id"])]
    seq = tok.reshape(B * N, C, D)
    summ = np.broadcast_to(g[p + "summary_token"], (B * N, S, D))
    h = np.concatenate([seq, summ], 1)                           # BN L D
    hd = D // H
    for k in range(cfg["depth"]):
        b = p + "blocks.%d." % k
        y = layer_norm(h, g[b + "norm1.weight"], g[b + "norm1.bias"], eps)
        qkv = y @ g[b + "attn.qkv.weight"].T + g[b + "attn.qkv.bias"]
        L = qkv.shape[1]
        qkv = qkv.reshape(B * N, L, 3, H, hd).transpose(2, 0, 3, 1, 4)
        q, kk, v = qkv[0], qkv[1], qkv[2]                        # BN H L hd
        s = q @ kk.transpose(0, 1, 3, 2) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ v
        a = a.transpose(0, 2, 1, 3).reshape(B * N, L, D)
        h = h + a @ g[b + "attn.proj.weight"].T + g[b + "attn.proj.bias"]
        y = layer_norm(h, g[b + "norm2.weight"], g[b + "norm2.bias"], eps)
        y = gelu_erf(y @ g[b + "mlp.fc1.weight"].T + g[b + "mlp.fc1.bias"])
        h = h + y @ g[b + "mlp.fc2.weight"].T + g[b + "mlp.fc2.bias"]
    z = layer_norm(h[:, -S:, :], g[p + "norm.weight"], g[p + "norm.bias"], eps)
    return z.reshape(B, N, S, D)


def check_output(tag, w, d, prefix):
    with open(os.path.join(d, prefix + ".json")) as f:
        cfg = json.load(f)
    x = np.fromfile(os.path.join(d, cfg["input"]["file"]), "<f4")
    x = x.reshape(cfg["input"]["shape"]).astype(np.float64)
    ref = np.fromfile(os.path.join(d, cfg["output"]["file"]), "<f4")
    ref = ref.reshape(cfg["output"]["shape"])
    xi = dyno_init.draw("input", cfg["input"]["seed"], x.shape, 1.0)
    if not np.array_equal(xi.astype(np.float64), x):
        fail("%s: input is not dyno-init-v1 name=input seed=%d"
             % (tag, cfg["input"]["seed"]))
    z = forward(w, x, cfg)
    err = float(np.abs(z - ref).max() / np.abs(ref).max())
    print("%s: float64 forward vs braindecode: max rel err %.2e (limit %.0e)"
          % (tag, err, TOL))
    if not err < TOL:
        fail("%s: output differs from braindecode's by %.3g, expected < %g"
             % (tag, err, TOL))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "tests",
                                                            "fixtures", "eegpt")
    with open(os.path.join(d, "dyno-init-vectors.txt")) as f:
        want = f.read().splitlines()
    if dyno_init.vectors() != want:
        fail("dyno-init-vectors.txt: dyno_init.py prints other test vectors")
    # small-dyno: every tensor bit for bit, then the forward.
    vals = read_values(os.path.join(d, "small-dyno.values.txt"))
    with open(os.path.join(d, "small-dyno.json")) as f:
        seed = json.load(f)["seed"]
    w = dyno_weights(vals, seed)
    for name, (dtype, shape, h) in sorted(vals.items()):
        got = fnv(w[name].astype(w[name].dtype.newbyteorder("<")).tobytes())
        if got != h or w[name].shape != shape:
            fail("small-dyno: tensor %s: dyno-init-v1 gives other bits "
                 "(fnv1a64 0x%016x, file 0x%016x)" % (name, got, h))
    print("small-dyno: %d tensors of dyno-init-v1 seed %d checked bit for bit"
          % (len(vals), seed))
    check_output("small-dyno", w, d, "small-dyno")
    # small-torch: the file's tensors against its values list, then forward.
    wt = read_safetensors(os.path.join(d, "small-torch.safetensors"))
    vt = read_values(os.path.join(d, "small-torch.values.txt"))
    if sorted(wt) != sorted(vt):
        fail("small-torch: safetensors and values list name other tensors")
    for name, (dtype, shape, h) in vt.items():
        if name in wt and fnv(wt[name].tobytes()) != h:
            fail("small-torch: tensor %s differs from its values line" % name)
    check_output("small-torch", wt, d, "small-torch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
