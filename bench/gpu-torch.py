#!/usr/bin/env python3
# gpu-torch.py - the PyTorch GPU references issues 18 and 19 name, measured on
# the machine at hand: EEGPT (braindecode, spec config 20 ch x 2048 samples,
# D 512, depth 8) at batch 32 fp32 and fp16 and batch 1 fp16, and YOLOv8 n/s/m
# (ultralytics, fused, channels-last, 640x640) at batch 32 fp16 and n at
# batch 1 fp16; CUDA graph replay, CUDA events.  One JSON line per case.
#   python3 bench/gpu-torch.py                  (make bench-gpu-torch)
#   python3 bench/gpu-torch.py --cases yolov8n_b32_fp16,eegpt_b1_fp16
#   python3 bench/gpu-torch.py --device cpu --dry   (the code paths on tiny
#        shapes, eager, one call each; prints no figures)
# Without a CUDA device (and no --device cpu) it prints "skipped: no CUDA
# device" and exits 0.  A case whose package is missing (braindecode,
# ultralytics) prints {"status": "skipped", "why": ...}.
# What is timed: one forward of a batch.  YOLO: up to the raw head
# (B, 64+nc, A), as dyno's yolo.infer (no DFL decode, no NMS); weights
# .half() for fp16 (not autocast).  Method: cudnn.benchmark on, 10 eager
# warm-up calls on a side stream, one CUDA graph captured on a static input,
# then BLOCKS blocks of ITERS replays each timed with CUDA events; the
# figure is the median block's time per replay (min and max blocks in
# "range").  Weights are random: speed does not depend on them.
import argparse
import importlib.util
import json
import os
import statistics
import sys
import warnings

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")

CASES = {
    # name: (model, batch, precision)
    "eegpt_b32_fp32": ("eegpt", 32, "fp32"),
    "eegpt_b32_fp16": ("eegpt", 32, "fp16"),
    "eegpt_b1_fp16": ("eegpt", 1, "fp16"),
    "yolov8n_b32_fp16": ("yolov8n", 32, "fp16"),
    "yolov8s_b32_fp16": ("yolov8s", 32, "fp16"),
    "yolov8m_b32_fp16": ("yolov8m", 32, "fp16"),
    "yolov8n_b1_fp16": ("yolov8n", 1, "fp16"),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch GPU references: EEGPT "
                                "and YOLOv8 with CUDA graphs")
    p.add_argument("--cases", default=",".join(CASES),
                   help="comma-separated, of: " + ", ".join(CASES))
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--dry", action="store_true",
                   help="tiny shapes, one eager call per case, no figures "
                   "(a check of the code paths; for --device cpu)")
    p.add_argument("--iters", type=int, default=50,
                   help="graph replays per timed block (50)")
    p.add_argument("--blocks", type=int, default=7,
                   help="timed blocks (7)")
    p.add_argument("--no-graphs", action="store_true",
                   help="time eager calls instead of graph replays")
    p.add_argument("--imgsz", type=int, default=640)
    a = p.parse_args(argv)
    a.cases = [c for c in a.cases.split(",") if c]
    for c in a.cases:
        if c not in CASES:
            p.error("--cases %r: expected one of %s" % (c, ", ".join(CASES)))
    if a.iters < 1 or a.blocks < 1:
        p.error("--iters, --blocks: expected positive integers")
    if a.imgsz < 32 or a.imgsz % 32:
        p.error("--imgsz %d: expected a positive multiple of 32" % a.imgsz)
    if a.device == "cpu" and not a.dry:
        p.error("--device cpu: only with --dry (the references are GPU "
                "figures)")
    return a


def load_script(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def build_eegpt(dry):
    """braindecode's EEGPT at the spec config (scripts/export-eegpt.py's
    defaults), or its small fixture config for --dry; input shape too."""
    ex = load_script("export_eegpt", os.path.join(SCRIPTS, "export-eegpt.py"))
    argv = ["--out", "unused"]
    if dry:
        argv += ["--chans", "4", "--times", "256", "--embed-dim", "64",
                 "--depth", "2", "--heads", "4"]
    cfg = ex.parse_args(argv)
    return ex.build(cfg), (cfg.chans, cfg.times), "windows"


def build_yolo(model, imgsz):
    """ultralytics' yolov8{n,s,m} from its packaged YAML, fused, Detect
    returning the raw head."""
    os.environ.setdefault("YOLO_VERBOSE", "False")
    ex = load_script("export_yolo", os.path.join(SCRIPTS, "export-yolo.py"))
    cfg = argparse.Namespace(yaml="yolov8.yaml", scale=model[-1], nc=0,
                             seed=0)
    m = ex.build(cfg).eval().fuse(verbose=False)
    ex.raw_head_forward(m.model[-1])
    return m, (3, imgsz, imgsz), "images"


def time_case(a, fn, x, out):
    """(median, min, max) seconds per call: CUDA events around blocks of
    graph replays (or eager calls).  A forward that cannot be captured
    (a host sync inside) is timed eager, with out["graphs"] false and
    out["graph_error"] saying why."""
    import torch
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(10):
            fn(x)
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    step = lambda: fn(x)  # noqa: E731
    if out["graphs"]:
        try:
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                fn(x)
            g.replay()
            step = g.replay
        except RuntimeError as e:
            torch.cuda.synchronize()
            out.update(graphs=False, graph_error=str(e).splitlines()[0])
    torch.cuda.synchronize()
    per = []
    for _ in range(a.blocks):
        t0 = torch.cuda.Event(enable_timing=True)
        t1 = torch.cuda.Event(enable_timing=True)
        t0.record()
        for _ in range(a.iters):
            step()
        t1.record()
        t1.synchronize()
        per.append(t0.elapsed_time(t1) / 1e3 / a.iters)
    return statistics.median(per), min(per), max(per)


def run_case(a, name):
    import torch
    model_name, batch, prec = CASES[name]
    out = {"case": name, "model": model_name, "batch": batch,
           "precision": prec, "device": a.device}
    try:
        if model_name == "eegpt":
            model, shape, unit = build_eegpt(a.dry)
            out["source"] = "braindecode.models.EEGPT"
        else:
            model, shape, unit = build_yolo(model_name, 64 if a.dry
                                            else a.imgsz)
            out["source"] = "ultralytics DetectionModel, fused, raw head"
    except ImportError as e:
        out.update(status="skipped", why="missing package: %s" % e)
        return out
    dtype = torch.float16 if prec == "fp16" else torch.float32
    if a.dry and a.device == "cpu":
        dtype = torch.float32  # CPU half convs are not what is checked here
        batch = min(batch, 2)
    cl = model_name != "eegpt"
    model = model.to(a.device, dtype).eval()
    if cl:
        model = model.to(memory_format=torch.channels_last)
    x = torch.rand((batch,) + shape, device=a.device, dtype=dtype)
    if cl:
        x = x.contiguous(memory_format=torch.channels_last)
    out.update(input_shape=list(x.shape), channels_last=cl,
               graphs=not a.no_graphs and not a.dry)
    with torch.inference_mode():
        if a.dry:
            y = model(x)
            out.update(status="dry-ok", output_shape=list(y.shape),
                       batch=batch, dtype=str(dtype).replace("torch.", ""))
            return out
        med, lo, hi = time_case(a, model, x, out)
    out.update(status="ok", ms_per_batch=med * 1e3,
               ms_range=[lo * 1e3, hi * 1e3],
               per_s=batch / med, unit=unit + "/s",
               blocks=a.blocks, iters=a.iters)
    return out


def main(argv):
    a = parse_args(argv)
    warnings.filterwarnings("ignore")
    try:
        import torch
    except ImportError as e:
        print("gpu-torch: skipped: no torch (%s)" % e)
        return 0
    if a.device == "cuda" and not torch.cuda.is_available():
        print("skipped: no CUDA device")
        return 0
    torch.backends.cudnn.benchmark = True
    head = {"torch": torch.__version__}
    if a.device == "cuda":
        head.update(gpu=torch.cuda.get_device_name(0),
                    cudnn=torch.backends.cudnn.version())
    print(json.dumps({"gpu-torch": head}), flush=True)
    for name in a.cases:
        try:
            out = run_case(a, name)
        except RuntimeError as e:  # out of memory, a failed capture
            out = {"case": name, "status": "error",
                   "why": str(e).splitlines()[0]}
        out.update(head)
        print(json.dumps(out), flush=True)
        if a.device == "cuda":
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
