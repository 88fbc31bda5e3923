#!/usr/bin/env python3
# export-eegpt.py - build braindecode's EEGPT encoder with seeded weights and
# write its state dict (safetensors, braindecode names), a fixed input and
# the reference output for it (fp32, CPU, eval mode), optionally ONNX too.
#   PY=.venv-nn/bin/python    (sh scripts/install-ref-nn.sh .venv-nn)
#   $PY scripts/export-eegpt.py --out /tmp/eegpt            (spec config,
#        torch.manual_seed(0) and braindecode's own init)
#   $PY scripts/export-eegpt.py --out /tmp/eegpt --init dyno --seed 7
#        (weights from dyno-init-v1, the generator plugins/nn also has)
#   $PY scripts/export-eegpt.py --out /tmp/eegpt --onnx /tmp/eegpt.onnx
# Writes PREFIX.safetensors, PREFIX.input.f32, PREFIX.output.f32 (raw
# float32 little-endian, row-major; shapes in PREFIX.json; the model's
# configuration also in the safetensors metadata), PREFIX.values.txt (per tensor: FNV-1a 64 of its
# bytes and its first values' bits, to compare generators bit for bit).
# The input is dyno-init-v1 too: tensor name "input", --input-seed, bound 1.
import argparse
import json
import os
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dyno_init  # noqa: E402

MODEL = "braindecode.models.EEGPT"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Export braindecode's EEGPT encoder: weights, input, "
        "reference output.")
    p.add_argument("--out", required=True,
                   help="output prefix (PREFIX.safetensors, ...)")
    p.add_argument("--init", choices=("torch", "dyno"), default="torch",
                   help="torch: torch.manual_seed(SEED) then braindecode's "
                   "init; dyno: dyno-init-v1 with SEED (default torch)")
    p.add_argument("--seed", type=int, default=0, help="weight seed (0)")
    p.add_argument("--chans", type=int, default=20)
    p.add_argument("--times", type=int, default=2048)
    p.add_argument("--patch-size", type=int, default=64)
    p.add_argument("--patch-stride", type=int, default=64,
                   help="64 = the spec's non-overlapping patches; "
                   "braindecode's default is 32")
    p.add_argument("--embed-dim", type=int, default=512)
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--embed-num", type=int, default=4,
                   help="summary tokens S (4)")
    p.add_argument("--mlp-ratio", type=float, default=4.0)
    p.add_argument("--eps", type=float, default=1e-6)
    p.add_argument("--batch", type=int, default=2,
                   help="windows in the fixed input (2)")
    p.add_argument("--input-seed", type=int, default=1)
    p.add_argument("--onnx", metavar="FILE",
                   help="also export the model to ONNX (batch dynamic)")
    p.add_argument("--jitter", action="store_true",
                   help="with --init torch: add seeded noise to every bias "
                   "and LayerNorm weight/bias (braindecode's init makes them "
                   "0 and 1, which a test of the C side should not rely on)")
    p.add_argument("--no-output", action="store_true",
                   help="weights only: skip input and reference output")
    p.add_argument("--no-values", action="store_true",
                   help="skip PREFIX.values.txt (hashing 100 MB in Python "
                   "takes a while)")
    p.add_argument("--no-weights", action="store_true",
                   help="skip the safetensors file (the values file still "
                   "pins every tensor; for dyno-init-v1 fixtures)")
    a = p.parse_args(argv)
    for k in ("chans", "times", "patch_size", "patch_stride", "embed_dim",
              "depth", "heads", "embed_num", "batch"):
        if getattr(a, k) < 1:
            p.error("--%s: expected a positive integer, got %d"
                    % (k.replace("_", "-"), getattr(a, k)))
    if a.embed_dim % a.heads:
        p.error("--embed-dim %d: expected a multiple of --heads %d"
                % (a.embed_dim, a.heads))
    if a.times < a.patch_size:
        p.error("--times %d: expected at least --patch-size %d"
                % (a.times, a.patch_size))
    if a.jitter and a.init != "torch":
        p.error("--jitter: only with --init torch")
    if a.seed < 0 or a.input_seed < 0:
        p.error("--seed/--input-seed: expected a non-negative integer")
    return a


def build(a):
    import torch
    from braindecode.models import EEGPT
    torch.manual_seed(a.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = EEGPT(n_chans=a.chans, n_times=a.times, chs_info=None,
                  patch_size=a.patch_size, patch_stride=a.patch_stride,
                  embed_num=a.embed_num, embed_dim=a.embed_dim,
                  depth=a.depth, num_heads=a.heads, mlp_ratio=a.mlp_ratio,
                  qkv_bias=True, layer_norm_eps=a.eps,
                  chan_proj_type="none", return_encoder_output=True)
    return m.eval()


def roles(model):
    """dyno-init-v1 role of each parameter, from the module that owns it."""
    from torch import nn
    r = {}
    for mname, mod in model.named_modules():
        pre = mname + "." if mname else ""
        if isinstance(mod, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            shape = tuple(mod.weight.shape)
            r[pre + "weight"] = ("weight", shape)
            if mod.bias is not None:
                r[pre + "bias"] = ("bias", shape)
        elif isinstance(mod, nn.LayerNorm):
            r[pre + "weight"] = ("one", None)
            r[pre + "bias"] = ("zero", None)
        elif isinstance(mod, nn.Embedding):
            r[pre + "weight"] = ("embed", None)
    for name, _ in model.named_parameters():
        if name.endswith("summary_token"):
            r[name] = ("embed", None)
        if name not in r:
            raise SystemExit("export-eegpt: no dyno-init-v1 role for "
                             "parameter %s" % name)
    return r


def dyno_init_weights(model, seed):
    import numpy as np
    import torch
    r = roles(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            role, wshape = r[name]
            shape = tuple(p.shape)
            if role == "one":
                v = np.ones(shape, np.float32)
            elif role == "zero":
                v = np.zeros(shape, np.float32)
            else:
                v = dyno_init.draw(name, seed,
                                   shape, dyno_init.bound_for(role, wshape))
            p.copy_(torch.from_numpy(v))


def jitter(model):
    """Seeded noise on the tensors braindecode's init makes constant; the
    generator continues from torch.manual_seed(SEED) after the init."""
    import torch
    r = roles(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            role = r[name][0]
            if role == "bias":
                p.add_(0.02 * torch.randn_like(p))
            elif role in ("one", "zero"):
                p.add_(0.1 * torch.randn_like(p))


def fnv_bytes(b):
    """FNV-1a 64 of the bytes (the hash dyno-init-v1 uses for names)."""
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def values_lines(sd):
    import numpy as np
    out = ["# name dtype shape fnv1a64(bytes, little-endian) first-values-bits"]
    for name in sorted(sd):
        t = sd[name].contiguous().numpy()
        b = t.astype(t.dtype.newbyteorder("<")).tobytes()
        if t.dtype == np.float32:
            first = " ".join("0x%08x" % x for x in t.reshape(-1)[:4].view(np.uint32))
        else:
            first = " ".join(str(int(x)) for x in t.reshape(-1)[:4])
        out.append("%s %s %s 0x%016x %s" % (
            name, {"float32": "F32", "int64": "I64"}[str(t.dtype)],
            "x".join(str(d) for d in t.shape) or "scalar",
            fnv_bytes(b), first))
    return out


def main(argv):
    a = parse_args(argv)
    # braindecode's import warns about MNE's montage names.
    warnings.filterwarnings("ignore", category=FutureWarning)
    try:
        import numpy as np
        import torch
        import braindecode
        from safetensors.torch import save_file
    except ImportError as e:
        sys.exit("export-eegpt: needs torch, braindecode, safetensors, numpy "
                 "(sh scripts/install-ref-nn.sh): %s" % e)
    torch.set_grad_enabled(False)
    model = build(a)
    if a.init == "dyno":
        dyno_init_weights(model, a.seed)
    elif a.jitter:
        jitter(model)
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    nparams = sum(p.numel() for p in model.parameters())
    n_patches = model.n_patches
    meta = {
        "model": MODEL, "braindecode": braindecode.__version__,
        "torch": torch.__version__,
        "init": "dyno-init-v1" if a.init == "dyno" else "torch.manual_seed",
        "seed": a.seed, "chans": a.chans, "times": a.times,
        "patch_size": a.patch_size, "patch_stride": a.patch_stride,
        "n_patches": n_patches, "embed_dim": a.embed_dim, "depth": a.depth,
        "heads": a.heads, "embed_num": a.embed_num,
        "mlp_ratio": a.mlp_ratio, "eps": a.eps,
        "chan_proj_type": "none", "return_encoder_output": True,
        "parameters": nparams,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    meta["jitter"] = a.jitter
    files = []
    if not a.no_weights:
        save_file(sd, a.out + ".safetensors",
                  metadata={k: str(v) for k, v in meta.items()})
        files.append(a.out + ".safetensors")
    if not a.no_values:
        with open(a.out + ".values.txt", "w") as f:
            f.write("\n".join(values_lines(sd)) + "\n")
        files.append(a.out + ".values.txt")
    if not a.no_output:
        x = dyno_init.draw("input", a.input_seed,
                           (a.batch, a.chans, a.times), 1.0)
        xt = torch.from_numpy(x)
        z = model(xt).contiguous().numpy().astype("<f4")
        x.astype("<f4").tofile(a.out + ".input.f32")
        z.tofile(a.out + ".output.f32")
        meta["input"] = {"file": os.path.basename(a.out) + ".input.f32",
                         "dtype": "float32le", "shape": list(x.shape),
                         "generator": "dyno-init-v1 name=input bound=1",
                         "seed": a.input_seed}
        meta["output"] = {"file": os.path.basename(a.out) + ".output.f32",
                          "dtype": "float32le", "shape": list(z.shape),
                          "max_abs": float(np.abs(z).max())}
        files += [a.out + ".input.f32", a.out + ".output.f32"]
    if a.onnx:
        export_onnx(model, a, meta)
        files.append(a.onnx)
    meta["command"] = "export-eegpt.py " + " ".join(argv)
    with open(a.out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    files.append(a.out + ".json")
    print("export-eegpt: %s, %d parameters, N=%d patches; wrote %s"
          % (meta["init"], nparams, n_patches, " ".join(files)))
    return 0


def export_onnx(model, a, meta):
    import numpy as np
    import torch
    x = torch.from_numpy(dyno_init.draw("input", a.input_seed,
                                        (a.batch, a.chans, a.times), 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), a.onnx, input_names=["x"],
                          output_names=["z"], opset_version=17,
                          dynamic_axes={"x": {0: "batch"}, "z": {0: "batch"}},
                          dynamo=False)
    try:
        import onnxruntime as ort
    except ImportError:
        meta["onnx"] = {"file": os.path.basename(a.onnx), "checked": False}
        return
    s = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    zo = s.run(None, {"x": x.numpy()})[0]
    zt = model(x).numpy()
    rel = float(np.abs(zo - zt).max() / max(np.abs(zt).max(), 1e-30))
    meta["onnx"] = {"file": os.path.basename(a.onnx), "opset": 17,
                    "ort_max_rel_err": rel}
    if rel > 1e-4:
        sys.exit("export-eegpt: ONNX Runtime's output differs from torch's "
                 "by %.3g (relative to max |z|), expected < 1e-4" % rel)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        sys.exit("export-eegpt: %s: %s" % (e.filename or "--out",
                                            e.strerror or e))
