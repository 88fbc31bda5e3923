#!/usr/bin/env python3
# eegpt_peers.py - EEGPT encoder windows/s: PyTorch eager (braindecode's
# EEGPT) and ONNX Runtime (CPU provider, the same model exported to ONNX)
# against dyno's eegpt.infer, on the same weights, batch and threads,
# alternated, ROUNDS times; prints each round and the median ratios with
# their range.  Run through bench/eegpt-vs-peers.sh (make bench-eegpt).
#   python bench/eegpt_peers.py --dyno ./dyno --batches 1,8 --threads 2
# Every measurement runs in a process of its own (this script with
# --worker), so no runtime's idle threads (ONNX Runtime's and OpenMP's spin
# after their work) are left to compete with the next one on a small VM.
# A measurement: one warm-up call, then calls until --seconds have passed
# (at least --min-calls); windows/s = the median over the calls of
# batch / call time.  dyno's figure is .metrics.windows_per_s.median (the
# median of its samples) of `dyno probe eegpt.infer batch=B threads=T
# weights=FILE --json`, with channels, samples, stride, dim, depth and heads
# from the weights' metadata.
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")
sys.path.insert(0, HERE)
import peers  # noqa: E402  (bench/peers.py)
NEED = ("chans", "times", "patch_size", "patch_stride", "embed_dim", "depth",
        "heads", "embed_num", "mlp_ratio", "eps")


def parse_args(argv):
    p = argparse.ArgumentParser(description="EEGPT: dyno against PyTorch "
                                "and ONNX Runtime")
    p.add_argument("--dyno", default="", help="the dyno binary ('' = none)")
    p.add_argument("--dyno-args", default="", help="global dyno options")
    p.add_argument("--weights", default="",
                   help="safetensors from scripts/export-eegpt.py (default: "
                   "made here, spec config, dyno-init-v1 seed 0)")
    p.add_argument("--batches", default="1,8")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--min-calls", type=int, default=3)
    p.add_argument("--peers", default="torch,ort")
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
    a.peers = [x for x in a.peers.split(",") if x]
    for x in a.peers:
        if x not in ("torch", "ort"):
            p.error("--peers %r: expected torch and/or ort" % x)
    return a


def read_config(path):
    """The model's configuration from the safetensors header (no torch)."""
    try:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            md = json.loads(f.read(n)).get("__metadata__") or {}
    except (OSError, ValueError, struct.error) as e:
        sys.exit("eegpt_peers: --weights %s: not a safetensors file (%s)"
                 % (path, e))
    miss = [k for k in NEED if k not in md]
    if miss:
        sys.exit("eegpt_peers: --weights %s: no %s in the safetensors "
                 "metadata (make it with scripts/export-eegpt.py)"
                 % (path, miss[0]))
    m = {k: (float(md[k]) if k in ("mlp_ratio", "eps") else int(md[k]))
         for k in NEED}
    # braindecode zero-pads the end so the last patch fits.
    rem = (m["times"] - m["patch_size"]) % m["patch_stride"]
    padded = m["times"] + (m["patch_stride"] - rem if rem else 0)
    m["n_patches"] = (padded - m["patch_size"]) // m["patch_stride"] + 1
    return m


def flops_per_window(m):
    """2 x multiply-adds of the encoder for one window (matmuls only)."""
    c, n, d, s = m["chans"], m["n_patches"], m["embed_dim"], m["embed_num"]
    h, depth = int(d * m["mlp_ratio"]), m["depth"]
    L = c + s
    patch = 2 * n * c * m["patch_size"] * d
    per_tok = 2 * (3 * d * d + d * d + 2 * d * h)
    attn = 2 * 2 * L * L * d
    return patch + depth * n * (L * per_tok + attn)


# --- the worker: one measurement (or the ONNX export) in its own process


def load_model(path, m, threads):
    import torch
    from safetensors.torch import load_file
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    from braindecode.models import EEGPT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = EEGPT(n_chans=m["chans"], n_times=m["times"],
                      patch_size=m["patch_size"],
                      patch_stride=m["patch_stride"],
                      embed_num=m["embed_num"], embed_dim=m["embed_dim"],
                      depth=m["depth"], num_heads=m["heads"],
                      mlp_ratio=m["mlp_ratio"], layer_norm_eps=m["eps"],
                      chan_proj_type="none", return_encoder_output=True)
    model.load_state_dict(load_file(path), strict=True)
    return model.eval()


def worker(a):
    warnings.filterwarnings("ignore", category=FutureWarning)
    import numpy as np
    m = read_config(a.weights)
    b = a.batches[0]
    x = np.random.default_rng(1).standard_normal(
        (b, m["chans"], m["times"])).astype(np.float32)
    if a.worker == "ort":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        s = ort.InferenceSession(a.onnx, so,
                                 providers=["CPUExecutionProvider"])
        r = peers.timed(lambda: s.run(None, {"x": x}), b, a.seconds,
                        a.min_calls)
        print(json.dumps({"windows_per_s": r, "version": ort.__version__}))
        return 0
    import torch
    torch.set_grad_enabled(False)
    model = load_model(a.weights, m, a.threads)
    if a.worker == "onnx":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (torch.from_numpy(x),), a.onnx,
                              input_names=["x"], output_names=["z"],
                              opset_version=17,
                              dynamic_axes={"x": {0: "batch"},
                                            "z": {0: "batch"}}, dynamo=False)
        return 0
    xt = torch.from_numpy(x)
    with torch.inference_mode():
        r = peers.timed(lambda: model(xt), b, a.seconds, a.min_calls)
    print(json.dumps({"windows_per_s": r, "version": torch.__version__}))
    return 0


# --- the driver


def run_peer(a, who, weights, onnx, batch):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", who,
           "--weights", weights, "--onnx", onnx, "--batches", str(batch),
           "--threads", str(a.threads), "--seconds", str(a.seconds),
           "--min-calls", str(a.min_calls)]
    return peers.run_worker(who, cmd)


def run_dyno(a, weights, m, batch):
    cmd = [a.dyno] + a.dyno_args.split() + [
        "probe", "eegpt.infer", "batch=%d" % batch, "threads=%d" % a.threads,
        "channels=%d" % m["chans"], "samples=%d" % m["times"],
        "stride=%d" % m["patch_stride"], "dim=%d" % m["embed_dim"],
        "depth=%d" % m["depth"], "heads=%d" % m["heads"],
        "weights=%s" % weights, "--max-time", "%gs" % a.seconds, "--json"]
    return peers.run_dyno(cmd, "windows_per_s")


def bench(a, tmp):
    weights = a.weights
    if not weights:
        weights = os.path.join(tmp, "spec")
        r = subprocess.run([sys.executable,
                            os.path.join(SCRIPTS, "export-eegpt.py"),
                            "--out", weights, "--init", "dyno", "--seed", "0",
                            "--no-output", "--no-values"],
                           stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit("eegpt_peers: export-eegpt.py failed (exit %d)"
                     % r.returncode)
        weights += ".safetensors"
    if not os.path.isfile(weights):
        sys.exit("eegpt_peers: --weights %s: no such file (expected a "
                 "safetensors file from scripts/export-eegpt.py)" % weights)
    m = read_config(weights)
    gf = flops_per_window(m) / 1e9
    onnx = os.path.join(tmp, "eegpt.onnx")
    if "ort" in a.peers:
        r = subprocess.run([sys.executable, os.path.abspath(__file__),
                            "--worker", "onnx", "--weights", weights,
                            "--onnx", onnx, "--batches", "1"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("eegpt_peers: ONNX export failed: %s"
                     % (r.stderr.strip().splitlines() or [""])[-1])
    dyno_ok = False
    if a.dyno:
        r = subprocess.run([a.dyno] + a.dyno_args.split() +
                           ["describe", "eegpt.infer"], capture_output=True)
        dyno_ok = r.returncode == 0
    print("eegpt-vs-peers: %s (%d ch x %d samples, D %d, depth %d, %d heads, "
          "stride %d, N %d patches, %.2f GFLOP/window), threads %d, "
          "batches %s, %d rounds, %gs each, each run in its own process"
          % (os.path.basename(weights), m["chans"], m["times"],
             m["embed_dim"], m["depth"], m["heads"], m["patch_stride"],
             m["n_patches"], gf, a.threads, ",".join(map(str, a.batches)),
             a.rounds, a.seconds), flush=True)
    if not dyno_ok:
        print("dyno: not built (dyno describe eegpt.infer failed); "
              "peers only", flush=True)
    return peers.alternate(
        a, dyno_ok, lambda b: run_dyno(a, weights, m, b),
        lambda who, b: run_peer(a, who, weights, onnx, b),
        "windows_per_s", "win/s", 3,
        lambda v: " (%.1f GFLOP/s)" % (v * gf))


def main(argv):
    a = parse_args(argv)
    if a.worker:
        return worker(a)
    tmp = tempfile.mkdtemp(prefix="dyno-eegpt-")
    try:
        return bench(a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
