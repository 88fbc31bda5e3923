#!/usr/bin/env python3
# export-yolo.py - build ultralytics' YOLOv8 DetectionModel with seeded weights and
# write its state dict (safetensors, ultralytics names), a fixed input, the raw
# head and decoded outputs (fp32, CPU, eval mode), optionally ONNX; also the NMS
# and letterbox fixtures the post-processing tests compare against.
#   PY=/work/venv-nn/bin/python   (sh scripts/install-ref-nn.sh /work/venv-nn)
#   $PY scripts/export-yolo.py model --out /tmp/y8n --scale n --imgsz 640 \
#        --batch 1 --fused --onnx /tmp/y8n.onnx
#   $PY scripts/export-yolo.py model --out /tmp/y8n --scale n --init dyno --seed 7
#   $PY scripts/export-yolo.py nms --out tests/fixtures/yolo/nms
#   $PY scripts/export-yolo.py letterbox --out tests/fixtures/yolo/letterbox
# model writes PREFIX.safetensors (unfused: conv + bn, or with --fused
# PREFIX.fused.safetensors too), PREFIX.input.f32, PREFIX.head.f32 (raw head
# (B, 64+nc, A): Detect's box logits then class logits, levels P3,P4,P5, as
# its second eval output's "boxes" and "scores" concatenated on dim 1),
# PREFIX.decoded.f32 ((B, 4+nc, A): cx, cy, w, h in pixels, sigmoid scores),
# PREFIX.json (shapes, versions, the command).  Raw float32 little-endian.
# The input is dyno-init-v1 "input" seed --input-seed mapped to [0,1):
# v = (x+1)/2 where x is the bound-1 draw, i.e. exactly u = (z>>40)*2^-24.
import argparse
import json
import os
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dyno_init  # noqa: E402

# Unfused parameter counts of the packaged yolov8.yaml at nc 80 (the spec's
# table); checked when the model is one of them.
PARAMS = {"n": 3157200, "s": 11166560, "m": 25902640}
FUSED_PARAMS = {"n": 3151904, "s": 11156544, "m": 25886080}


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Export ultralytics' YOLOv8 with seeded weights, or the "
        "NMS / letterbox fixtures.")
    sub = p.add_subparsers(dest="what", required=True)
    m = sub.add_parser("model", help="weights, input, raw head, decoded, ONNX")
    m.add_argument("--out", required=True, help="output prefix")
    m.add_argument("--yaml", default="yolov8.yaml",
                   help="family YAML (ultralytics' layout; default: the "
                   "packaged yolov8.yaml, the same table as plugins/yolo/"
                   "yolov8.yaml)")
    m.add_argument("--scale", default="n",
                   help="key of the YAML's scales table (n)")
    m.add_argument("--nc", type=int, default=0,
                   help="classes (default: the YAML's nc)")
    m.add_argument("--imgsz", type=int, default=640)
    m.add_argument("--batch", type=int, default=1)
    m.add_argument("--init", choices=("torch", "dyno"), default="torch",
                   help="torch: torch.manual_seed(SEED), ultralytics' init, "
                   "BN running stats calibrated on a seeded batch and BN "
                   "affine and head biases jittered; dyno: dyno-init-v1 "
                   "(conv U(+-1/sqrt(fan_in)), BN at identity)")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--input-seed", type=int, default=1)
    m.add_argument("--fused", action="store_true",
                   help="also write PREFIX.fused.safetensors (conv.weight + "
                   "conv.bias, BN folded by ultralytics' fuse())")
    m.add_argument("--onnx", metavar="FILE",
                   help="also export the fused model to ONNX (batch dynamic)")
    m.add_argument("--onnx-output", choices=("head", "decoded"),
                   default="head",
                   help="what the ONNX graph returns: the raw head (what "
                   "dyno's yolo.infer computes, default) or ultralytics' "
                   "decoded output")
    m.add_argument("--no-output", action="store_true",
                   help="weights only: skip input and outputs")
    m.add_argument("--no-input", action="store_true",
                   help="do not write PREFIX.input.f32 (it is dyno-init-v1: "
                   "the same for every model at one --input-seed)")
    m.add_argument("--no-weights", action="store_true",
                   help="skip the unfused safetensors file")
    m.add_argument("--float64-check", action="store_true",
                   help="also run the model in float64 and report the fp32 "
                   "outputs' relative error against it")
    n = sub.add_parser("nms", help="synthetic candidates and the detections "
                       "non_max_suppression keeps")
    n.add_argument("--out", required=True)
    n.add_argument("--seed", type=int, default=3)
    n.add_argument("--batch", type=int, default=2)
    n.add_argument("--nc", type=int, default=5)
    n.add_argument("--anchors", type=int, default=400)
    n.add_argument("--conf", type=float, default=0.25)
    n.add_argument("--iou", type=float, default=0.7)
    n.add_argument("--max-det", type=int, default=300)
    lb = sub.add_parser("letterbox", help="small odd-sized BGR images and "
                        "ultralytics' LetterBox output")
    lb.add_argument("--out", required=True)
    lb.add_argument("--seed", type=int, default=5)
    lb.add_argument("--new-shape", type=int, default=64)
    a = p.parse_args(argv)
    for k in ("imgsz", "batch", "anchors", "new_shape"):
        if getattr(a, k, 1) < 1:
            p.error("--%s: expected a positive integer, got %d"
                    % (k.replace("_", "-"), getattr(a, k)))
    if a.what == "model" and a.imgsz % 32:
        p.error("--imgsz %d: expected a multiple of 32 (the P5 stride)"
                % a.imgsz)
    if a.seed < 0 or getattr(a, "input_seed", 0) < 0:
        p.error("--seed/--input-seed: expected a non-negative integer")
    return a


def quiet():
    os.environ.setdefault("YOLO_VERBOSE", "False")
    warnings.filterwarnings("ignore")


def build(a):
    import torch
    from ultralytics.nn.tasks import DetectionModel, yaml_model_load
    d = yaml_model_load(a.yaml)
    if a.scale not in d.get("scales", {}):
        sys.exit("export-yolo: --scale %s: expected one of %s (the scales of "
                 "%s)" % (a.scale, ",".join(d.get("scales", {})), a.yaml))
    d["scale"] = a.scale
    torch.manual_seed(a.seed)
    m = DetectionModel(d, nc=a.nc or None, verbose=False)
    return m


def bns(model):
    from torch import nn
    return [mod for mod in model.modules() if isinstance(mod, nn.BatchNorm2d)]


def head_convs(model):
    """The plain 1x1 convs that end each Detect branch (with bias)."""
    det = model.model[-1]
    return [seq[-1] for seq in list(det.cv2) + list(det.cv3)]


def torch_weights(model, a):
    """Non-trivial BN: running stats from a seeded calibration batch (train
    mode, cumulative average), then the affine parameters and the head's
    biases jittered, so a fold that ignores any BN tensor shows."""
    import torch
    g = torch.Generator().manual_seed(a.seed + 1000)
    for bn in bns(model):
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(2):
            x = torch.rand(2, 3, a.imgsz, a.imgsz, generator=g)
            model(x)
        for bn in bns(model):
            bn.momentum = 0.03
            bn.weight.copy_(0.5 + torch.rand(bn.weight.shape, generator=g))
            bn.bias.copy_(0.4 * torch.rand(bn.bias.shape, generator=g) - 0.2)
        for c in head_convs(model):
            c.bias.add_(torch.rand(c.bias.shape, generator=g) * 4 - 2)
    model.eval()


def dyno_weights(model, seed):
    """dyno-init-v1: every conv weight and bias U(+-1/sqrt(fan_in)) by name,
    BN at identity; DFL's fixed arange weight stays."""
    import torch
    from torch import nn
    with torch.no_grad():
        for mname, mod in model.named_modules():
            pre = mname + "."
            if isinstance(mod, nn.Conv2d):
                if mname.endswith(".dfl.conv"):
                    continue
                shape = tuple(mod.weight.shape)
                b = dyno_init.bound_for("weight", shape)
                mod.weight.copy_(torch.from_numpy(dyno_init.draw(
                    pre + "weight", seed, shape, b)))
                if mod.bias is not None:
                    mod.bias.copy_(torch.from_numpy(dyno_init.draw(
                        pre + "bias", seed, tuple(mod.bias.shape), b)))
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.fill_(1.0)
                mod.bias.zero_()
                mod.running_mean.zero_()
                mod.running_var.fill_(1.0)
    model.eval()


def fixed_input(a):
    import numpy as np
    x = dyno_init.draw("input", a.input_seed,
                       (a.batch, 3, a.imgsz, a.imgsz), 1.0)
    # (x+1)/2 is exact in float32: x = 2u-1 with u a multiple of 2^-24.
    return ((x.astype(np.float64) + 1.0) / 2.0).astype(np.float32)


def outputs(model, x):
    """(raw head (B, 64+nc, A), decoded (B, 4+nc, A)) for input x."""
    import torch
    y, preds = model(x)
    raw = torch.cat((preds["boxes"], preds["scores"]), 1)
    return raw, y


def raw_head_forward(det):
    """Make Detect return only the raw head (what dyno's graph outputs)."""
    import torch

    def fwd(xs):
        p = det.forward_head(xs, **det.one2many)
        return torch.cat((p["boxes"], p["scores"]), 1)
    det.forward = fwd


def rel(a, b):
    import numpy as np
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def st_meta(meta):
    """safetensors metadata is str -> str: strings as they are, the rest as
    JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v)
            for k, v in meta.items()}


def state_dict(model):
    return {k: v.detach().contiguous() for k, v in model.state_dict().items()}


def model_main(a, argv):
    import copy
    import numpy as np
    import torch
    import ultralytics
    from safetensors.torch import save_file
    torch.set_grad_enabled(False)
    model = build(a)
    if a.init == "dyno":
        dyno_weights(model, a.seed)
    else:
        torch_weights(model, a)
    det = model.model[-1]
    nc = det.nc
    nparams = sum(p.numel() for p in model.parameters())
    if os.path.basename(a.yaml) == "yolov8.yaml" and nc == 80 \
            and a.scale in PARAMS \
            and nparams != PARAMS[a.scale]:
        sys.exit("export-yolo: yolov8%s has %d parameters, expected %d"
                 % (a.scale, nparams, PARAMS[a.scale]))
    strides = [int(s) for s in det.stride.tolist()]
    anchors = sum((a.imgsz // s) ** 2 for s in strides)
    meta = {
        "model": "ultralytics.nn.tasks.DetectionModel",
        "ultralytics": ultralytics.__version__, "torch": torch.__version__,
        "yaml": os.path.basename(a.yaml), "scale": a.scale,
        "scales": model.yaml["scales"][a.scale], "nc": nc,
        "reg_max": det.reg_max, "strides": strides, "imgsz": a.imgsz,
        "anchors": anchors, "bn_eps": bns(model)[0].eps,
        "init": "dyno-init-v1" if a.init == "dyno" else
        "torch.manual_seed+bn-calibrated+jitter",
        "seed": a.seed, "parameters": nparams,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    files = []
    sd = state_dict(model)
    if not a.no_weights:
        save_file(sd, a.out + ".safetensors",
                  metadata=st_meta(meta))
        files.append(a.out + ".safetensors")
    fused = copy.deepcopy(model).fuse(verbose=False)
    nfused = sum(p.numel() for p in fused.parameters())
    meta["parameters_fused"] = nfused
    if os.path.basename(a.yaml) == "yolov8.yaml" and nc == 80 \
            and a.scale in FUSED_PARAMS \
            and nfused != FUSED_PARAMS[a.scale]:
        sys.exit("export-yolo: fused yolov8%s has %d parameters, expected %d"
                 % (a.scale, nfused, FUSED_PARAMS[a.scale]))
    if a.fused:
        save_file(state_dict(fused), a.out + ".fused.safetensors",
                  metadata=st_meta(meta))
        files.append(a.out + ".fused.safetensors")
    if not a.no_output:
        x = fixed_input(a)
        xt = torch.from_numpy(x)
        raw, dec = outputs(model, xt)
        raw = raw.contiguous().numpy()
        dec = dec.contiguous().numpy()
        rawf, decf = outputs(fused, xt)
        meta["fused_rel_err"] = {"head": rel(rawf, raw),
                                 "decoded": rel(decf, dec)}
        if not a.no_input:
            x.astype("<f4").tofile(a.out + ".input.f32")
            files.append(a.out + ".input.f32")
        raw.astype("<f4").tofile(a.out + ".head.f32")
        dec.astype("<f4").tofile(a.out + ".decoded.f32")
        base = os.path.basename(a.out)
        meta["input"] = {"file": None if a.no_input else base + ".input.f32",
                         "dtype": "float32le",
                         "shape": list(x.shape),
                         "generator": "dyno-init-v1 name=input bound=1, "
                         "mapped (x+1)/2 to [0,1)",
                         "seed": a.input_seed}
        meta["head"] = {"file": base + ".head.f32", "dtype": "float32le",
                        "shape": list(raw.shape),
                        "rows": "64 box logits (4 sides x 16 bins), then nc "
                        "class logits", "max_abs": float(np.abs(raw).max())}
        meta["decoded"] = {"file": base + ".decoded.f32",
                           "dtype": "float32le", "shape": list(dec.shape),
                           "rows": "cx, cy, w, h (pixels), nc sigmoid scores",
                           "max_score": float(dec[:, 4:].max())}
        files += [a.out + ".head.f32", a.out + ".decoded.f32"]
        if a.float64_check:
            m64 = copy.deepcopy(model).double()
            r64, d64 = outputs(m64, xt.double())
            meta["fp32_vs_fp64_rel_err"] = {"head": rel(raw, r64.numpy()),
                                           "decoded": rel(dec, d64.numpy())}
    if a.onnx:
        export_onnx(fused, a, meta)
        files.append(a.onnx)
    meta["command"] = "export-yolo.py " + " ".join(argv)
    with open(a.out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    files.append(a.out + ".json")
    print("export-yolo: %s scale %s nc %d, %d parameters (%d fused), "
          "A=%d; wrote %s" % (meta["init"], a.scale, nc, nparams, nfused,
                              anchors, " ".join(files)))
    return 0


def export_onnx(fused, a, meta):
    import copy
    import torch
    m = copy.deepcopy(fused).eval()
    det = m.model[-1]
    if a.onnx_output == "head":
        raw_head_forward(det)
    else:
        det.export = True  # Detect returns the decoded tensor alone
        det.format = "onnx"
    x = torch.from_numpy(fixed_input(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), a.onnx, input_names=["images"],
                          output_names=["output0"], opset_version=17,
                          dynamic_axes={"images": {0: "batch"},
                                        "output0": {0: "batch"}},
                          dynamo=False)
    zt = m(x)
    zt = (zt[0] if isinstance(zt, (tuple, list)) else zt).numpy()
    info = {"file": os.path.basename(a.onnx), "opset": 17,
            "output": a.onnx_output, "shape": list(zt.shape)}
    try:
        import onnxruntime as ort
    except ImportError:
        info["checked"] = False
        meta["onnx"] = info
        return
    s = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    zo = s.run(None, {"images": x.numpy()})[0]
    info["ort_max_rel_err"] = rel(zo, zt)
    meta["onnx"] = info
    if info["ort_max_rel_err"] > 1e-4:
        sys.exit("export-yolo: ONNX Runtime's output differs from torch's "
                 "by %.3g (relative to max |z|), expected < 1e-4"
                 % info["ort_max_rel_err"])


def iou64(b, c):
    """IoU of xyxy boxes b (n,4) and c (m,4) in float64."""
    import numpy as np
    lt = np.maximum(b[:, None, :2], c[None, :, :2])
    rb = np.minimum(b[:, None, 2:], c[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    ac = (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
    return inter / (ab[:, None] + ac[None, :] - inter)


def nms_candidates(a, rng):
    """(B, 4+nc, A) float64: clusters of jittered boxes around a few centres
    (several classes, some clusters of two classes on the same spot), plus
    scattered low-score noise."""
    import numpy as np
    B, nc, A = a.batch, a.nc, a.anchors
    p = np.zeros((B, 4 + nc, A), np.float64)
    for b in range(B):
        i = 0
        while i < A:
            if rng.random() < 0.8:  # a cluster
                cx, cy = rng.uniform(40, 600, 2)
                w, h = rng.uniform(20, 200, 2)
                k = int(rng.integers(3, 12))
                cls = int(rng.integers(nc))
                for _ in range(min(k, A - i)):
                    p[b, 0, i] = cx + rng.normal(0, 0.08 * w)
                    p[b, 1, i] = cy + rng.normal(0, 0.08 * h)
                    p[b, 2, i] = w * rng.uniform(0.8, 1.25)
                    p[b, 3, i] = h * rng.uniform(0.8, 1.25)
                    s = rng.uniform(0.0, 0.2, nc)
                    c = cls if rng.random() < 0.85 else int(rng.integers(nc))
                    s[c] = rng.uniform(0.1, 0.98)
                    p[b, 4:, i] = s
                    i += 1
            else:  # noise
                p[b, 0:2, i] = rng.uniform(0, 640, 2)
                p[b, 2:4, i] = rng.uniform(4, 300, 2)
                p[b, 4:, i] = rng.uniform(0, 0.3, nc)
                i += 1
    return p


def nms_bad(p, a):
    """Anchors (image, index) whose outcome float rounding could flip: a
    best score within 5e-3 of conf, a top-two class tie within 1e-3, a kept
    score equal (within 1e-6) to another, or a same-class IoU within 5e-3 of
    the IoU threshold (float64)."""
    import numpy as np
    bad = set()
    for b in range(p.shape[0]):
        x = p[b].astype(np.float32).astype(np.float64).T
        top = np.sort(x[:, 4:], 1)
        for i in np.flatnonzero((np.abs(top[:, -1] - a.conf) < 5e-3)
                                | (top[:, -1] - top[:, -2] < 1e-3)):
            bad.add((b, int(i)))
        keep = np.flatnonzero(top[:, -1] > a.conf)
        conf = top[keep, -1]
        d = np.abs(conf[:, None] - conf[None, :]) < 1e-6
        np.fill_diagonal(d, False)
        cls = x[keep, 4:].argmax(1)
        xy = x[keep, :4]
        box = np.concatenate([xy[:, :2] - xy[:, 2:] / 2,
                              xy[:, :2] + xy[:, 2:] / 2], 1)
        near = np.abs(iou64(box, box) - a.iou) < 5e-3
        np.fill_diagonal(near, False)
        d |= near & (cls[:, None] == cls[None, :])
        for i, j in zip(*np.nonzero(np.triu(d))):
            bad.add((b, int(keep[j])))
    return bad


def nms_repair(p, a, rng):
    """Redraw the anchors nms_bad names (box size and scores) until there
    are none; returns the rounds it took."""
    for rounds in range(1, 200):
        bad = nms_bad(p, a)
        if not bad:
            return rounds - 1
        for b, i in bad:
            p[b, 2:4, i] *= rng.uniform(0.9, 1.1, 2)
            p[b, 4:, i] = rng.uniform(0.0, 0.2, a.nc)
            p[b, 4 + int(rng.integers(a.nc)), i] = rng.uniform(0.1, 0.98)
    sys.exit("export-yolo: nms: could not clear the threshold margins in "
             "200 rounds; try another --seed")


def nms_main(a, argv):
    import numpy as np
    import torch
    import ultralytics
    from ultralytics.utils.nms import non_max_suppression
    rng = np.random.default_rng(a.seed)
    p = nms_candidates(a, rng)
    tries = nms_repair(p, a, rng)
    p = p.astype(np.float32)
    out, idx = non_max_suppression(torch.from_numpy(p), conf_thres=a.conf,
                                   iou_thres=a.iou, max_det=a.max_det,
                                   return_idxs=True)
    rows = []
    for b, (o, k) in enumerate(zip(out, idx)):
        for r, j in zip(o.numpy(), k.numpy()):
            rows.append([b, int(j)] + [float(v) for v in r])
    det = np.array(rows, np.float32).reshape(-1, 8)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    p.astype("<f4").tofile(a.out + "-candidates.bin")
    det.astype("<f4").tofile(a.out + "-detections.bin")
    above = int(sum((p[b, 4:].max(0) > a.conf).sum() for b in range(a.batch)))
    meta = {
        "function": "ultralytics.utils.nms.non_max_suppression",
        "ultralytics": ultralytics.__version__, "torch": torch.__version__,
        "torchvision_nms": "torchvision" in sys.modules,
        "conf_thres": a.conf, "iou_thres": a.iou, "max_det": a.max_det,
        "multi_label": False, "agnostic": False, "max_wh": 7680,
        "seed": a.seed, "repair_rounds": tries,
        "candidates": {"file": os.path.basename(a.out) + "-candidates.bin",
                       "dtype": "float32le",
                       "shape": [a.batch, 4 + a.nc, a.anchors],
                       "rows": "cx, cy, w, h (pixels), nc class scores "
                       "(already sigmoid: the decoded layout)"},
        "above_conf": above,
        "detections": {"file": os.path.basename(a.out) + "-detections.bin",
                       "dtype": "float32le", "shape": list(det.shape),
                       "columns": "image, anchor index, x1, y1, x2, y2, "
                       "score, class; per image in the order NMS keeps them "
                       "(score descending)"},
        "kept_per_image": [int((det[:, 0] == b).sum())
                           for b in range(a.batch)],
        "margins": "no best score within 5e-3 of conf, no top-two class "
        "tie within 1e-3, no two kept scores within 1e-6, no same-class IoU "
        "within 5e-3 of iou_thres (float64 on the float32 values)",
        "command": "export-yolo.py " + " ".join(argv),
    }
    with open(a.out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print("export-yolo: nms: %d candidates above conf, kept %s; wrote "
          "%s-candidates.bin %s-detections.bin %s.json"
          % (above, meta["kept_per_image"], a.out, a.out, a.out))
    return 0


def letterbox_main(a, argv):
    import cv2
    import numpy as np
    import ultralytics
    from ultralytics.data.augment import LetterBox
    rng = np.random.default_rng(a.seed)
    S = a.new_shape
    cases = [("down", (S * 3 // 2 + 1, S * 5 // 4 + 3)),   # 97 x 83 at 64
             ("up", (S // 3 + 2, S // 2 + 3))]             # 23 x 35 at 64
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    meta = {"class": "ultralytics.data.augment.LetterBox",
            "ultralytics": ultralytics.__version__, "opencv": cv2.__version__,
            "new_shape": [S, S], "auto": False, "scaleup": True,
            "center": True, "padding_value": 114,
            "interpolation": "cv2.INTER_LINEAR", "seed": a.seed, "cases": []}
    for name, (h, w) in cases:
        # Smooth content plus noise: bilinear resizing of pure noise would
        # test little beyond rounding.
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.stack([(xx * 255 / max(w - 1, 1)), (yy * 255 / max(h - 1, 1)),
                        128 + 100 * np.sin(xx / 3.0 + yy / 5.0)], -1)
        img = np.clip(img + rng.normal(0, 20, img.shape), 0, 255)
        img = img.round().astype(np.uint8)
        lb = LetterBox(new_shape=(S, S), auto=False, scaleup=True)
        params = lb.get_params({"img": img})
        out = lb(image=img)
        # The predictor's preprocess: BGR->RGB, HWC->CHW, /255.
        t = (out[..., ::-1].transpose(2, 0, 1).astype(np.float32) / 255.0)
        pre = "%s-%s" % (a.out, name)
        img.tofile(pre + ".in.bin")
        out.tofile(pre + ".out.bin")
        t[None].astype("<f4").tofile(pre + ".tensor.bin")
        meta["cases"].append({
            "name": name,
            "in": {"file": os.path.basename(pre) + ".in.bin",
                   "dtype": "uint8", "shape": [h, w, 3], "layout": "HWC BGR"},
            "out": {"file": os.path.basename(pre) + ".out.bin",
                    "dtype": "uint8", "shape": list(out.shape),
                    "layout": "HWC BGR, LetterBox's return"},
            "tensor": {"file": os.path.basename(pre) + ".tensor.bin",
                       "dtype": "float32le", "shape": [1] + list(t.shape),
                       "layout": "NCHW RGB, out/255"},
            "ratio": params["ratio"][0], "new_unpad_wh": list(params["new_unpad"]),
            "top": params["top"], "bottom": params["bottom"],
            "left": params["left"], "right": params["right"]})
    meta["command"] = "export-yolo.py " + " ".join(argv)
    with open(a.out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print("export-yolo: letterbox: %s; wrote %s-*.bin %s.json"
          % (", ".join("%s %dx%d" % (c["name"], c["in"]["shape"][0],
                                     c["in"]["shape"][1])
                       for c in meta["cases"]), a.out, a.out))
    return 0


def main(argv):
    a = parse_args(argv)
    quiet()
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
        import ultralytics  # noqa: F401
        import safetensors  # noqa: F401
    except ImportError as e:
        sys.exit("export-yolo: needs torch, ultralytics, safetensors, numpy "
                 "(sh scripts/install-ref-nn.sh): %s" % e)
    return {"model": model_main, "nms": nms_main,
            "letterbox": letterbox_main}[a.what](a, argv)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        sys.exit("export-yolo: %s: %s" % (e.filename or "--out",
                                          e.strerror or e))
