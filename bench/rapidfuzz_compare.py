#!/usr/bin/env python3
"""Jaro-Winkler over the same candidate pairs: Doppel's kernels vs rapidfuzz.

Writes name-like pairs (lengths 5-16 by default; the right string a light
mutation of the left, or an unrelated string, as pairs after blocking are) to
a file, times rapidfuzz's batch scorer `process.cpdist` (C++, one thread, and
all threads) on them, runs build/bench/jaro_bench on the same file (each
Doppel backend, one thread), checks that both give the same similarities, and
prints a JSON summary. Skips rapidfuzz with a note when it is not installed.

    python3 bench/rapidfuzz_compare.py [--pairs 1000000] [--min 5 --max 16]
        [--jaro-bench build/bench/jaro_bench] [--json OUT.json]
"""
import argparse
import json
import os
import random
import string
import subprocess
import sys
import time


def make_pairs(n, lo, hi, seed=7):
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    pairs = []
    for _ in range(n):
        a = "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi)))
        kind = rng.randrange(4)
        b = list(a)
        if kind == 0:
            b[rng.randrange(len(b))] = rng.choice(letters)
        elif kind == 1 and len(b) > 1:
            k = rng.randrange(len(b) - 1)
            b[k], b[k + 1] = b[k + 1], b[k]
        elif kind == 2 and len(b) > 1:
            del b[rng.randrange(len(b))]
        elif kind == 3:
            b = [rng.choice(letters) for _ in range(rng.randint(lo, hi))]
        pairs.append((a, "".join(b)))
    return pairs


def best_of(fn, runs):
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--min", type=int, default=5)
    ap.add_argument("--max", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jaro-bench", default="build/bench/jaro_bench")
    ap.add_argument("--work", default="var/bench")
    ap.add_argument("--json", help="also write the summary here")
    a = ap.parse_args()

    os.makedirs(a.work, exist_ok=True)
    pairs = make_pairs(a.pairs, a.min, a.max)
    path = os.path.join(a.work, f"jaro-pairs-{a.min}-{a.max}.tsv")
    with open(path, "w") as f:
        for x, y in pairs:
            f.write(f"{x}\t{y}\n")

    doppel = json.loads(subprocess.run([a.jaro_bench, path, "--runs", str(a.runs)], check=True,
                                       stdout=subprocess.PIPE, text=True).stdout)
    result = {"pairs": a.pairs, "lengths": [a.min, a.max], "doppel": doppel, "rapidfuzz": None}
    try:
        import rapidfuzz
        from rapidfuzz.distance import JaroWinkler
        from rapidfuzz.process import cpdist
    except ImportError:
        print("rapidfuzz_compare: rapidfuzz is not installed (pip install rapidfuzz); Doppel only", file=sys.stderr)
    else:
        left = [x for x, _ in pairs]
        right = [y for _, y in pairs]
        rf = {"version": rapidfuzz.__version__}
        for workers in (1, -1):
            seconds, scores = best_of(
                lambda: cpdist(left, right, scorer=JaroWinkler.similarity, workers=workers), a.runs)
            rf[f"cpdist_workers_{workers}"] = {"seconds": round(seconds, 6),
                                               "pairs_per_second": round(a.pairs / seconds)}
        rf["similarity_sum"] = float(scores.sum())
        result["rapidfuzz"] = rf
        best = rf["cpdist_workers_1"]["pairs_per_second"]
        for name, b in doppel["backends"].items():
            b["vs_rapidfuzz_1_thread"] = round(b["pairs_per_second"] / best, 2)
            # Same algorithm, same answers (up to float rounding in the sums).
            b["same_similarities"] = abs(b["similarity_sum"] - rf["similarity_sum"]) < 1e-6 * a.pairs
    text = json.dumps(result, indent=1)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
