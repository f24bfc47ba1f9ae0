"""The lexical index at scale: adding one document, and querying, before and after it
became incremental.

    .venv/bin/python bench/lexical.py                    # 10k and 100k chunks (~5 min on 2 cores)
    .venv/bin/python bench/lexical.py --sizes 10000

Before: BM25 (bm25s) rebuilt from every chunk after each ingest, saved beside the catalog,
and loaded by every new process. After: postings kept in the catalog (SQLite), written per
document in the catalog's transaction (assistant/index/lexical.py). The corpus is
bench/synthetic.py's (50-chunk documents of shuffled sentences from the shipped plans);
no vectors are involved. Figures depend on the machine: it is printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import synthetic  # noqa: E402

ADDS = 20  # documents added one at a time to the built index


def machine() -> str:
    cpu = platform.processor() or "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"


def ms(seconds: list[float]) -> str:
    values = sorted(s * 1000 for s in seconds)
    return f"p50 {statistics.median(values):.1f} ms, p95 {values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]:.1f} ms"


def questions() -> list[str]:
    path = synthetic.REPO / "eval" / "datasets" / "qa.jsonl"
    return [json.loads(line)["question"] for line in path.open() if line.strip()][:60]


def before(chunks, folder: Path, asked: list[str]) -> dict:
    """The whole-rebuild index: tokenize and index every chunk, save; then load and query."""
    import bm25s
    import numpy as np

    from assistant.index.lexical import tokenize

    start = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(tokenize([c.embedding_text() for c in chunks]), show_progress=False)
    retriever.save(str(folder / "bm25"), show_progress=False)
    (folder / "bm25" / "chunks.json").write_text(json.dumps({"ids": [c.id for c in chunks], "attrs": {
        "council": [c.council for c in chunks], "kind": [c.kind for c in chunks]}}))
    rebuild = time.perf_counter() - start
    start = time.perf_counter()
    loaded = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
    json.loads((folder / "bm25" / "chunks.json").read_text())
    load = time.perf_counter() - start
    times = []
    for q in asked:
        start = time.perf_counter()
        scores = loaded.get_scores(tokenize([q])[0])
        np.argsort(-scores)[:40]
        times.append(time.perf_counter() - start)
    return {"add_one_s": rebuild, "load_s": load, "query": times}


def after(documents, folder: Path, asked: list[str]) -> dict:
    from assistant.index.catalog import Catalog
    from assistant.index.lexical import LexicalReader
    from assistant.models import Filters

    catalog = Catalog(folder / "catalog.sqlite")
    start = time.perf_counter()
    for document, chunks in documents[:-ADDS]:
        catalog.replace_document(document, chunks)
    build = time.perf_counter() - start
    adds = []
    for document, chunks in documents[-ADDS:]:
        start = time.perf_counter()
        catalog.replace_document(document, chunks)
        adds.append(time.perf_counter() - start)
    replace = []
    for document, chunks in documents[-5:]:  # a new version of a document: remove the old, add the new
        changed = document.model_copy(update={"id": document.id + "b"})
        start = time.perf_counter()
        catalog.replace_document(changed, [c.model_copy(update={"id": c.id + "b", "document_id": changed.id})
                                           for c in chunks], replaces=document.id)
        replace.append(time.perf_counter() - start)
    segments = catalog.db.execute("SELECT COUNT(*) FROM lexical_segments").fetchone()[0]
    catalog.close()
    catalog = Catalog(folder / "catalog.sqlite")  # as a new process opens it: nothing to load
    reader = LexicalReader(catalog.db)
    start = time.perf_counter()
    reader.query(asked[0], 40)
    first = time.perf_counter() - start
    council = synthetic.councils()[3]
    times, filtered = [], []
    for q in asked:
        start = time.perf_counter()
        reader.query(q, 40)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        reader.query(q, 40, Filters(councils=[council], themes=[4]))
        filtered.append(time.perf_counter() - start)
    catalog.close()
    return {"build_s": build, "adds": adds, "replace": replace, "segments": segments, "first_query_s": first,
            "query": times, "filtered": filtered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="chunks in the index, comma-separated")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    base = synthetic.passages(3000)
    asked = questions()
    for total in (int(s) for s in args.sizes.split(",")):
        documents, _ = synthetic.corpus(total + 50 * ADDS, base)
        chunks = [c for _, cs in documents for c in cs]
        print(f"\n{total:,} chunks ({len(documents) - ADDS} documents of 50 chunks), then {ADDS} more added one at a time")
        with tempfile.TemporaryDirectory() as tmp:
            old = before(chunks, Path(tmp), asked)
            print(f"  before: add one document (rebuild all)   {old['add_one_s']:.2f} s")
            print(f"          load in a new process            {old['load_s'] * 1000:.0f} ms")
            print(f"          query (top 40)                   {ms(old['query'])}")
        with tempfile.TemporaryDirectory() as tmp:
            new = after(documents, Path(tmp), asked)
            adds = new["adds"]
            print(f"  after:  add one document (catalog+BM25)  mean {statistics.mean(adds) * 1000:.0f} ms, "
                  f"max {max(adds) * 1000:.0f} ms (a merge)")
            print(f"          replace one document             mean {statistics.mean(new['replace']) * 1000:.0f} ms")
            print(f"          building it that way             {new['build_s']:.0f} s ({new['segments']} segments)")
            print(f"          first query in a new process     {new['first_query_s'] * 1000:.0f} ms (nothing to load)")
            print(f"          query (top 40)                   {ms(new['query'])}")
            print(f"          query, council + theme filter    {ms(new['filtered'])}")
            print(f"  ratio:  add one document, before/after   {old['add_one_s'] / statistics.mean(adds):.0f}x")


if __name__ == "__main__":
    main()
