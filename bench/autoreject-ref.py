#!/usr/bin/python3
"""autoreject-ref.py - run the Python reference AutoReject on a recording
that `dyno probe autoreject.fit save=FILE` wrote, and compare reject logs.

  autoreject-ref.py fit FILE OUT.json [--n-interpolate 1,4] [--cv 10]
                        [--consensus 11] [--seed 1] [--method bayesian]
      FILE and FILE.json as dyno's save= wrote them (float64 epochs x
      channels x times, volts; the raw header).  Fits
      autoreject.AutoReject with the same grid and writes its reject log
      in dyno's log= format to OUT.json, plus "fit_s" (wall seconds).

  autoreject-ref.py compare FILE DYNO.json REF.json
      One JSON line: how far the two reject logs agree, and, when the
      header holds the synthetic truth, how each did against it.

The reference is not part of dyno: scripts/install-ref.sh installs it
(autoreject, MNE, scikit-learn, NumPy from PyPI) into a virtual
environment; run this script with that environment's python.
"""
import argparse
import json
import sys
import time

import numpy as np


def load(path):
    with open(path + ".json") as f:
        hdr = json.load(f)
    q, t = len(hdr["names"]), hdr["n_times"]
    x = np.fromfile(path, dtype="<f8")
    if x.size % (q * t):
        sys.exit("%s: %d samples are not whole epochs of %d channels x %d"
                 % (path, x.size, q, t))
    return x.reshape(-1, q, t), hdr


def fit(a):
    import mne
    import autoreject

    mne.set_log_level("ERROR")
    x, hdr = load(a.file)
    names = hdr["names"]
    info = mne.create_info(names, hdr["sfreq"], ch_types="eeg")
    epochs = mne.EpochsArray(x, info, verbose=False)
    # Positions exactly as dyno used them: metres, head frame.
    mont = mne.channels.make_dig_montage(
        ch_pos={n: np.asarray(p, float) for n, p in zip(names, hdr["positions"])},
        coord_frame="head")
    epochs.set_montage(mont)
    rho = [int(v) for v in a.n_interpolate.split(",") if int(v) < len(names)]
    ar = autoreject.AutoReject(
        n_interpolate=rho, consensus=np.linspace(0, 1, a.consensus),
        cv=a.cv, random_state=a.seed, n_jobs=1, verbose=False,
        thresh_method="random_search" if a.method == "random_search"
        else "bayesian_optimization")
    t0 = time.perf_counter()
    ar.fit(epochs)
    log = ar.get_reject_log(epochs)
    dt = time.perf_counter() - t0
    labels = np.nan_to_num(log.labels, nan=0).astype(int)
    out = {
        "n_epochs": int(x.shape[0]),
        "channels": names,
        "bad_epochs": [int(e) for e in np.where(log.bad_epochs)[0]],
        "labels": ["".join(str(v) for v in row) for row in labels],
        "thresholds": {n: float(ar.threshes_[n]) for n in names},
        "consensus": float(ar.consensus_["eeg"]),
        "n_interpolate": int(ar.n_interpolate_["eeg"]),
        "fit_s": dt,
    }
    with open(a.out, "w") as f:
        json.dump(out, f)


def compare(a):
    _, hdr = load(a.file)
    logs = []
    for p in (a.dyno, a.ref):
        with open(p) as f:
            logs.append(json.load(f))
    d, r = logs
    n, q = d["n_epochs"], len(d["channels"])
    if r["n_epochs"] != n or r["channels"] != d["channels"]:
        sys.exit("%s and %s are logs of different recordings" % (a.dyno, a.ref))
    bad = [np.zeros(n, bool) for _ in logs]
    lab = []
    for b, lg in zip(bad, logs):
        b[lg["bad_epochs"]] = True
        lab.append(np.array([[int(c) for c in s] for s in lg["labels"]]))
    th = np.array([d["thresholds"][c] / r["thresholds"][c] for c in d["channels"]])
    res = {
        "epochs_agree": float(np.mean(bad[0] == bad[1])),
        "bad_dyno": int(bad[0].sum()), "bad_ref": int(bad[1].sum()),
        "bad_both": int((bad[0] & bad[1]).sum()),
        "labels_agree": float(np.mean(lab[0] == lab[1])),
        "flags_agree": float(np.mean((lab[0] > 0) == (lab[1] > 0))),
        "thresh_ratio_median": float(np.median(th)),
        "thresh_ratio_min": float(th.min()), "thresh_ratio_max": float(th.max()),
        "consensus": [d["consensus"], r["consensus"]],
        "n_interpolate": [d["n_interpolate"], r["n_interpolate"]],
        "ref_fit_s": r.get("fit_s"),
    }
    t = hdr.get("truth")
    if t is not None:
        transient = np.zeros(n, bool)
        transient[t["transient"]] = True
        glob = np.zeros(n, bool)
        glob[t["global"]] = True
        cont = np.zeros((n, q), bool)
        for e, c in t["contaminated"]:
            cont[e, c] = True
        for who, b, lb in (("dyno", bad[0], lab[0]), ("ref", bad[1], lab[1])):
            clean = ~transient
            res["clean_rejected_" + who] = float(b[clean].mean()) if clean.any() else 0.0
            res["global_rejected_" + who] = float(b[glob].mean()) if glob.any() else 1.0
            # A contamination is handled if its epoch is rejected or the
            # cell is marked bad or interpolated.
            handled = b[:, None] | (lb > 0)
            res["contam_flagged_" + who] = float(handled[cont].mean()) if cont.any() else 1.0
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit")
    f.add_argument("file")
    f.add_argument("out")
    f.add_argument("--n-interpolate", default="1,4,32")
    f.add_argument("--cv", type=int, default=10)
    f.add_argument("--consensus", type=int, default=11)
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--method", default="bayesian")
    c = sub.add_parser("compare")
    c.add_argument("file")
    c.add_argument("dyno")
    c.add_argument("ref")
    a = p.parse_args()
    fit(a) if a.cmd == "fit" else compare(a)


if __name__ == "__main__":
    main()
