#!/usr/bin/env python3
# yolo_nms_peer.py - yolo.nms against ultralytics' non_max_suppression
# (torchvision's NMS, torch on the CPU) on the same prediction: this
# rebuilds the probe's synthetic boxes (plugins/yolo/nms_run.c's
# splitmix64 streams) bit for bit, checks both keep the same number of
# boxes, then alternates dyno and ultralytics ROUNDS times and prints
# each round, the medians and the ratio ultralytics / dyno with its range.
#   python bench/yolo_nms_peer.py --dyno ./dyno [--dyno-args '...']
#     [--rounds 3] [--seconds 3]
#     [--candidates 8400] [--classes 80] [--clusters 30] [--conf 0.25]
#     [--threads 1]
import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision  # noqa: F401  (ultralytics takes torchvision's NMS when imported)
from ultralytics.utils.nms import non_max_suppression

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
GAMMA = np.uint64(0x9E3779B97F4A7C15)


def mix(z):
    z = z.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def stream(state, i):
    # the i-th (1-based) splitmix64_next of a generator at `state`
    with np.errstate(over="ignore"):
        return mix(np.uint64(state) + np.asarray(i, np.uint64) * GAMMA)


def unif(x):
    return (x >> np.uint64(11)).astype(np.float64) / 9007199254740992.0


def prediction(n, nc, clusters, seed):
    """nms_fill: noise, then per box a cluster, 4 jitters and a score."""
    p = np.zeros((4 + nc, n), np.float32)
    p[4:] = (unif(stream(seed, np.arange(1, nc * n + 1))) * 0.1).astype(
        np.float32).reshape(nc, n)
    base = nc * n + 6 * np.arange(n, dtype=np.uint64)
    d = [stream(seed, base + np.uint64(j)) for j in range(1, 7)]
    k = d[0] % np.uint64(clusters)
    with np.errstate(over="ignore"):
        # splitmix64_hash(seed ^ splitmix64_hash(k)): the object's state
        o = mix((np.uint64(seed) ^ mix(k + GAMMA)) + GAMMA)
    ob = [mix(o + np.uint64(j) * GAMMA) for j in range(1, 6)]
    cx, cy = unif(ob[0]) * 640, unif(ob[1]) * 640
    w, h = 16 + unif(ob[2]) * 240, 16 + unif(ob[3]) * 240
    cls = (ob[4] % np.uint64(nc)).astype(np.int64)
    p[0] = (cx + (unif(d[1]) - 0.5) * 0.2 * w).astype(np.float32)
    p[1] = (cy + (unif(d[2]) - 0.5) * 0.2 * h).astype(np.float32)
    p[2] = (w * (0.8 + 0.4 * unif(d[3]))).astype(np.float32)
    p[3] = (h * (0.8 + 0.4 * unif(d[4]))).astype(np.float32)
    p[4 + cls, np.arange(n)] = unif(d[5]).astype(np.float32)
    return p


def peer(pred, conf, seconds):
    t = torch.from_numpy(pred)[None]
    lat, kept = [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(lat) < 5:
        t0 = time.perf_counter()
        out = non_max_suppression(t, conf, 0.7, max_det=300)
        lat.append(time.perf_counter() - t0)
        kept = len(out[0])
    return statistics.median(lat), kept


def dyno(exe, a):
    r = subprocess.run([exe] + a.dyno_args.split() + ["probe", "yolo.nms", "candidates=%d" % a.candidates,
                        "classes=%d" % a.classes, "clusters=%d" % a.clusters,
                        "conf=%g" % a.conf, "seed=%d" % a.seed,
                        "--min-time", "%gs" % a.seconds, "--json"],
                       capture_output=True, text=True, check=True)
    j = json.loads(r.stdout)
    if j["status"] != "ok":
        sys.exit("yolo-nms: dyno: %s: %s" % (j["status"], j.get("message")))
    m = j["metrics"]
    return m["latency"]["median"], int(m["kept"]["median"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dyno", required=True)
    ap.add_argument("--dyno-args", default="",
                    help="global dyno options, e.g. --plugin-dir DIR")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--candidates", type=int, default=8400)
    ap.add_argument("--classes", type=int, default=80)
    ap.add_argument("--clusters", type=int, default=30)
    ap.add_argument("--conf", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    pred = prediction(a.candidates, a.classes, a.clusters, a.seed)
    print("yolo-nms: %d candidates, %d classes, %d clusters, conf %g; "
          "ultralytics %s, torch %s (%d thread(s)), torchvision %s" % (
              a.candidates, a.classes, a.clusters, a.conf,
              __import__("ultralytics").__version__, torch.__version__,
              a.threads, torchvision.__version__))
    ratios, dl, pl = [], [], []
    for i in range(a.rounds):
        d, dk = dyno(a.dyno, a)
        p, pk = peer(pred, a.conf, a.seconds)
        if dk != pk:
            sys.exit("yolo-nms: dyno kept %d boxes, ultralytics %d: not the "
                     "same prediction" % (dk, pk))
        dl.append(d)
        pl.append(p)
        ratios.append(p / d)
        print("round %d: dyno %.1f us, ultralytics %.1f us, %.2fx (both kept %d)"
              % (i + 1, d * 1e6, p * 1e6, p / d, dk))
    print("median: dyno %.1f us, ultralytics %.1f us; ultralytics / dyno "
          "%.2fx (range %.2f-%.2f)" % (statistics.median(dl) * 1e6,
                                       statistics.median(pl) * 1e6,
                                       statistics.median(ratios), min(ratios),
                                       max(ratios)))


if __name__ == "__main__":
    main()
