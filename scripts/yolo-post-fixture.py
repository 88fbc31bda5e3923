#!/usr/bin/env python3
# yolo-post-fixture.py - writes tests/fixtures/yolo/post/: ultralytics'
# LetterBox (cv2), Detect decode and non_max_suppression on small seeded
# inputs, for tests/test_yolo_post.c.  Needs ultralytics, torch,
# torchvision and opencv (scripts/install-ref-nn.sh's venv):
#   /work/venv-nn/bin/python scripts/yolo-post-fixture.py [OUTDIR [SEED]]
import os
import sys

import cv2
import numpy as np
import torch
import torchvision  # noqa: F401  (non_max_suppression uses it when imported)
from ultralytics.data.augment import LetterBox
from ultralytics.nn.modules.head import Detect
from ultralytics.utils.nms import non_max_suppression

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/yolo/post"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 19
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(seed)
IMGSZ = 64

# Letterbox: frames that upscale, downscale, halve exactly (cv2 then
# takes INTER_AREA), keep their size, and are thin.  Smooth content plus
# noise so the interpolation weights matter.
sizes = [(37, 23), (100, 60), (128, 128), (64, 64), (50, 170), (3, 200),
         (97, 131)] if seed == 19 else \
    [tuple(int(v) for v in rng.integers(1, 400, 2)) for _ in range(12)]
with open(os.path.join(out, "letterbox.txt"), "w") as f:
    f.write("# w h imgsz new_w new_h top left: LetterBox(%d) of <w>x<h>.bgr.u8 "
            "in <w>x<h>.lb.u8 (HWC BGR, cv2 %s)\n" % (IMGSZ, cv2.__version__))
    for w, h in sizes:
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.stack([(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)),
                        ((xx + yy) * 7) % 256], -1).astype(np.int32)
        img = np.clip(img + rng.integers(-40, 41, img.shape), 0, 255).astype(np.uint8)
        lb = LetterBox(new_shape=(IMGSZ, IMGSZ), auto=False)
        p = lb.get_params({"img": img})
        res = lb(image=img)
        assert res.shape == (IMGSZ, IMGSZ, 3)
        img.tofile(os.path.join(out, "%dx%d.bgr.u8" % (w, h)))
        res.tofile(os.path.join(out, "%dx%d.lb.u8" % (w, h)))
        f.write("%d %d %d %d %d %d %d\n" % (w, h, IMGSZ, p["new_unpad"][0],
                                         p["new_unpad"][1], p["top"], p["left"]))

# Decode: a random raw head (1, 64 + nc, A) at imgsz 64, through Detect's
# own inference decode (DFL, make_anchors, dist2bbox, sigmoid).
nc = 4
det = Detect(nc=nc, ch=(8, 16, 32)).eval()
det.stride = torch.tensor([8.0, 16.0, 32.0])
feats = [torch.zeros(1, 8, IMGSZ // s, IMGSZ // s) for s in (8, 16, 32)]
a = sum(f.shape[2] * f.shape[3] for f in feats)
head = torch.from_numpy(rng.normal(0, 2.5, (1, 64 + nc, a)).astype(np.float32))
head[:, 64:] -= 1.0  # a mix of scores above and below conf
with torch.no_grad():
    y = det._inference({"boxes": head[:, :64], "scores": head[:, 64:], "feats": feats})
head.numpy().tofile(os.path.join(out, "head.f32"))
y.numpy().astype(np.float32).tofile(os.path.join(out, "decoded.f32"))
d = non_max_suppression(y.clone(), 0.25, 0.7, max_det=300, return_idxs=True)
rows, idx = d[0][0].numpy(), d[1][0].numpy()
np.concatenate([rows, idx[:, None].astype(np.float32)], 1).astype(np.float32).tofile(
    os.path.join(out, "decoded.nms.f32"))

# NMS: (1, 4 + nc, n) predictions of boxes jittered around clusters, some
# scores equal on purpose (torchvision keeps equal scores in input
# order), at predict's conf 0.25 and at validation's conf 0.001 where
# max_det 300 cuts.
nc, n, k = 6, 2000, 60
cx = rng.uniform(20, 620, k); cy = rng.uniform(20, 620, k)
cw = rng.uniform(8, 200, k); ch = rng.uniform(8, 200, k)
ccls = rng.integers(0, nc, k)
m = rng.integers(0, k, n)
pred = np.zeros((4 + nc, n), np.float32)
pred[0] = cx[m] + rng.normal(0, 0.03, n) * cw[m]
pred[1] = cy[m] + rng.normal(0, 0.03, n) * ch[m]
pred[2] = cw[m] * rng.uniform(0.85, 1.15, n)
pred[3] = ch[m] * rng.uniform(0.85, 1.15, n)
pred[4:] = rng.uniform(0, 0.2, (nc, n))
s = rng.uniform(0, 1, n)
q = rng.uniform(0, 1, n) < 0.3
s[q] = np.floor(s[q] * 16) / 16  # ties
pred[4 + ccls[m], np.arange(n)] = s
pred.tofile(os.path.join(out, "nms.pred.f32"))
for conf, name in ((0.25, "nms.conf25"), (0.001, "nms.conf001")):
    t = torch.from_numpy(pred)[None]
    d = non_max_suppression(t, conf, 0.7, max_det=300, return_idxs=True)
    rows, idx = d[0][0].numpy(), d[1][0].numpy()
    np.concatenate([rows, idx[:, None].astype(np.float32)], 1).astype(np.float32).tofile(
        os.path.join(out, name + ".f32"))
    print(name, "kept", len(rows))
with open(os.path.join(out, "nms.txt"), "w") as f:
    f.write("# nms.pred.f32: (4 + nc, n) = (%d, %d) xywh + scores; nms.conf*.f32: "
            "rows x1 y1 x2 y2 conf cls anchor of ultralytics %s non_max_suppression "
            "(iou 0.7, max_det 300, torchvision %s)\n" % (4 + nc, n,
            __import__("ultralytics").__version__, torchvision.__version__))
    f.write("%d %d\n" % (nc, n))
