"""How long an answer takes on the shipped corpus: the first `ask` after an ingest, a
repeated one, a new one, as a fresh CLI process each (what an officer waits for) and in
one process with the workspace open (chat, eval, the web app).

    .venv/bin/python bench/latency.py              # about 2 minutes on 2 cores
    .venv/bin/python bench/latency.py --repeats 9 --json bench/latency.json

Each CLI figure is one whole process (start-up, imports, index, answer), timed with
os.wait4: wall and CPU seconds and the process's peak RSS. Quote medians; the machine
line says how busy the machine was (load average) when the figures were taken.
Targets (issue 17): first ask after an ingest < 2 s, a warm (repeated) ask < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import machine  # noqa: E402

ASSISTANT = str(Path(sys.executable).parent / "assistant")
FIRST = "What barriers did peer councils cite?"
NEW = ["How are councils using digital tools to improve productivity?",
       "What did Redditch say about agency staff?",
       "Which councils share services with their neighbours?",
       "How much does Blaby plan to save?",
       "What do the plans say about wasteful spend on consultants?",
       "What data does Sandwell use to measure performance?",
       "What are the barriers the government could remove?",
       "How do the councils plan to develop their workforce?",
       "Which services have been transformed already?"]
RESULTS: dict = {}


def run(args: list[str]) -> dict:
    """One fresh process: wall s, CPU s, peak RSS MB (os.wait4 reports the child's own)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(args)} exited {process.returncode}: {err.read().decode()[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def say(label: str, figures: dict | str) -> None:
    if isinstance(figures, dict):
        figures = f"{figures['wall_s']:.2f} s wall, {figures['cpu_s']:.2f} s CPU, peak RSS {figures['rss_mb']:.0f} MB"
    print(f"  {label:<48} {figures}", flush=True)


def median(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def cli(home: Path, repeats: int) -> None:
    print("\nFresh CLI processes")
    ingest = run([ASSISTANT, "--home", str(home), "ingest", "--shipped", "--json"])
    say("assistant ingest --shipped", ingest)
    first = run([ASSISTANT, "--home", str(home), "ask", FIRST])
    say("first ask after the ingest", first)
    again = [run([ASSISTANT, "--home", str(home), "ask", FIRST]) for _ in range(repeats)]
    say(f"the same question again (median of {repeats})", median(again))
    new = [run([ASSISTANT, "--home", str(home), "ask", q]) for q in NEW[:repeats]]
    say(f"a new question (median of {len(new)})", median(new))
    helps = [run([ASSISTANT, "--help"]) for _ in range(3)]
    say("assistant --help (median of 3)", median(helps))
    RESULTS["cli"] = {"ingest": ingest, "first_ask": first, "repeat_ask": median(again), "new_ask": median(new),
                      "repeat_ask_runs": again, "new_ask_runs": new, "help": median(helps)}


class Timeline:
    """Ingest's progress, with the time spent preparing answers (embedding sentences)."""

    def __init__(self):
        self.preparing = 0.0
        self._since = None

    def start(self, files):
        pass

    def file(self, path):
        self._close()

    def describe(self, label: str) -> None:
        self._close()
        if label.endswith("embedding sentences"):
            self._since = time.perf_counter()

    def advance(self, label=None):
        self._close()

    def _close(self):
        if self._since is not None:
            self.preparing += time.perf_counter() - self._since
            self._since = None


def in_process(home: Path, repeats: int) -> None:
    from assistant.ask import ask
    from assistant.ingest import IngestItem, ingest
    from assistant.ingest.metadata import read_manifest
    from assistant.resources import corpus_dir
    from assistant.settings import load_settings
    from assistant.workspace import open_workspace

    print("\nIn one process")
    settings = load_settings(home)
    items = [IngestItem(e.path, e.meta, set(e.meta.model_fields_set))  # as `ingest --shipped` makes them
             for e in read_manifest(corpus_dir() / "manifest.toml")]
    timeline = Timeline()
    start = time.perf_counter()
    results = ingest(settings, items, timeline)
    total = time.perf_counter() - start
    chunks = sum(r.chunks for r in results)
    say(f"ingest of {len(results)} files, {chunks} chunks", f"{total:.1f} s, of which embedding sentences "
        f"{timeline.preparing:.1f} s ({timeline.preparing / total:.0%})")
    workspace = open_workspace(settings)
    try:
        start = time.perf_counter()
        ask(settings, FIRST, workspace=workspace)
        first = time.perf_counter() - start
        times = []
        for question in NEW[:repeats]:
            start = time.perf_counter()
            ask(settings, question, workspace=workspace)
            times.append(time.perf_counter() - start)
    finally:
        workspace.close()
    ms = sorted(t * 1000 for t in times)
    say("first ask in the process (loads the model)", f"{first * 1000:.0f} ms")
    say(f"then new questions, p50 / max ({len(ms)})", f"{statistics.median(ms):.0f} / {ms[-1]:.0f} ms")
    RESULTS["in_process"] = {"ingest_s": total, "preparing_s": timeline.preparing, "chunks": chunks,
                             "first_ms": first * 1000, "new_ms": ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each CLI figure (and new questions)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    info = machine()
    RESULTS["machine"] = info
    print(f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
          f"{info['system']}; load average at start {info['load_at_start']:.1f}")
    work = Path(tempfile.mkdtemp(prefix="plan-assistant-latency-"))
    try:
        cli(work / "cli", args.repeats)
        in_process(work / "in-process", args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS["machine"]["load_at_end"] = os.getloadavg()[0]
    print(f"\nLoad average at end {RESULTS['machine']['load_at_end']:.1f} (on {info['cpus']} CPUs: above that, "
          "the figures include waiting for a CPU)")
    if args.json:
        args.json.write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
