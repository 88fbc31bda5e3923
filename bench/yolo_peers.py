#!/usr/bin/env python3
# yolo_peers.py - YOLOv8 images/s: PyTorch eager (ultralytics' model, fused
# as its predictor fuses) and ONNX Runtime (CPU provider, the same fused model
# exported to ONNX) against dyno's yolo.infer, on the same weights, batch,
# image size and threads, alternated, ROUNDS times; prints each round and
# the median ratios with their range.  Run through bench/yolo-vs-peers.sh
# (make bench-yolo).
#   python bench/yolo_peers.py --dyno ./dyno --batches 1,8 --threads 2
# What is timed: the forward pass up to the raw head (B, 64+nc, A), which is
# what dyno's yolo.infer computes; DFL decode and NMS are outside on every
# side.  ultralytics' own ONNX export includes the decode; here both peers'
# Detect is made to return the raw head instead (scripts/export-yolo.py
# --onnx-output head), so the three time the same work.  --output decoded
# times the peers with ultralytics' decode included (dyno is then skipped:
# its probe does not decode).
# Every measurement runs in a process of its own (this script with
# --worker), so no runtime's idle threads are left to compete with the next
# one on a small VM.  A measurement: one warm-up call, then calls until
# --seconds have passed (at least --min-calls); images/s = the median over
# the calls of batch / call time.  dyno's figure is .metrics.fps.median of
# `dyno probe yolo.infer model=yolov8S batch=B threads=T imgsz=N
# weights=FILE --json`.
import argparse
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")
sys.path.insert(0, HERE)
import peers  # noqa: E402  (bench/peers.py)


def parse_args(argv):
    p = argparse.ArgumentParser(description="YOLOv8: dyno against PyTorch "
                                "and ONNX Runtime")
    p.add_argument("--dyno", default="", help="the dyno binary ('' = none)")
    p.add_argument("--dyno-args", default="", help="global dyno options")
    p.add_argument("--weights", default="",
                   help="unfused safetensors from scripts/export-yolo.py "
                   "(default: made here, --scale, dyno-init-v1 seed 0)")
    p.add_argument("--scale", default="n", help="n, s or m (n)")
    p.add_argument("--yaml", default="yolov8.yaml",
                   help="family YAML (default: ultralytics' packaged one)")
    p.add_argument("--imgsz", type=int, default=640)
    p.add_argument("--batches", default="1,8")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--min-calls", type=int, default=3)
    p.add_argument("--peers", default="torch,ort")
    p.add_argument("--output", choices=("head", "decoded"), default="head")
    p.add_argument("--worker", choices=("torch", "ort", "onnx"),
                   help=argparse.SUPPRESS)
    p.add_argument("--onnx", default="", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    try:
        a.batches = [int(b) for b in a.batches.split(",")]
    except ValueError:
        p.error("--batches %r: expected comma-separated integers" % a.batches)
    if min(a.batches) < 1 or a.threads < 1 or a.rounds < 1:
        p.error("--batches, --threads, --rounds: expected positive integers")
    if a.imgsz < 32 or a.imgsz % 32:
        p.error("--imgsz %d: expected a positive multiple of 32" % a.imgsz)
    a.peers = [x for x in a.peers.split(",") if x]
    for x in a.peers:
        if x not in ("torch", "ort"):
            p.error("--peers %r: expected torch and/or ort" % x)
    return a


def exporter():
    spec = importlib.util.spec_from_file_location(
        "export_yolo", os.path.join(SCRIPTS, "export-yolo.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def read_meta(path):
    """scale and nc from the safetensors header (no torch)."""
    try:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            md = json.loads(f.read(n)).get("__metadata__") or {}
    except (OSError, ValueError, struct.error) as e:
        sys.exit("yolo_peers: --weights %s: not a safetensors file (%s)"
                 % (path, e))
    for k in ("scale", "nc"):
        if k not in md:
            sys.exit("yolo_peers: --weights %s: no %s in the safetensors "
                     "metadata (make it with scripts/export-yolo.py)"
                     % (path, k))
    return {"scale": md["scale"], "nc": int(md["nc"]),
            "parameters": int(md.get("parameters", 0))}


# --- the worker: one measurement (or the ONNX export) in its own process


def load_fused(a, m):
    """ultralytics' model with the weights, fused (as its predictor runs
    it), Detect returning the raw head unless --output decoded."""
    import torch
    from safetensors.torch import load_file
    ex = exporter()
    ex.quiet()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    b = argparse.Namespace(yaml=a.yaml, scale=m["scale"], nc=m["nc"],
                           seed=0)
    model = ex.build(b)
    model.load_state_dict(load_file(a.weights), strict=True)
    model = model.eval().fuse(verbose=False)
    det = model.model[-1]
    if a.output == "head":
        ex.raw_head_forward(det)
    else:
        det.export = True
        det.format = "onnx"
    return model


def worker(a):
    warnings.filterwarnings("ignore")
    import numpy as np
    m = read_meta(a.weights)
    b = a.batches[0]
    x = np.random.default_rng(1).random(
        (b, 3, a.imgsz, a.imgsz), dtype=np.float32)
    if a.worker == "ort":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        s = ort.InferenceSession(a.onnx, so,
                                 providers=["CPUExecutionProvider"])
        r = peers.timed(lambda: s.run(None, {"images": x}), b, a.seconds,
                  a.min_calls)
        print(json.dumps({"fps": r, "version": ort.__version__}))
        return 0
    import torch
    torch.set_grad_enabled(False)
    model = load_fused(a, m)
    xt = torch.from_numpy(x)
    if a.worker == "onnx":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (xt,), a.onnx, input_names=["images"],
                              output_names=["output0"], opset_version=17,
                              dynamic_axes={"images": {0: "batch"},
                                            "output0": {0: "batch"}},
                              dynamo=False)
        return 0
    with torch.inference_mode():
        r = peers.timed(lambda: model(xt), b, a.seconds, a.min_calls)
    print(json.dumps({"fps": r, "version": torch.__version__}))
    return 0


# --- the driver


def common(a, weights, batch):
    return ["--weights", weights, "--yaml", a.yaml, "--imgsz",
            str(a.imgsz), "--batches", str(batch), "--threads",
            str(a.threads), "--seconds", str(a.seconds), "--min-calls",
            str(a.min_calls), "--output", a.output]


def run_peer(a, who, weights, onnx, batch):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", who,
           "--onnx", onnx] + common(a, weights, batch)
    return peers.run_worker(who, cmd)


def run_dyno(a, weights, m, batch):
    cmd = [a.dyno] + a.dyno_args.split() + [
        "probe", "yolo.infer", "model=yolov8%s" % m["scale"],
        "batch=%d" % batch, "threads=%d" % a.threads, "imgsz=%d" % a.imgsz,
        "weights=%s" % weights, "--max-time", "%gs" % a.seconds, "--json"]
    return peers.run_dyno(cmd, "fps")


def bench(a, tmp):
    weights = a.weights
    if not weights:
        weights = os.path.join(tmp, "yolov8" + a.scale)
        r = subprocess.run([sys.executable,
                            os.path.join(SCRIPTS, "export-yolo.py"), "model",
                            "--out", weights, "--yaml", a.yaml,
                            "--scale", a.scale, "--imgsz", str(a.imgsz),
                            "--init", "dyno", "--seed", "0", "--no-output"],
                           stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit("yolo_peers: export-yolo.py failed (exit %d)"
                     % r.returncode)
        weights += ".safetensors"
    if not os.path.isfile(weights):
        sys.exit("yolo_peers: --weights %s: no such file (expected a "
                 "safetensors file from scripts/export-yolo.py)" % weights)
    m = read_meta(weights)
    a.weights = weights
    onnx = os.path.join(tmp, "yolo.onnx")
    if "ort" in a.peers:
        r = subprocess.run([sys.executable, os.path.abspath(__file__),
                            "--worker", "onnx", "--onnx", onnx]
                           + common(a, weights, 1),
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("yolo_peers: ONNX export failed: %s"
                     % (r.stderr.strip().splitlines() or [""])[-1])
    dyno_ok, why = False, "no --dyno given"
    if a.output != "head":
        why = "--output decoded: yolo.infer times the forward only"
    elif a.dyno:
        r = subprocess.run([a.dyno] + a.dyno_args.split() +
                           ["describe", "yolo.infer"], capture_output=True)
        dyno_ok = r.returncode == 0
        why = "dyno describe yolo.infer failed"
    print("yolo-vs-peers: %s (yolov8%s, nc %d, %d parameters unfused), "
          "imgsz %d, timed output: %s, threads %d, batches %s, %d rounds, "
          "%gs each, each run in its own process"
          % (os.path.basename(weights), m["scale"], m["nc"], m["parameters"],
             a.imgsz, "raw head (B, 64+nc, A), no decode" if a.output ==
             "head" else "decoded (B, 4+nc, A), ultralytics' decode",
             a.threads, ",".join(map(str, a.batches)), a.rounds, a.seconds),
          flush=True)
    if not dyno_ok:
        print("dyno: skipped: %s; peers only" % why, flush=True)
    return peers.alternate(
        a, dyno_ok, lambda b: run_dyno(a, weights, m, b),
        lambda who, b: run_peer(a, who, weights, onnx, b),
        "fps", "img/s", 2)


def main(argv):
    a = parse_args(argv)
    if a.worker:
        return worker(a)
    tmp = tempfile.mkdtemp(prefix="dyno-yolo-")
    try:
        return bench(a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
