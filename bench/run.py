"""Plan Assistant benchmarks: print every figure, with the machine they come from.

    .venv/bin/python bench/run.py                       # everything (1k, 10k, 100k chunks)
    .venv/bin/python bench/run.py --sizes 1000 --quick  # a smoke run in about a minute
    .venv/bin/python bench/run.py --json bench/results.json

Figures: ingest chunks/s against the embedder alone on the same texts (a ratio: how much
the pipeline costs beyond embedding), hybrid retrieval p50/p95 at each corpus size (see
bench/synthetic.py for how the vectors of the big corpora are made), `ask` latency warm
(in-process) and as a fresh CLI process, `assistant --help` cold start against a bare
Python start, one more document into a big index, and peak RSS of each process.
Not part of the test suite: figures depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import synthetic  # noqa: E402

BIN = Path(sys.executable).parent
REPO = synthetic.REPO
RESULTS: dict = {}


def say(label: str, value: str) -> None:
    print(f"  {label:<58} {value}", flush=True)


def record(key: str, value) -> None:
    RESULTS[key] = value


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


# --- the machine ----------------------------------------------------------------------
def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {"cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "load_at_start": os.getloadavg()[0]}


# --- child processes: wall time and their own peak RSS -----------------------------------
# A child forked from this (large) process would report this process's RSS as its peak, so
# each command runs under a small launcher that reports its own child's peak RSS.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_child(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", LAUNCHER, rss.name, *args], capture_output=True,
                              env={**os.environ, **(env or {})})
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
        return seconds, int(rss.read() or 0) / 1024, done.stdout.decode()


def cold_start(repeats: int) -> None:
    print("\nCold start")
    bare = [run_child([sys.executable, "-c", "pass"])[0] for _ in range(repeats)]
    helps = [run_child([str(BIN / "assistant"), "--help"]) for _ in range(repeats)]
    bare_ms, help_ms = statistics.median(bare) * 1000, statistics.median(h[0] for h in helps) * 1000
    say("python -c pass (median)", f"{bare_ms:.0f} ms")
    say("assistant --help (median)", f"{help_ms:.0f} ms ({help_ms / bare_ms:.1f}x a bare Python start)")
    say("assistant --help peak RSS", f"{max(h[1] for h in helps):.0f} MB")
    record("cold_start", {"python_ms": bare_ms, "help_ms": help_ms, "help_rss_mb": max(h[1] for h in helps)})


# --- ingest against the embedder alone ----------------------------------------------------
def ingest_throughput(work: Path, files: int) -> None:
    from assistant.index.embeddings import get_embedder
    from assistant.ingest import IngestItem, ingest
    from assistant.settings import load_settings

    print(f"\nIngest ({files} Markdown files of 25 passages, written from the seeds)")
    paths = synthetic.write_documents(work / "ingest-files", files)
    settings = load_settings(work / "ingest-home")
    embedder = get_embedder(settings)
    embedder.embed_documents(["warm up"])

    sentences = synthetic.seed_sentences()[:1000]
    start = time.perf_counter()
    embedder.embed_documents(sentences)
    sentence_rate = len(sentences) / (time.perf_counter() - start)
    say("embedder alone: seed sentences/s", f"{sentence_rate:.0f}")

    start = time.perf_counter()
    results = ingest(settings, [IngestItem(p) for p in paths])
    ingest_seconds = time.perf_counter() - start
    chunks = sum(r.chunks for r in results)
    assert all(r.status == "added" for r in results), [r.message for r in results if r.message]

    from assistant.index import open_index

    from assistant.index.vector_cache import answer_texts, guidance_texts

    index = open_index(settings)
    catalog_chunks = list(index.catalog.iter_chunks())
    index.close()
    texts = [c.embedding_text() for c in catalog_chunks]
    start = time.perf_counter()
    embedder.embed_documents(texts)
    text_seconds = time.perf_counter() - start
    text_rate = len(texts) / text_seconds
    # ingest also embeds every sentence answers will score (vector_cache.prepare_answers)
    prepared = list(dict.fromkeys(answer_texts(catalog_chunks) + guidance_texts(settings)))
    start = time.perf_counter()
    embedder.embed_documents(prepared)
    prepared_seconds = time.perf_counter() - start
    ingest_rate = chunks / ingest_seconds
    all_ratio = (text_seconds + prepared_seconds) / ingest_seconds
    say("embedder alone: the same chunk texts/s", f"{text_rate:.1f}")
    say(f"embedder alone: their {len(prepared)} sentence texts (for answers)", f"{prepared_seconds:.1f} s")
    say(f"ingest of {chunks} chunks, chunks/s (load, chunk, embed, store, BM25, sentences)", f"{ingest_rate:.1f}")
    say("ratio ingest / embedder alone on the chunk texts", f"{ingest_rate / text_rate:.2f}")
    say("ratio ingest / embedder alone on all ingest embeds (goal >= 0.8)", f"{all_ratio:.2f}")
    say("ratio ingest chunks/s / embedder short sentences/s", f"{ingest_rate / sentence_rate:.2f}")
    record("ingest", {"files": files, "chunks": chunks, "sentences_per_s": sentence_rate, "texts_per_s": text_rate,
                      "ingest_chunks_per_s": ingest_rate, "ratio": ingest_rate / text_rate,
                      "prepared_texts": len(prepared), "prepared_s": prepared_seconds, "ratio_all": all_ratio})


# --- retrieval at scale -------------------------------------------------------------------
def queries() -> list[str]:
    from assistant.guidance import load_guidance
    from assistant.settings import load_settings

    guidance = load_guidance(load_settings(Path(tempfile.gettempdir())).guidance_path())
    asked = [json.loads(line)["question"] for line in (REPO / "eval" / "datasets" / "qa.jsonl").open()
             if line.strip()] if (REPO / "eval" / "datasets" / "qa.jsonl").exists() else []
    return [q.text for q in guidance.questions()] + asked[:26]


def build(home: Path, total: int, base: list[str], vectors) -> dict:
    """An index of ``total`` synthetic chunks, written through the product's own store,
    catalog and lexical index. Returns how long each part took."""
    from assistant.index import open_index
    from assistant.index.embeddings import embedder_name, get_embedder
    from assistant.ingest.chunking import CHUNKER_VERSION
    from assistant.settings import load_settings

    settings = load_settings(home)
    documents, base_of = synthetic.corpus(total, base)
    rows = synthetic.noisy(vectors, base_of) if total > len(base) else vectors[base_of]
    index = open_index(settings)
    index.catalog.set_meta("embedder", embedder_name(get_embedder(settings)))
    index.catalog.set_meta("chunker", CHUNKER_VERSION)
    timings = {"vectors_s": 0.0, "catalog_s": 0.0}
    at = 0
    for document, chunks in documents:
        start = time.perf_counter()
        index.store.upsert(chunks, rows[at:at + len(chunks)])
        timings["vectors_s"] += time.perf_counter() - start
        start = time.perf_counter()
        index.catalog.replace_document(document, chunks)
        timings["catalog_s"] += time.perf_counter() - start
        at += len(chunks)
    start = time.perf_counter()
    index.rebuild_lexical()
    timings["bm25_s"] = time.perf_counter() - start
    index.close()
    return timings


def retrieval(home: Path, total: int, questions: list[str]) -> dict:
    from assistant.index import open_index
    from assistant.models import Filters
    from assistant.settings import load_settings

    index = open_index(load_settings(home))
    start = time.perf_counter()
    index.lexical  # noqa: B018 - load the saved BM25 index, as a fresh process does
    load_s = time.perf_counter() - start
    council = synthetic.councils()[3]
    index.search(questions[0], Filters(), k=10)  # warm up
    plain, filtered, dense, lexical = [], [], [], []
    for q in questions:
        start = time.perf_counter()
        index.search(q, Filters(), k=10)
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.search(q, Filters(councils=[council], themes=[4]), k=10)
        filtered.append(time.perf_counter() - start)
        vector = index.embedder.embed_query(q)
        start = time.perf_counter()
        index.store.query(vector, 40, Filters())
        dense.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.lexical.query(q, 40, Filters())
        lexical.append(time.perf_counter() - start)
    index.close()
    return {"chunks": total, "bm25_load_s": load_s, "hybrid_ms": percentiles(plain),
            "filtered_ms": percentiles(filtered), "dense_ms": percentiles(dense), "bm25_ms": percentiles(lexical)}


def scale(work: Path, sizes: list[int], distinct: int) -> Path | None:
    from assistant.index.embeddings import get_embedder
    from assistant.settings import load_settings

    import numpy as np

    print(f"\nHybrid retrieval (synthetic corpus; {distinct} passages embedded for real, near-copies reuse them)")
    base = synthetic.passages(distinct)
    embedder = get_embedder(load_settings(work))
    start = time.perf_counter()
    vectors = np.asarray(embedder.embed_documents(base), dtype=np.float32)
    say(f"embedding {distinct} distinct passages", f"{time.perf_counter() - start:.0f} s")
    questions = queries()
    biggest = None
    for total in sizes:
        home = work / f"scale-{total}"
        timings = build(home, total, base, vectors)
        result = retrieval(home, total, questions)
        result.update(timings)
        record(f"retrieval_{total}", result)
        say(f"{total:>7} chunks: build vectors / catalog / BM25",
            f"{timings['vectors_s']:.1f} s / {timings['catalog_s']:.1f} s / {timings['bm25_s']:.1f} s")
        say(f"{total:>7} chunks: hybrid search p50 / p95 ({len(questions)} queries, k=10)",
            "{:.0f} / {:.0f} ms".format(*result["hybrid_ms"]))
        say(f"{total:>7} chunks: with council + theme filter p50 / p95", "{:.0f} / {:.0f} ms".format(*result["filtered_ms"]))
        say(f"{total:>7} chunks: of which dense (Chroma) / BM25 p50",
            f"{result['dense_ms'][0]:.1f} / {result['bm25_ms'][0]:.1f} ms")
        say(f"{total:>7} chunks: loading the saved BM25 index", f"{result['bm25_load_s'] * 1000:.0f} ms")
        biggest = home
    return biggest


def big_index_cli(home: Path, work: Path) -> None:
    """What an officer sees against the biggest index: fresh CLI processes."""
    total = RESULTS[f"retrieval_{max(int(k.split('_')[1]) for k in RESULTS if k.startswith('retrieval_'))}"]["chunks"]
    print(f"\nCLI against the {total}-chunk index (fresh process each: start, load, answer)")
    assistant = str(BIN / "assistant")
    council = synthetic.councils()[3].split()[0]
    seconds, rss, _ = run_child([assistant, "--home", str(home), "search", "agency staff costs", "--json"])
    say("assistant search", f"{seconds:.1f} s, peak RSS {rss:.0f} MB")
    ask_s, ask_rss, _ = run_child([assistant, "--home", str(home), "ask",
                                   f"What barriers did {council} cite?", "--json"])
    say("assistant ask", f"{ask_s:.1f} s, peak RSS {ask_rss:.0f} MB")
    one = synthetic.write_documents(work / "one-more", 1, chunks_each=10, seed=9)[0]
    add_s, add_rss, _ = run_child([assistant, "--home", str(home), "ingest", str(one), "--json"])
    say("assistant ingest of one 10-chunk document", f"{add_s:.1f} s, peak RSS {add_rss:.0f} MB")
    record("big_cli", {"chunks": total, "search_s": seconds, "search_rss_mb": rss, "ask_s": ask_s,
                       "ask_rss_mb": ask_rss, "ingest_one_s": add_s, "ingest_one_rss_mb": add_rss})


# --- ask on the shipped corpus ---------------------------------------------------------------
def ask_latency(work: Path, repeats: int) -> None:
    from assistant.ask import ask
    from assistant.settings import load_settings

    print("\nask on the shipped corpus (extractive)")
    home = work / "shipped"
    assistant = str(BIN / "assistant")
    ingest_s, ingest_rss, _ = run_child([assistant, "--home", str(home), "ingest", "--shipped", "--json"])
    say("assistant ingest --shipped (fresh process)", f"{ingest_s:.1f} s, peak RSS {ingest_rss:.0f} MB")
    settings = load_settings(home)
    asked = [q for q in queries() if "?" in q][-repeats:]
    ask(settings, asked[0])  # warm: models loaded, caches filled
    times = []
    for q in asked:
        start = time.perf_counter()
        ask(settings, q)
        times.append(time.perf_counter() - start)
    p50, p95 = percentiles(times)
    say(f"ask warm, in-process p50 / p95 ({len(asked)} questions)", f"{p50:.0f} / {p95:.0f} ms")
    cli_s, cli_rss, _ = run_child([assistant, "--home", str(home), "ask", "What barriers did peer councils cite?"])
    say("assistant ask (fresh process)", f"{cli_s:.1f} s, peak RSS {cli_rss:.0f} MB")
    record("ask", {"warm_ms": (p50, p95), "cli_s": cli_s, "cli_rss_mb": cli_rss, "ingest_shipped_s": ingest_s,
                   "ingest_shipped_rss_mb": ingest_rss})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="corpus sizes for retrieval, in chunks")
    parser.add_argument("--distinct", type=int, default=2000, help="passages embedded for real")
    parser.add_argument("--files", type=int, default=40, help="files for the ingest benchmark")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and files: a smoke run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    info = machine()
    record("machine", info)
    print(f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
          f"{info['system']}; load average at start {info['load_at_start']:.1f}")
    work = Path(tempfile.mkdtemp(prefix="plan-assistant-bench-"))
    try:
        cold_start(3 if args.quick else 7)
        ingest_throughput(work, 8 if args.quick else args.files)
        ask_latency(work, 6 if args.quick else 20)
        biggest = scale(work, sizes, min(args.distinct, max(sizes)))
        if biggest:
            big_index_cli(biggest, work)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("\nPeak RSS")
        say("this benchmark process (built and searched every index)", f"{peak:.0f} MB")
        record("bench_rss_mb", peak)
        RESULTS["machine"]["load_at_end"] = os.getloadavg()[0]
        say("load average at end", f"{RESULTS['machine']['load_at_end']:.1f}")
    finally:
        if args.keep:
            print(f"\nWork folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")
        print(f"Figures written to {args.json}")


if __name__ == "__main__":
    main()
