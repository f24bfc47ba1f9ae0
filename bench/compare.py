"""How long `assistant compare` takes for 20, 100 and 400 councils, and to add one plan to an
existing matrix.

    .venv/bin/python bench/compare.py                     # 20, 100, 400 councils (long: see below)
    .venv/bin/python bench/compare.py --sizes 20,100      # a shorter run
    .venv/bin/python bench/compare.py --json bench/compare.json

20 councils are the fictional plans of eval/plans as they are (real documents of the eval set:
plans, cover reports, minutes). 100 and 400 are SYNTHETIC: copies of those documents with the
council renamed throughout (its name and its place name replaced by a generated one), so every
copy is a distinct document (its own hash) that reads like its original. PDF and Word plans are
copied from their Markdown sources (eval/plans/sources).

For each size, in one home that grows (20, then 80 more, then 300 more), each figure is a
fresh `assistant compare --json` process (start-up included), timed with os.wait4:
- cold: compare's cache (<home>/index/compare.sqlite) removed, so every document is read
  and judged; the vector cache is as ingest left it (ingest embeds every sentence, as for
  any index), and copies share most sentences with their originals, so distinct real plans
  may take somewhat longer per document than the synthetic ones;
- warm: the same again (every document from the cache: only the tally is recomputed);
- add one plan: `assistant ingest` of one more plan, then compare (one document read).
The machine line gives the load average: these machines are shared, so figures taken while
other work runs are slower than an idle machine's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import machine  # noqa: E402

ASSISTANT = str(Path(sys.executable).parent / "assistant")
PLANS = REPO / "eval" / "plans"
FIRST = ["Ash", "Bram", "Carn", "Dun", "Elder", "Fal", "Glen", "Hart", "Ivy", "Kel", "Lang", "Mal", "Nor", "Oak",
         "Pen", "Quar", "Ros", "Sel", "Thorn", "Wel"]
LAST = ["combe", "ford", "ley", "bury", "wick", "hampton", "field", "stow", "minster", "by", "thorpe", "mouth",
        "dale", "holm", "borough", "caster", "haven", "ton", "worth", "sey"]
RESULTS: dict = {"machine": machine(), "sizes": {}}
# Each command runs under a small launcher that reports its own child's CPU time and peak RSS
# (a child forked from this process, which has ingested, would report this process's RSS).
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(code)
"""


def run(args: list[str]) -> dict:
    """One fresh process: wall s, CPU s, peak RSS MB."""
    import subprocess

    with tempfile.NamedTemporaryFile("r", suffix=".usage") as usage:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", LAUNCHER, usage.name, *args], capture_output=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
        cpu, rss = usage.read().split()
    return {"wall_s": wall, "cpu_s": float(cpu), "rss_mb": int(rss) / 1024}


def say(label: str, figures: dict | str) -> None:
    if isinstance(figures, dict):
        figures = f"{figures['wall_s']:.2f} s wall, {figures['cpu_s']:.2f} s CPU, peak RSS {figures['rss_mb']:.0f} MB"
    print(f"  {label:<48} {figures}", flush=True)


def originals() -> list[dict]:
    """The eval plans' documents as text files, with their council and place name."""
    from assistant.councils import short_name

    entries = tomllib.loads((PLANS / "manifest.toml").read_text(encoding="utf-8"))["document"]
    docs = []
    for e in entries:
        path = PLANS / e["path"]
        if path.suffix in (".pdf", ".docx"):
            path = PLANS / "sources" / f"{path.stem}.md"
        docs.append({"path": path, "council": e["council"], "kind": e["kind"], "title": e["title"],
                     "place": short_name(e["council"]) or e["council"]})
    return docs


def renamed(doc: dict, n: int, folder: Path) -> dict:
    """A copy of ``doc`` for council number ``n``: the council and its place renamed throughout."""
    place = FIRST[n % len(FIRST)] + LAST[(n // len(FIRST)) % len(LAST)]
    council = doc["council"].replace(doc["place"], place)
    text = doc["path"].read_text(encoding="utf-8")
    text = re.sub(re.escape(doc["council"]), council, text)
    text = re.sub(rf"\b{re.escape(doc['place'])}\b", place, text)
    target = folder / f"{n:04d}-{doc['path'].stem}{doc['path'].suffix}"
    target.write_text(text, encoding="utf-8")
    return {**doc, "path": target, "council": council, "title": doc["title"].replace(doc["place"], place)}


def corpus(councils: int, folder: Path) -> list[dict]:
    """Documents of ``councils`` councils: the originals first, then renamed copies."""
    docs = originals()
    by_council: dict[str, list[dict]] = {}
    for d in docs:
        by_council.setdefault(d["council"], []).append(d)
    groups = list(by_council.values())
    chosen = []
    for n in range(councils):
        group = groups[n % len(groups)]
        chosen += group if n < len(groups) else [renamed(d, n, folder) for d in group]
    return chosen


def ingest(home: Path, docs: list[dict], label: str) -> None:
    from assistant.ingest import IngestItem
    from assistant.ingest import ingest as run_ingest
    from assistant.models import DocumentMeta
    from assistant.settings import load_settings

    start = time.perf_counter()
    items = [IngestItem(d["path"], DocumentMeta(council=d["council"], kind=d["kind"], title=d["title"]),
                        {"council", "kind", "title"}) for d in docs]
    results = run_ingest(load_settings(home), items)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise RuntimeError(f"ingest failed: {failed[0].path}: {failed[0].message}")
    say(f"ingest {label} ({len(docs)} documents)", f"{time.perf_counter() - start:.1f} s (setup, not compare)")


def cached(home: Path) -> int:
    """Documents in compare's cache."""
    import sqlite3

    db = sqlite3.connect(home / "index" / "compare.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    finally:
        db.close()


def measure(home: Path, size: int) -> dict:
    (home / "index" / "compare.sqlite").unlink(missing_ok=True)
    for extra in ("-wal", "-shm"):
        (home / "index" / f"compare.sqlite{extra}").unlink(missing_ok=True)
    cold = run([ASSISTANT, "--home", str(home), "compare", "--json"])
    say(f"{size} councils, cold", cold)
    warm = run([ASSISTANT, "--home", str(home), "compare", "--json"])
    say(f"{size} councils, warm (all cached)", warm)
    return {"cold": cold, "warm": warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20,100,400", help="council counts, ascending (default 20,100,400)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="build the home here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(json.dumps(RESULTS["machine"]))
    work = Path(args.keep or tempfile.mkdtemp(prefix="plan-assistant-bench-compare-"))
    home, copies = work / "home", work / "documents"
    copies.mkdir(parents=True, exist_ok=True)
    try:
        docs = corpus(sizes[-1] + 1, copies)
        councils_seen: list[str] = []
        indexed = 0
        for size in sizes:
            wanted = []
            for d in docs:
                if d["council"] not in councils_seen:
                    if len(councils_seen) == size:
                        break
                    councils_seen.append(d["council"])
                wanted.append(d)
            kind = "the eval plans as they are" if size <= 24 else "synthetic: renamed copies"
            print(f"\n{size} councils ({kind})")
            ingest(home, wanted[indexed:], f"up to {size} councils")
            indexed = len(wanted)
            RESULTS["sizes"][size] = {"documents": indexed, "synthetic": size > 24, **measure(home, size)}
        extra = [d for d in docs[indexed:] if d["council"] not in councils_seen]
        one = [next(d for d in extra if d["kind"] == "plan")]
        print(f"\nAdding one plan to the {sizes[-1]}-council matrix")
        add = run([ASSISTANT, "--home", str(home), "ingest", str(one[0]["path"]), "--council", one[0]["council"],
                   "--kind", "plan"])
        say("assistant ingest of the plan", add)
        before = cached(home)
        again = run([ASSISTANT, "--home", str(home), "compare", "--json"])
        read = cached(home) - before
        say(f"compare after adding it ({read} document read)", again)
        RESULTS["add_one_plan"] = {"ingest": add, "compare": again, "documents_read": read}
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS["machine"]["load_at_end"] = os.getloadavg()[0]
    print(f"\nload average at the end: {RESULTS['machine']['load_at_end']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
