#!/usr/bin/env python3
# check_fixture.py - check the committed YOLOv8 fixtures: their own consistency
# with NumPy alone (shapes, NMS against a float64 greedy NMS, letterbox
# padding and tensor), and, where torch and ultralytics import, regenerate them
# with scripts/export-yolo.py and compare, and rerun the committed weights in
# float32 and float64 against the committed raw head.
#   python3 tests/yolo/check_fixture.py tests/fixtures/yolo
# Exit 0 when every check that could run passed, 1 on a failure, 77 when
# not even NumPy is there.
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EXPORTER = os.path.join(TOP, "scripts", "export-yolo.py")
failures = []


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def load(fix, name, dtype, shape):
    import numpy as np
    a = np.fromfile(os.path.join(fix, name), dtype)
    n = int(np.prod(shape))
    if a.size != n:
        check(False, "%s: %d values, expected %d for shape %s"
              % (name, a.size, n, shape))
        return None
    return a.reshape(shape)


def rel(a, b):
    import numpy as np
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def iou_row(b, c):
    import numpy as np
    lt = np.maximum(b[:2], c[:, :2])
    rb = np.minimum(b[2:], c[:, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[:, 0] * wh[:, 1]
    ab = (b[2] - b[0]) * (b[3] - b[1])
    ac = (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
    return inter / (ab + ac - inter)


def nms_numpy(p, conf, iou, max_det):
    """Greedy class-aware NMS in float64, best class per box: the rule the
    fixture's margins make exact.  Returns (anchor, class) per image."""
    import numpy as np
    out = []
    for x in p.astype(np.float64):
        sc = x[4:]
        best = sc.max(0)
        cls = sc.argmax(0)
        idx = np.flatnonzero(best > conf)
        idx = idx[np.argsort(-best[idx], kind="stable")]
        xy = x[:4, idx].T
        box = np.concatenate([xy[:, :2] - xy[:, 2:] / 2,
                              xy[:, :2] + xy[:, 2:] / 2], 1)
        alive = np.ones(len(idx), bool)
        keep = []
        for i in range(len(idx)):
            if not alive[i]:
                continue
            keep.append((int(idx[i]), int(cls[idx[i]])))
            same = cls[idx] == cls[idx[i]]
            sup = iou_row(box[i], box) > iou
            alive &= ~(same & sup)
        out.append(keep[:max_det])
    return out


def numpy_checks(fix):
    import numpy as np
    n = json.load(open(os.path.join(fix, "nms.json")))
    p = load(fix, n["candidates"]["file"], "<f4", n["candidates"]["shape"])
    d = load(fix, n["detections"]["file"], "<f4", n["detections"]["shape"])
    if p is not None and d is not None:
        ref = nms_numpy(p, n["conf_thres"], n["iou_thres"], n["max_det"])
        got = [[(int(r[1]), int(r[7])) for r in d if int(r[0]) == b]
               for b in range(p.shape[0])]
        check(got == ref, "nms: ultralytics' kept (anchor, class) lists "
              "equal a float64 greedy NMS's (%s kept)"
              % [len(k) for k in ref])
        ok = True
        for r in d:
            b, j = int(r[0]), int(r[1])
            cx, cy, w, h = p[b, :4, j].astype(np.float64)
            xyxy = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
            ok &= bool(np.abs(xyxy - r[2:6]).max() <= 1e-4 * max(1, np.abs(xyxy).max()))
            ok &= bool(r[6] == p[b, 4:, j].max() and int(r[7]) == int(p[b, 4:, j].argmax()))
        check(ok, "nms: every detection row is its candidate's xyxy box, "
              "best score and class")
    lb = json.load(open(os.path.join(fix, "letterbox.json")))
    S = lb["new_shape"]
    for c in lb["cases"]:
        img = load(fix, c["in"]["file"], np.uint8, c["in"]["shape"])
        out = load(fix, c["out"]["file"], np.uint8, c["out"]["shape"])
        t = load(fix, c["tensor"]["file"], "<f4", c["tensor"]["shape"])
        if img is None or out is None or t is None:
            continue
        h, w = c["in"]["shape"][:2]
        nw, nh = c["new_unpad_wh"]
        r = min(S[0] / h, S[1] / w)
        check((nw, nh) == (round(w * r), round(h * r))
              and c["top"] + nh + c["bottom"] == S[0]
              and c["left"] + nw + c["right"] == S[1],
              "letterbox %s: resized %dx%d and pads %d/%d/%d/%d follow the "
              "gain rule" % (c["name"], nw, nh, c["top"], c["bottom"],
                             c["left"], c["right"]))
        pad = np.ones(out.shape[:2], bool)
        pad[c["top"]:c["top"] + nh, c["left"]:c["left"] + nw] = False
        check(bool(np.all(out[pad] == 114)), "letterbox %s: padding is 114"
              % c["name"])
        want = out[..., ::-1].transpose(2, 0, 1).astype(np.float32) / 255.0
        check(bool(np.array_equal(t[0], want)), "letterbox %s: tensor is the "
              "output as RGB CHW / 255" % c["name"])
    for name in ("tiny-torch", "tiny-dyno"):
        m = json.load(open(os.path.join(fix, name + ".json")))
        A = sum((m["imgsz"] // s) ** 2 for s in m["strides"])
        check(m["head"]["shape"] == [m["input"]["shape"][0],
                                     4 * m["reg_max"] + m["nc"], A]
              and m["anchors"] == A,
              "%s: raw head shape %s = (B, 64+nc, A=%d)"
              % (name, m["head"]["shape"], A))
        e = m["fp32_vs_fp64_rel_err"]["head"]
        check(e < 1e-5, "%s: the exporter's fp32 head is within %.2g of "
              "float64 (< 1e-5)" % (name, e))


def torch_checks(fix, py):
    import numpy as np
    tmp = tempfile.mkdtemp(prefix="yolo-fixture-")
    for name in ("tiny-torch", "tiny-dyno", "nms", "letterbox"):
        m = json.load(open(os.path.join(fix, name + ".json")))
        argv = m["command"].split()[1:]
        i = argv.index("--out")
        argv[i + 1] = os.path.join(tmp, name)
        argv = [os.path.join(fix, os.path.basename(v)) if v.endswith(".yaml")
                else v for v in argv]
        r = subprocess.run([py, EXPORTER] + argv, capture_output=True,
                           text=True)
        check(r.returncode == 0, "regenerate %s: %s" % (
            name, (r.stdout + r.stderr).strip().splitlines()[-1:]))
    from safetensors.numpy import load_file
    for f in sorted(os.listdir(fix)):
        # post/ is scripts/yolo-post-fixture.py's (tests/yolo_post_cv2.sh).
        if f.endswith((".json", ".yaml", ".md")) or \
                os.path.isdir(os.path.join(fix, f)):
            continue
        g = os.path.join(tmp, f)
        if not os.path.exists(g):
            check(False, "regenerate: %s not made again" % f)
            continue
        if f.endswith(".safetensors"):
            a, b = load_file(os.path.join(fix, f)), load_file(g)
            ok = sorted(a) == sorted(b) and all(
                a[k].dtype == b[k].dtype and a[k].shape == b[k].shape
                for k in a)
            worst = max((rel(b[k], a[k]) for k in a if a[k].size
                         and a[k].dtype == np.float32), default=0.0) if ok else 1
            check(ok and worst < 1e-5, "regenerated %s: same %d tensors, "
                  "worst relative difference %.2g (< 1e-5)"
                  % (f, len(a), worst))
        elif f.endswith(".f32") and not f.endswith(".input.f32"):
            a = np.fromfile(os.path.join(fix, f), "<f4")
            b = np.fromfile(g, "<f4")
            e = rel(b, a) if a.size == b.size else 1.0
            check(e < 1e-5, "regenerated %s: relative difference %.2g "
                  "(< 1e-5)" % (f, e))
        else:
            same = open(os.path.join(fix, f), "rb").read() == \
                open(g, "rb").read()
            check(same, "regenerated %s: identical bytes" % f)
    replay(fix)


def replay(fix):
    """The committed weights in ultralytics' model, float32 and float64,
    against the committed raw head: what the C side is tested against."""
    import numpy as np
    import torch
    from safetensors.torch import load_file
    from ultralytics.nn.tasks import DetectionModel, yaml_model_load
    m = json.load(open(os.path.join(fix, "tiny-torch.json")))
    d = yaml_model_load(os.path.join(fix, m["yaml"]))
    d["scale"] = m["scale"]
    model = DetectionModel(d, nc=m["nc"], verbose=False)
    model.load_state_dict(load_file(os.path.join(fix, "tiny-torch.safetensors")))
    model.eval()
    x = np.fromfile(os.path.join(fix, m["input"]["file"]), "<f4").reshape(
        m["input"]["shape"])
    head = np.fromfile(os.path.join(fix, m["head"]["file"]), "<f4").reshape(
        m["head"]["shape"])
    with torch.no_grad():
        for dt in (torch.float32, torch.float64):
            mm = model.to(dt)
            _, p = mm(torch.from_numpy(x).to(dt))
            raw = torch.cat((p["boxes"], p["scores"]), 1).numpy()
            e = rel(raw, head)
            check(e < 1e-5, "committed weights, %s forward: raw head within "
                  "%.2g of the committed one (< 1e-5)" % (dt, e))


def main(argv):
    if len(argv) != 1:
        sys.exit("usage: check_fixture.py FIXTURE_DIR")
    fix = argv[0]
    try:
        import numpy  # noqa: F401
    except ImportError:
        print("check_fixture: skipped: no NumPy")
        return 77
    numpy_checks(fix)
    try:
        os.environ.setdefault("YOLO_VERBOSE", "False")
        import warnings
        warnings.filterwarnings("ignore")
        import torch  # noqa: F401
        import ultralytics  # noqa: F401
        import safetensors  # noqa: F401
    except ImportError as e:
        print("check_fixture: regeneration skipped: %s (sh scripts/"
              "install-ref-nn.sh; PYTHON=.venv-nn/bin/python)" % e)
    else:
        torch_checks(fix, sys.executable)
    if failures:
        print("check_fixture: %d failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
