# peers.py - what bench/eegpt_peers.py and bench/yolo_peers.py share: a
# peer's timed loop, running a peer or dyno in its own process, and the
# rounds that alternate them with their ratios and spreads.
import json
import statistics
import subprocess
import time


def timed(fn, batch, seconds, min_calls):
    """Median over calls of batch / call time, as dyno's median sample."""
    fn()
    rates = []
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        fn()
        now = time.perf_counter()
        rates.append(batch / (now - t))
        if now - t0 >= seconds and len(rates) >= min_calls:
            return statistics.median(rates)


def last_line(err):
    return (err.strip().splitlines() or [""])[-1]


def run_worker(who, cmd):
    """A peer worker's JSON (its last line of output), or None and why."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1]), None
    except (ValueError, IndexError):
        return None, "%s failed (exit %d): %s" % (
            who, r.returncode, last_line(r.stderr))


def run_dyno(cmd, metric):
    """dyno probe ... --json: METRIC's median, or None and why."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    if r.returncode != 0 or j.get("status") not in (None, "ok"):
        why = j.get("message") or last_line(r.stderr)
        return None, "%s (exit %d)" % (why or j.get("status"), r.returncode)
    try:
        return float(j["metrics"][metric]["median"]), None
    except (KeyError, TypeError) as e:
        return None, "no .metrics.%s.median in its JSON (%s)" % (metric, e)


def spread(xs):
    return "%.3f (range %.3f-%.3f, %d rounds)" % (
        statistics.median(xs), min(xs), max(xs), len(xs))


def alternate(a, dyno_ok, dyno, peer, key, unit, digits, extra=None):
    """A.rounds rounds over A.batches: dyno (DYNO(batch) -> rate, why)
    and each of A.peers (PEER(who, batch) -> its JSON, why; the rate
    under KEY), first and last in turn; then the medians."""
    ratios, rates, versions = {}, {}, {}
    for rd in range(1, a.rounds + 1):
        for b in a.batches:
            got = {}
            # Alternate who goes first from round to round.
            order = ["dyno"] + a.peers if rd % 2 else a.peers[::-1] + ["dyno"]
            for who in order:
                if who == "dyno":
                    if not dyno_ok:
                        continue
                    got[who], err = dyno(b)
                else:
                    j, err = peer(who, b)
                    if j:
                        got[who] = j[key]
                        versions[who] = j["version"]
                if err:
                    print("%s: batch %d: %s" % (who, b, err))
            for who, v in got.items():
                if v:
                    rates.setdefault((who, b), []).append(v)
            line = "round %d batch %d:" % (rd, b)
            for who in ["dyno"] + a.peers:
                if got.get(who):
                    line += " %s %.*f %s%s" % (who, digits, got[who], unit,
                                               extra(got[who]) if extra
                                               else "")
            for p in a.peers:
                if got.get("dyno") and got.get(p):
                    r = got["dyno"] / got[p]
                    ratios.setdefault(("dyno/" + p, b), []).append(r)
                    line += " dyno/%s %.3f" % (p, r)
            if got.get("torch") and got.get("ort"):
                ratios.setdefault(("ort/torch", b), []).append(
                    got["ort"] / got["torch"])
            print(line, flush=True)
    print("versions: " + ", ".join("%s %s" % kv
                                   for kv in sorted(versions.items())))
    for (who, b), xs in sorted(rates.items()):
        print("median %s batch %d: %.*f %s (range %.*f-%.*f)"
              % (who, b, digits, statistics.median(xs), unit, digits,
                 min(xs), digits, max(xs)))
    for (name, b), xs in sorted(ratios.items()):
        print("median %s batch %d: %s" % (name, b, spread(xs)))
    return 0
