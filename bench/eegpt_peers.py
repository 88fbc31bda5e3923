#!/usr/bin/env python3
# eegpt_peers.py - EEGPT encoder windows/s: PyTorch eager (braindecode's
# EEGPT) and ONNX Runtime (CPU provider, the same model exported to ONNX)
# against dyno's eegpt.infer, on the same weights, batch and threads,
# alternated, ROUNDS times; prints each round and the median ratios with
# their range.  Run through bench/eegpt-vs-peers.sh (make bench-eegpt).
#   python bench/eegpt_peers.py --dyno ./dyno --batches 1,8 --threads 2
# Each measurement: one warm-up call, then calls until --seconds have
# passed (at least --min-calls); windows/s = windows done / time taken.
# dyno's figure is .metrics.windows_per_s.median of `dyno probe eegpt.infer
# batch=B threads=T weights=FILE --json` (with channels, samples and stride
# from the weights' metadata).
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
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


def flops_per_window(m):
    """2 x multiply-adds of the encoder for one window (matmuls only)."""
    c, n, d, s = m["chans"], m["n_patches"], m["embed_dim"], m["embed_num"]
    h, depth = int(d * m["mlp_ratio"]), m["depth"]
    L = c + s
    patch = 2 * n * c * m["patch_size"] * d
    per_tok = 2 * (3 * d * d + d * d + 2 * d * h)
    attn = 2 * 2 * L * L * d
    return patch + depth * n * (L * per_tok + attn)


def load_model(path, threads):
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    with safe_open(path, "pt") as f:
        md = f.metadata() or {}
    need = ("chans", "times", "patch_size", "patch_stride", "embed_dim",
            "depth", "heads", "embed_num", "mlp_ratio", "eps")
    miss = [k for k in need if k not in md]
    if miss:
        sys.exit("eegpt_peers: %s: no %s in the safetensors metadata "
                 "(make it with scripts/export-eegpt.py)" % (path, miss[0]))
    m = {k: (float(md[k]) if k in ("mlp_ratio", "eps") else int(md[k]))
         for k in need}
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
    model.eval()
    m["n_patches"] = model.n_patches
    return model, m


def timed(fn, batch, seconds, min_calls):
    fn()
    n = 0
    t0 = time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and n >= min_calls:
            return batch * n / dt


def run_dyno(a, weights, m, batch):
    cmd = [a.dyno] + a.dyno_args.split() + [
        "probe", "eegpt.infer", "batch=%d" % batch, "threads=%d" % a.threads,
        "channels=%d" % m["chans"], "samples=%d" % m["times"],
        "stride=%d" % m["patch_stride"], "weights=%s" % weights, "--max-time", "%gs" % a.seconds, "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
    try:
        j = json.loads(r.stdout)
        return float(j["metrics"]["windows_per_s"]["median"]), None
    except (ValueError, KeyError, TypeError) as e:
        return None, "no .metrics.windows_per_s.median in its JSON (%s)" % e


def spread(xs):
    return "%.3f (range %.3f-%.3f, %d rounds)" % (
        statistics.median(xs), min(xs), max(xs), len(xs))


def main(argv):
    a = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="dyno-eegpt-")
    try:
        return bench(a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench(a, tmp):
    warnings.filterwarnings("ignore", category=FutureWarning)
    import numpy as np
    import torch
    weights = a.weights
    if not weights:
        weights = os.path.join(tmp, "spec")
        subprocess.run([sys.executable, os.path.join(SCRIPTS, "export-eegpt.py"),
                        "--out", weights, "--init", "dyno", "--seed", "0",
                        "--no-output", "--no-values"], check=True, stdout=subprocess.DEVNULL)
        weights += ".safetensors"
    if not os.path.isfile(weights):
        sys.exit("eegpt_peers: --weights %s: no such file (expected a "
                 "safetensors file from scripts/export-eegpt.py)" % weights)
    try:
        model, m = load_model(weights, a.threads)
    except (OSError, RuntimeError, ValueError) as e:
        sys.exit("eegpt_peers: --weights %s: %s" % (weights,
                 str(e).splitlines()[0]))
    gf = flops_per_window(m) / 1e9
    sess = None
    if "ort" in a.peers:
        import onnxruntime as ort
        onnx_path = os.path.join(tmp, "eegpt.onnx")
        x0 = torch.zeros(1, m["chans"], m["times"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x0,), onnx_path, input_names=["x"],
                              output_names=["z"], opset_version=17,
                              dynamic_axes={"x": {0: "batch"},
                                            "z": {0: "batch"}}, dynamo=False)
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sess = ort.InferenceSession(onnx_path, so,
                                    providers=["CPUExecutionProvider"])
    dyno_ok = False
    if a.dyno:
        r = subprocess.run([a.dyno] + a.dyno_args.split() +
                           ["describe", "eegpt.infer"], capture_output=True)
        dyno_ok = r.returncode == 0
    print("eegpt-vs-peers: %s (%d ch x %d samples, D %d, depth %d, %d heads, "
          "N %d patches, %.2f GFLOP/window), threads %d, batches %s, "
          "%d rounds, %gs each; torch %s, onnxruntime %s"
          % (os.path.basename(weights), m["chans"], m["times"], m["embed_dim"],
             m["depth"], m["heads"], m["n_patches"], gf, a.threads,
             ",".join(map(str, a.batches)), a.rounds, a.seconds,
             torch.__version__,
             sess and __import__("onnxruntime").__version__ or "-"))
    if not dyno_ok:
        print("dyno: not built (dyno describe eegpt.infer failed); "
              "peers only")
    ratios, rates = {}, {}
    rng = np.random.default_rng(1)
    for rd in range(1, a.rounds + 1):
        for b in a.batches:
            x = rng.standard_normal((b, m["chans"], m["times"])).astype(np.float32)
            xt = torch.from_numpy(x)
            got = {}
            # Alternate who goes first from round to round.
            order = ["dyno"] + a.peers if rd % 2 else a.peers[::-1] + ["dyno"]
            for who in order:
                if who == "torch":
                    with torch.inference_mode():
                        got[who] = timed(lambda: model(xt), b, a.seconds,
                                         a.min_calls)
                elif who == "ort":
                    got[who] = timed(lambda: sess.run(None, {"x": x}), b,
                                     a.seconds, a.min_calls)
                elif dyno_ok:
                    got[who], err = run_dyno(a, weights, m, b)
                    if err:
                        print("dyno: batch %d: %s" % (b, err))
            for who, v in got.items():
                if v:
                    rates.setdefault((who, b), []).append(v)
            line = "round %d batch %d:" % (rd, b)
            for who in ["dyno"] + a.peers:
                if got.get(who):
                    line += " %s %.3f win/s (%.1f GFLOP/s)" % (
                        who, got[who], got[who] * gf)
            for p in a.peers:
                if got.get("dyno") and got.get(p):
                    r = got["dyno"] / got[p]
                    ratios.setdefault(("dyno/" + p, b), []).append(r)
                    line += " dyno/%s %.3f" % (p, r)
            if got.get("torch") and got.get("ort"):
                ratios.setdefault(("ort/torch", b), []).append(
                    got["ort"] / got["torch"])
            print(line, flush=True)
    for (who, b), xs in sorted(rates.items()):
        print("median %s batch %d: %.3f win/s (range %.3f-%.3f)"
              % (who, b, statistics.median(xs), min(xs), max(xs)))
    for (name, b), xs in sorted(ratios.items()):
        print("median %s batch %d: %s" % (name, b, spread(xs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
