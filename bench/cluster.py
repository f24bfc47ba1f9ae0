"""average_link (assistant/compare/clustering.py), old vs new: time, peak memory and agreement.

    .venv/bin/python bench/cluster.py                        # n = 1,000, 5,000, 20,000
    .venv/bin/python bench/cluster.py --sizes 1000 --old-max 1000

SYNTHETIC unit vectors of dimension 384 shaped like a national compare's leftover
mentions: topics (barriers), a few sentence variants of each (cosine ~0.8 to the topic,
~0.65 between variants of one topic), each variant said by many councils with small
differences (cosine ~0.97: a council's name in it), some exact repeats, and 10% unrelated
loners. Threshold 0.6 (CLUSTER_AT).

Each figure is a fresh process (so its peak RSS is its own): the data are made, RSS is
read, then average_link runs once. "peak" is that process's peak RSS less its RSS before
the call (the clustering's own memory, about; numpy's first BLAS call adds a few MB).
- old: the n x n float64 matrix, searched whole for every merge (the code it replaced;
  copied here), only up to --old-max (20,000 would need 3.2 GB and hours);
- new: average_link as shipped (exact up to EXACT_LIMIT distinct vectors, grouped above);
- new exact: the new code with the limit lifted (same results as old, O(n) per merge).
Agreement: the adjusted Rand index with old where old ran (1.0 = the same partition; the
test suite checks identical lists at small n), else with new exact, and with the planted
topics for context.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.test_compare_clustering import adjusted_rand, reference_average_link  # noqa: E402  (the replaced code, verbatim)

import numpy as np  # noqa: E402

THRESHOLD = 0.6
DIM = 384


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    topics = max(4, n // 100)
    variants = 4

    def unit(x):
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    centres = unit(rng.normal(size=(topics, DIM)))
    sentences = unit(np.repeat(centres, variants, axis=0) + rng.normal(scale=0.037, size=(topics * variants, DIM)))
    which = rng.integers(len(sentences), size=n)
    x = unit(sentences[which] + rng.normal(scale=0.0125, size=(n, DIM)))
    truth = which // variants
    repeats = rng.integers(n, size=n // 20)  # the very same sentence in another plan
    x[rng.integers(n, size=n // 20)] = x[repeats]
    loners = rng.random(n) < 0.1
    x[loners] = unit(rng.normal(size=(int(loners.sum()), DIM)))
    truth = np.where(loners, -1 - np.arange(n), truth)
    return x, truth  # (a repeat keeps the truth of its slot: close enough for context)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(which: str, n: int, out: str) -> None:
    """In this (fresh) process: one run of one implementation; labels to ``out``."""
    from assistant.compare.clustering import average_link

    x, _ = data(n)
    np.ones((8, 8)) @ np.ones((8, 8))  # load BLAS before the baseline
    before = rss_mb()
    cpu, start = time.process_time(), time.perf_counter()
    if which == "old":
        clusters = reference_average_link(x, THRESHOLD)
    elif which == "new":
        clusters = average_link(x, THRESHOLD)
    else:
        clusters = average_link(x, THRESHOLD, limit=n)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    labels = np.full(n, -1)
    for k, members in enumerate(clusters):
        labels[members] = k
    np.save(out, labels)
    print(json.dumps({"s": wall, "cpu_s": cpu, "peak_mb": peak, "clusters": len(clusters),
                      "distinct": len({v.tobytes() for v in np.round(x, 4) + 0.0})}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--old-max", type=int, default=5000, help="run the old code only up to this n")
    parser.add_argument("--exact-max", type=int, default=5000, help="run new with the limit lifted up to this n")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args.one[0], int(args.one[1]), args.one[2])
    print(f"load average {os.getloadavg()}, {len(os.sched_getaffinity(0))} CPUs, threshold {THRESHOLD}, dim {DIM}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            _, truth = data(n)
            runs = {}
            for which in ("old", "new exact", "new"):
                if (which == "old" and n > args.old_max) or (which == "new exact" and n > args.exact_max):
                    continue
                path = os.path.join(tmp, f"{which.replace(' ', '_')}{n}.npy")
                done = subprocess.run([sys.executable, __file__, "--one", which.replace(" ", "_"), str(n), path],
                                      check=True, capture_output=True, text=True)
                runs[which] = json.loads(done.stdout.strip().splitlines()[-1]) | {"labels": np.load(path)}
            base = runs.get("old") or runs.get("new exact")
            for which, r in runs.items():
                agree = ""
                if base is not None and r is not base:
                    same = np.array_equal(r["labels"], base["labels"])
                    ari = adjusted_rand(r["labels"], base["labels"])
                    agree = f"ARI vs {'old' if 'old' in runs else 'new exact'} {ari:.4f}{' (identical)' if same else ''}, "
                print(f"n={n:>6} ({r['distinct']} distinct) {which:<9} {r['s']:8.2f} s ({r['cpu_s']:.1f} s CPU)"
                      f"  peak +{r['peak_mb']:7.1f} MB  {r['clusters']:>5} clusters  {agree}"
                      f"ARI vs planted {adjusted_rand(r['labels'], truth):.3f}   load {os.getloadavg()[0]:.2f}",
                      flush=True)


if __name__ == "__main__":
    main()
