"""The lexical index at scale: adding one document, and querying, before and after it
became incremental.

    .venv/bin/python bench/lexical.py                    # 10k and 100k chunks (~5 min on 2 cores)
    .venv/bin/python bench/lexical.py --sizes 10000
    .venv/bin/python bench/lexical.py --queries-at 1000000 --keep /tmp/lex1m.sqlite   # query cost at 1M

``--queries-at N``: keyword queries only, on a lexical index of N chunks (SYNTHETIC: the
layout and texts of bench/search_1m.py, i.e. 400 councils' documents of real plan sentences
with generated council names, written by lexical.add_chunks ~5,000 chunks a transaction into
a bare SQLite file with no catalog rows; ~15 min for 1M on 2 cores, reused with ``--keep``,
rebuilt when it was written in another lexical format, lexical.VERSION). It times
LexicalReader.query (top 40, as hybrid search asks: the MaxScore top k of lexical_topk.py)
for bench/run.py's questions, without a filter, with a council, a council and a theme, and a
kind of document (a sixth of the chunks: too many to list, so the top-k search is asked for
more rows), against full BM25 (every posting of the question's stems scored, then the best
that pass), and checks that both give the same top 40 (chunk ids, scores and order).

Without ``--queries-at``: adding one document and querying at 10k and 100k chunks, before and
after the index became incremental. Before: BM25 (bm25s) rebuilt from every chunk after each
ingest, saved beside the catalog, and loaded by every new process. After: postings kept in
the catalog (SQLite), written per document in the catalog's transaction
(assistant/index/lexical.py). The corpus is bench/synthetic.py's (50-chunk documents of
shuffled sentences from the shipped plans); no vectors are involved.

Figures depend on the machine: it is printed first, with its load. Each time is given as
wall time and as this process's CPU time: on a shared machine the CPU time is the steadier
figure.
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


class Clock:
    """Wall and CPU seconds since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def ms(times: list[tuple[float, float]]) -> str:
    def p(values):
        values = sorted(v * 1000 for v in values)
        return statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]

    (w50, w95), (c50, c95) = p([w for w, _ in times]), p([c for _, c in times])
    return f"p50 {w50:.1f} ms, p95 {w95:.1f} ms (CPU p50 {c50:.1f}, p95 {c95:.1f})"


def mean(times: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.mean(w for w, _ in times), statistics.mean(c for _, c in times)


def secs(t: tuple[float, float]) -> str:
    return f"{t[0] * 1000:.0f} ms (CPU {t[1] * 1000:.0f} ms)" if t[0] < 10 else f"{t[0]:.1f} s (CPU {t[1]:.1f} s)"


def questions() -> list[str]:
    path = synthetic.REPO / "eval" / "datasets" / "qa.jsonl"
    return [json.loads(line)["question"] for line in path.open() if line.strip()][:60]


def before(chunks, folder: Path, asked: list[str]) -> dict:
    """The whole-rebuild index: tokenize and index every chunk, save; then load and query."""
    import bm25s
    import numpy as np

    from assistant.index.lexical import tokenize

    clock = Clock()
    retriever = bm25s.BM25()
    retriever.index(tokenize([c.embedding_text() for c in chunks]), show_progress=False)
    retriever.save(str(folder / "bm25"), show_progress=False)
    (folder / "bm25" / "chunks.json").write_text(json.dumps({"ids": [c.id for c in chunks], "attrs": {
        "council": [c.council for c in chunks], "kind": [c.kind for c in chunks]}}))
    rebuild = clock.stop()
    clock = Clock()
    loaded = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
    json.loads((folder / "bm25" / "chunks.json").read_text())
    load = clock.stop()
    times = []
    for q in asked:
        clock = Clock()
        scores = loaded.get_scores(tokenize([q])[0])
        top = np.argpartition(-scores, 39)[:40]
        top[np.argsort(-scores[top])]
        times.append(clock.stop())
    return {"add_one_s": rebuild, "load_s": load, "query": times}


def after(documents, folder: Path, asked: list[str]) -> dict:
    from assistant.index.catalog import Catalog
    from assistant.index.lexical_search import LexicalReader
    from assistant.models import Filters

    catalog = Catalog(folder / "catalog.sqlite")
    clock = Clock()
    for document, chunks in documents[:-ADDS]:
        catalog.replace_document(document, chunks)
    build = clock.stop()
    adds = []
    for document, chunks in documents[-ADDS:]:
        clock = Clock()
        catalog.replace_document(document, chunks)
        adds.append(clock.stop())
    replace = []
    for document, chunks in documents[-5:]:  # a new version of a document: remove the old, add the new
        changed = document.model_copy(update={"id": document.id + "b"})
        clock = Clock()
        catalog.replace_document(changed, [c.model_copy(update={"id": c.id + "b", "document_id": changed.id})
                                           for c in chunks], replaces=document.id)
        replace.append(clock.stop())
    segments = catalog.db.execute("SELECT COUNT(*) FROM lexical_segments").fetchone()[0]
    catalog.close()
    catalog = Catalog(folder / "catalog.sqlite")  # as a new process opens it: nothing to load
    reader = LexicalReader(catalog.db)
    clock = Clock()
    reader.query(asked[0], 40)
    first = clock.stop()
    council = synthetic.councils()[3]
    times, filtered = [], []
    for q in asked:
        clock = Clock()
        reader.query(q, 40)
        times.append(clock.stop())
        clock = Clock()
        reader.query(q, 40, Filters(councils=[council], themes=[4]))
        filtered.append(clock.stop())
    catalog.close()
    return {"build_s": build, "adds": adds, "replace": replace, "segments": segments, "first_query_s": first,
            "query": times, "filtered": filtered}


def build_scaled(path: Path, total: int) -> float:
    """A bare lexical index of ``total`` synthetic chunks at ``path`` (see --queries-at)."""
    import sqlite3

    from assistant.index import lexical
    from bench.search_1m import DISTINCT_TEXTS, layout, make_chunks

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    db.executescript(lexical.SCHEMA)
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('lexical', ?)", (lexical.VERSION,))
    texts = synthetic.passages(DISTINCT_TEXTS)
    clock, batch, done = Clock(), [], 0

    def write(chunks) -> None:
        tokens = lexical.tokenize([c.embedding_text() for c in chunks])
        db.execute("BEGIN IMMEDIATE")
        lexical.add_chunks(db, chunks, tokens)
        db.execute("COMMIT")

    for doc_id, council, kind, count in layout(400, 4, total):
        batch += make_chunks(doc_id, council, kind, count, texts)[1]
        done += count
        if len(batch) >= 5000:
            write(batch)
            batch = []
            if done % 100_000 < 5000:
                print(f"  built {done:,} chunks, {clock.stop()[0]:.0f} s", file=sys.stderr, flush=True)
    if batch:
        write(batch)
    db.close()
    return clock.stop()[0]


def written_format(path: Path) -> str:
    """The lexical format (lexical.VERSION) an index file was written in ("1" before it was recorded)."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        row = db.execute("SELECT value FROM meta WHERE key='lexical'").fetchone()
    except sqlite3.OperationalError:  # not an index this bench wrote
        row = None
    finally:
        db.close()
    return row[0] if row else "1"


def full_query(reader, text: str, k: int, filters):
    """Full BM25: every posting of the question's stems scored, then the k best that pass."""
    import numpy as np

    from assistant.index.lexical import filter_sql, tokenize
    from assistant.index.lexical_search import NARROW

    with reader._snapshot():
        among = None
        if not filters.is_empty() and reader.allowed_count(filters) <= NARROW:
            where, params = filter_sql(filters)
            among = np.array([r[0] for r in reader.db.execute(f"SELECT row FROM lexical_rows WHERE {where}", params)])
        rows, values = reader.scores(tokenize([text])[0], among)
        return reader._passing_best(rows, values, k, filters)


def queries_at(total: int, keep: Path | None, rounds: int) -> None:
    """Keyword query p50/p95 at ``total`` chunks: the MaxScore top k and full BM25."""
    import sqlite3

    from assistant.index import lexical
    from assistant.index.lexical_search import LexicalReader
    from assistant.models import Filters
    from bench.run import queries

    folder = None
    if keep is None:
        folder = tempfile.TemporaryDirectory()
        keep = Path(folder.name) / "lexical.sqlite"
    if keep.exists() and written_format(keep) != lexical.VERSION:
        print(f"{keep} holds a lexical index in format {written_format(keep)}; this version writes format "
              f"{lexical.VERSION}: building it again.")
        for stale in (keep, Path(f"{keep}-wal"), Path(f"{keep}-shm")):
            stale.unlink(missing_ok=True)
    if not keep.exists():
        print(f"Building a synthetic lexical index of {total:,} chunks at {keep} ...")
        print(f"  built in {build_scaled(keep, total):.0f} s")
    reader = LexicalReader(sqlite3.connect(keep, isolation_level=None))
    n = reader.chunk_count()
    asked = queries()
    council, kind = reader.db.execute("SELECT council, kind FROM lexical_rows WHERE row=1").fetchone()
    cases = {"no filter": Filters(), "council": Filters(councils=[council]),
             "council + theme": Filters(councils=[council], themes=[4]), "kind": Filters(kinds=[kind])}
    print(f"\nKeyword queries at {n:,} chunks (synthetic), {len(asked)} questions x {rounds}, top 40; "
          f"the kind filter keeps {reader.allowed_count(cases['kind']):,} chunks")
    common = reader.document_frequencies({t for q in asked for t in lexical.tokenize([q])[0]})
    share = sorted(((df / n, t) for t, df in common.items()), reverse=True)
    print("  stems of the questions held by > 5% of chunks: " + ", ".join(f"{t} {s:.0%}" for s, t in share if s > 0.05))
    all_common = []  # questions whose stems are all held by > 5% of the chunks: the slowest to score
    for q in asked:
        df = reader.document_frequencies(lexical.tokenize([q])[0])
        all_common.append(bool(df) and all(d > 0.05 * n for d in df.values()))
    print(f"  questions whose stems are all held by > 5% of chunks: {sum(all_common)} of {len(asked)}")
    reader.query(asked[0], 40)  # warm: page cache
    times: dict = {}
    tops: dict = {}
    for _ in range(rounds):  # the two methods in turn, question by question: the same load for both
        for q in asked:
            for method, run in (("full BM25", lambda q, f: full_query(reader, q, 40, f)),
                                ("top k (MaxScore)", lambda q, f: reader.query(q, 40, f))):
                for case, filters in cases.items():
                    clock = Clock()
                    found = run(q, filters)
                    times.setdefault((method, case), []).append(clock.stop())
                    tops.setdefault((method, case), []).append(found)
    reader.db.close()
    flags = all_common * rounds
    for method in ("full BM25", "top k (MaxScore)"):
        for case in cases:
            print(f"  {method:17} {case:16} {ms(times[method, case])}")
        own = [t for t, f in zip(times[method, "no filter"], flags) if f]
        print(f"  {method:17} {'all-common only':16} {ms(own)}")
    for case in cases:
        pairs = list(zip(tops["full BM25", case], tops["top k (MaxScore)", case]))
        same = sum(a == b for a, b in pairs)
        print(f"  top 40 identical to full BM25's (ids, scores, order), {case}: {same} of {len(pairs)}")
    print(f"  machine load now {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="chunks in the index, comma-separated")
    parser.add_argument("--queries-at", type=int, help="only keyword query times, at this many chunks (synthetic)")
    parser.add_argument("--keep", type=Path, help="with --queries-at: build (or reuse) the index in this file")
    parser.add_argument("--rounds", type=int, default=3, help="with --queries-at: times each question is asked")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    if args.queries_at:
        queries_at(args.queries_at, args.keep, args.rounds)
        return
    base = synthetic.passages(3000)
    asked = questions()
    for total in (int(s) for s in args.sizes.split(",")):
        documents, _ = synthetic.corpus(total + 50 * ADDS, base)
        chunks = [c for _, cs in documents for c in cs]
        print(f"\n{total:,} chunks ({len(documents) - ADDS} documents of 50 chunks), then {ADDS} more added one at a time")
        with tempfile.TemporaryDirectory() as tmp:
            old = before(chunks, Path(tmp), asked)
            print(f"  before: add one document (rebuild all)   {secs(old['add_one_s'])}")
            print(f"          load in a new process            {secs(old['load_s'])}")
            print(f"          query (top 40)                   {ms(old['query'])}")
        with tempfile.TemporaryDirectory() as tmp:
            new = after(documents, Path(tmp), asked)
            adds = new["adds"]
            print(f"  after:  add one document (catalog+BM25)  mean {secs(mean(adds))}, "
                  f"max {secs(max(adds))} (with merges)")
            print(f"          replace one document             mean {secs(mean(new['replace']))}")
            print(f"          building it that way             {secs(new['build_s'])} ({new['segments']} segments)")
            print(f"          first query in a new process     {secs(new['first_query_s'])} (nothing to load)")
            print(f"          query (top 40)                   {ms(new['query'])}")
            print(f"          query, council + theme filter    {ms(new['filtered'])}")
            print(f"  ratio:  add one document, before/after   {old['add_one_s'][0] / mean(adds)[0]:.0f}x wall, "
                  f"{old['add_one_s'][1] / mean(adds)[1]:.0f}x CPU")


if __name__ == "__main__":
    main()
