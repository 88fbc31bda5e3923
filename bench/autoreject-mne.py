#!/usr/bin/env python3
"""autoreject-mne.py - recordings that dyno's generator did not make, for
the agreement bench: MNE's simulation (mne.simulation.add_noise with an
ad-hoc covariance and an AR filter, on the standard_1020 montage), then
artifacts drawn here with NumPy: blinks (frontal, decaying backwards),
muscle bursts (20-60 Hz on a few neighbouring channels), electrode pops
on one channel, globally bad epochs, and one noisy channel.

  autoreject-mne.py OUT --seed N [--channels 20] [--minutes 5] [--epoch 2]

Writes OUT (little-endian float64 epochs x channels x times, volts) and
OUT.json, the header dyno's source=raw reads, with the truth of the
injected artifacts in the format of dyno's save= (transient, global,
noisy, contaminated).  Needs mne and numpy (scripts/install-ref.sh).
"""
import argparse
import json
import warnings

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--channels", type=int, default=20)
    p.add_argument("--minutes", type=float, default=5)
    p.add_argument("--epoch", type=float, default=2)
    p.add_argument("--sfreq", type=float, default=256)
    a = p.parse_args()

    import mne
    mne.set_log_level("ERROR")
    mont = mne.channels.make_standard_montage("standard_1020")
    pref = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz",
            "C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "Oz", "O2",
            "AF3", "AF4", "FC1", "FC2", "CP1", "CP2", "PO3", "PO4"]
    names = pref[:a.channels]
    sf, nt = a.sfreq, int(round(a.epoch * a.sfreq))
    ne = int(a.minutes * 60 / a.epoch)
    info = mne.create_info(names, sf, ch_types="eeg")
    raw = mne.io.RawArray(np.zeros((len(names), ne * nt)), info)
    raw.set_montage(mont)
    cov = mne.make_ad_hoc_cov(raw.info, std=dict(eeg=8e-6))
    with warnings.catch_warnings():
        # an ad-hoc covariance without an average reference is fine here
        warnings.simplefilter("ignore")
        mne.simulation.add_noise(raw, cov, iir_filter=[0.2, -0.2, 0.04],
                                 random_state=a.seed)
    x = raw.get_data().reshape(len(names), ne, nt).transpose(1, 0, 2).copy()
    pos = np.array([ch["loc"][:3] for ch in raw.info["chs"]])

    rng = np.random.RandomState(a.seed + 1000)
    q, t = len(names), np.arange(nt) / sf
    transient, glob, cont = set(), set(), set()
    front = np.clip((pos[:, 1] - pos[:, 1].min()) /
                    np.ptp(pos[:, 1]), 0, 1) ** 2
    for e in range(ne):
        u = rng.random_sample(4)
        if u[0] < 0.12:   # blink: 150-400 uV at Fp, 250 ms
            c0 = rng.uniform(0.3, a.epoch - 0.3)
            amp = rng.uniform(150e-6, 400e-6)
            bump = amp * np.exp(-0.5 * ((t - c0) / 0.06) ** 2)
            x[e] += front[:, None] * bump[None, :]
            transient.add(e)
            cont.update((e, c) for c in range(q) if front[c] * amp > 60e-6)
        if u[1] < 0.08:   # muscle: 20-60 Hz on 2-4 neighbours
            c = rng.randint(q)
            d = np.linalg.norm(pos - pos[c], axis=1)
            chs = np.argsort(d)[:rng.randint(2, 5)]
            f = rng.uniform(20, 60)
            env = np.exp(-0.5 * ((t - rng.uniform(0.3, a.epoch - 0.3)) / 0.2) ** 2)
            burst = rng.uniform(80e-6, 200e-6) * env * np.sin(2 * np.pi * f * t)
            x[e, chs] += burst
            transient.add(e)
            cont.update((e, int(c)) for c in chs)
        if u[2] < 0.05:   # electrode pop on one channel
            c = rng.randint(q)
            s = rng.randint(nt // 4, 3 * nt // 4)
            x[e, c, s:] += rng.uniform(200e-6, 500e-6) * np.exp(-(t[s:] - t[s]) / 0.3)
            transient.add(e)
            cont.add((e, int(c)))
        if u[3] < 0.05:   # globally bad: broadband on every channel
            x[e] += rng.standard_normal((q, nt)) * 100e-6
            glob.add(e)
            transient.add(e)
            cont.update((e, c) for c in range(q))
    noisy = rng.randint(q)
    x[:, noisy] += rng.standard_normal((ne, nt)) * 20e-6

    x.astype("<f8").tofile(a.out)
    hdr = {"names": names, "sfreq": sf, "positions": pos.tolist(),
           "n_times": nt,
           "generator": "bench/autoreject-mne.py seed %d (mne %s add_noise)"
                        % (a.seed, mne.__version__),
           "truth": {"transient": sorted(transient), "global": sorted(glob),
                     "noisy": [names[noisy]],
                     "contaminated": sorted([int(e), int(c)] for e, c in cont)}}
    with open(a.out + ".json", "w") as f:
        json.dump(hdr, f)


if __name__ == "__main__":
    main()
