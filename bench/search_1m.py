"""Search at a million chunks on a Chroma server: hybrid search p50/p95 through the product's
own search path (``Index.search``), with and without filters, and what each part costs.

    .venv/bin/python bench/search_1m.py                                   # 1,000,000 chunks
    .venv/bin/python bench/search_1m.py --stages 100000,250000,500000     # measured on the way too
    .venv/bin/python bench/search_1m.py --total 100000                    # a smaller run
    .venv/bin/python bench/search_1m.py --keep /tmp/1m --json bench/search_1m.json   # keep, reuse

Filling is the slow part: the Chroma server spends ~1.5-2 ms of CPU per vector (HNSW
insertion, its log, and rewriting the whole index file every 1,000 vectors: sync_threshold),
so on 2 shared cores 1M vectors take well over an hour. ``--stages`` measures at each size
on the way, and ``--keep`` lets a later run carry on from the index it left.

SYNTHETIC VECTORS: embedding a million passages on 2 cores would take about a day, so every
chunk's vector is a random unit vector of the embedder's dimension (384), not the embedding
of its text. The search costs are those of real vectors (the same dimension, the same HNSW
index on the server; random vectors are, if anything, the harder case for HNSW); which
chunks come first is meaningless. The texts are real: passages of the shipped seed
documents' sentences with each council's (generated) name substituted (bench/synthetic.py),
so the lexical index holds a realistic vocabulary and posting lists (many texts repeat:
4,000 distinct passages).

Layout: ``--councils`` councils (400) x 6 kinds of document x ``--per-kind`` documents
(4: e.g. four years of plans, minutes, ...) = 9,600 documents of ~104 chunks, each chunk
with realistic metadata (council, kind, document id, page, 1-2 themes of 4), filled year by
year so that every stage holds every council.

Each phase runs in its own process (its peak RSS is its own): the vectors go to the server
through ChromaStore.upsert, with the copy ingest keeps in vectors.sqlite (matrix.py), while
the catalog and its lexical index are written by another process (lexical.add_chunks, ~5,000
chunks a transaction); then one process searches: hybrid search p50/p95 with no filter, one
council, one council and a theme, and the dense part (Chroma, or the vectors' copy for a
council) and the lexical part (the catalog's BM25) of the same searches; peak RSS of the
search process and of the Chroma server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import synthetic  # noqa: E402
from bench.national import KINDS, _cpu, _peak_rss, council_names, finish, pct, say, server_cpu_s, \
    server_peak_mb, start_server, stop_server  # noqa: E402
from bench.run import machine  # noqa: E402

DIM = 384  # all-MiniLM-L6-v2's
DISTINCT_TEXTS = 4000  # seed passages; each chunk is one of them with its council's name


def layout(councils: int, per_kind: int, total: int) -> list[tuple[str, str, str, int]]:
    """(document id, council, kind, chunks) for every document, chunks summing to ``total``;
    year by year, so that the first documents (a stage) cover every council and kind."""
    names = council_names(councils)
    docs = [(f"m{n:04d}{kind[:4]}{y}", council, kind) for y in range(per_kind) for n, council in enumerate(names)
            for kind in KINDS]
    each, extra = divmod(total, len(docs))
    return [(d, c, k, each + (1 if i < extra else 0)) for i, (d, c, k) in enumerate(docs)]


def make_chunks(doc_id: str, council: str, kind: str, count: int, texts: list[str]):
    from assistant.models import Chunk, Document

    rng = random.Random(doc_id)
    title = f"{council} {kind.replace('-', ' ')} {doc_id[-1]}"
    document = Document(id=doc_id, source=f"/national/{doc_id}.md", title=title, council=council, kind=kind,
                        date="2024-07-01", pages=max(1, count // 3), chunks=count,
                        ingested_at="2024-07-01T00:00:00+00:00")
    chunks = [Chunk(id=f"{doc_id}-{p:05d}", document_id=doc_id, position=p,
                    text=synthetic.rename(texts[rng.randrange(len(texts))], council), page=1 + p // 3,
                    section=f"Theme {1 + p % 4}", themes=sorted(rng.sample(range(1, 5), rng.randint(1, 2))),
                    council=council, kind=kind, title=title, source=document.source, date=document.date)
               for p in range(count)]
    return document, chunks


def _settings(home: str, url: str):
    from assistant.settings import load_settings

    return load_settings(home, chroma_url=url)


def vector_batches(councils: int, per_kind: int, total: int, first: int, last: int):
    """([(document, chunks)], their random unit vectors) in batches of ~2,000 chunks, the
    same every time for the same documents (seeded by ``first``)."""
    import numpy as np

    texts = synthetic.passages(DISTINCT_TEXTS)
    rng = np.random.default_rng(first)
    pending: list = []
    docs = layout(councils, per_kind, total)[first:last]
    for n, (doc_id, council, kind, count) in enumerate(docs):
        pending.append(make_chunks(doc_id, council, kind, count, texts))
        if sum(len(c) for _, c in pending) >= 2000 or n == len(docs) - 1:
            size = sum(len(c) for _, c in pending)
            vectors = rng.standard_normal((size, DIM), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            yield pending, vectors
            pending = []


def record(index, batch, vectors) -> None:
    """What ingest keeps beside the store (matrix.record_document): each document's row in
    vectors.sqlite, with its chunk vectors."""
    from assistant.index.matrix import record_vectors

    at = 0
    for document, chunks in batch:
        record_vectors(index.dir, document, chunks, vectors[at:at + len(chunks)])
        at += len(chunks)


def bulk_collection(index, url: str, sync_threshold: int) -> None:
    """Create the server's collection before the product opens it, with HNSW persisted every
    ``sync_threshold`` vectors instead of Chroma's 1,000: at 500k vectors each sync rewrites
    ~0.9 GB, which held filling to ~200 vectors/s. Search uses the same HNSW parameters
    (M 16, ef 100) either way; the product opens the existing collection as it is."""
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from assistant.index.store import COLLECTION, _NoDefaultEmbedding

    parsed = urlparse(url)
    client = chromadb.HttpClient(host=parsed.hostname, port=parsed.port, settings=ChromaSettings(anonymized_telemetry=False))
    client.get_or_create_collection(f"{COLLECTION}_{index.catalog.index_id()}", embedding_function=_NoDefaultEmbedding(),
                                    configuration={"hnsw": {"space": "cosine", "sync_threshold": sync_threshold}})


def phase_vectors(home: str, url: str, councils: int, per_kind: int, total: int, first: int, last: int,
                  sync_threshold: int = 1000) -> dict:
    """Random unit vectors for the chunks of documents first..last-1, through the product's
    store (ChromaStore.upsert), and their copy in vectors.sqlite, as ingest keeps it."""
    from assistant.index import open_index

    index = open_index(_settings(home, url))
    bulk_collection(index, url, sync_threshold)
    store = index.store
    sent, start, recording = 0, time.perf_counter(), 0.0
    for batch, vectors in vector_batches(councils, per_kind, total, first, last):
        store.upsert([c for _, chunks in batch for c in chunks], vectors.tolist())
        began = time.perf_counter()
        record(index, batch, vectors)
        recording += time.perf_counter() - began
        sent += len(vectors)
        if sent % 100_000 < len(vectors):
            print(f"vectors {sent} {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    count = store.count()
    index.close()
    return {"vectors": count, "sent": sent, "vectors_s": seconds, "recording_s": recording, "rss_mb": _peak_rss(),
            "cpu_s": _cpu()}


def phase_record(home: str, url: str, councils: int, per_kind: int, total: int, first: int, last: int) -> dict:
    """The vectors.sqlite rows of documents first..last-1 alone (the same vectors as
    phase_vectors sent): for an index filled before the rows were kept."""
    from assistant.index import open_index

    index = open_index(_settings(home, url))
    start, done = time.perf_counter(), 0
    for batch, vectors in vector_batches(councils, per_kind, total, first, last):
        record(index, batch, vectors)
        done += len(vectors)
    index.close()
    return {"recorded": done, "seconds": time.perf_counter() - start}


def phase_catalog(home: str, url: str, councils: int, per_kind: int, total: int, first: int, last: int) -> dict:
    """The catalog and its lexical index for documents first..last-1: the rows the catalog
    holds, and the product's lexical.add_chunks over ~5,000 chunks a transaction (as
    Catalog.rebuild_lexical does; one transaction per document costs ~50 ms of SQLite
    commits and merges, which would make a million chunks take hours)."""
    from assistant.index import lexical, open_index
    from assistant.index.catalog import CHUNK_FIELDS, DOC_FIELDS, _chunk_row
    from assistant.index.embeddings import embedder_name, get_embedder
    from assistant.ingest.chunking import CHUNKER_VERSION

    settings = _settings(home, url)
    index = open_index(settings)
    catalog, db = index.catalog, index.catalog.db
    catalog.set_meta("embedder", embedder_name(get_embedder(settings)))
    catalog.set_meta("chunker", CHUNKER_VERSION)
    catalog._lexical_ready_for_writes()
    texts = synthetic.passages(DISTINCT_TEXTS)
    start, done, batch = time.perf_counter(), 0, []

    def write(batch) -> None:
        chunks = [c for _, doc_chunks in batch for c in doc_chunks]
        tokens = lexical.tokenize([c.embedding_text() for c in chunks])
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(f"INSERT INTO documents({','.join(DOC_FIELDS)}) VALUES ({','.join('?' * len(DOC_FIELDS))})",
                           [tuple(getattr(d, f) for f in DOC_FIELDS) for d, _ in batch])
            db.executemany(f"INSERT INTO chunks({','.join(CHUNK_FIELDS)}) VALUES ({','.join('?' * len(CHUNK_FIELDS))})",
                           [_chunk_row(c) for c in chunks])
            lexical.add_chunks(db, chunks, tokens)
            catalog.set_meta("generation", str(catalog.generation() + 1))

    for doc_id, council, kind, count in layout(councils, per_kind, total)[first:last]:
        batch.append(make_chunks(doc_id, council, kind, count, texts))
        done += count
        if sum(len(c) for _, c in batch) >= 5000:
            write(batch)
            batch = []
        if done % 100_000 < count:
            print(f"catalog {done} {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    if batch:
        write(batch)
    seconds = time.perf_counter() - start
    chunks = catalog.count_chunks()
    index.close()
    return {"chunks": chunks, "added": done, "catalog_s": seconds, "rss_mb": _peak_rss(), "cpu_s": _cpu()}


def phase_search(home: str, url: str, council: str, rounds: int = 1) -> dict:
    from assistant.index import open_index
    from assistant.models import Filters
    from bench.run import queries

    index = open_index(_settings(home, url))
    questions = queries()
    start = time.perf_counter()
    index.search(questions[0], Filters(), k=10)  # the first search: the server loads its HNSW index
    first_search_s = time.perf_counter() - start
    for q in questions:  # the question vectors, cached: the figures are the search itself
        index.embedder.embed_query(q)
    cases = {"plain": Filters(), "council": Filters(councils=[council]),
             "council_theme": Filters(councils=[council], themes=[4])}
    for q in questions:  # one untimed pass: the server's segments and the catalog's pages read once
        for filters in cases.values():
            index.search(q, filters, k=10)
    times = {f"{name}_{part}": [] for name in cases for part in ("search", "dense", "lexical")}
    pool = max(4 * 10, 40)  # what Index.search uses for k=10
    for _ in range(rounds):
        for q in questions:
            vector = index.embedder.embed_query(q)
            for name, filters in cases.items():
                start = time.perf_counter()
                index.search(q, filters, k=10)
                times[f"{name}_search"].append(time.perf_counter() - start)
                with index.reading():
                    start = time.perf_counter()
                    index.dense(vector, pool, filters)
                    times[f"{name}_dense"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    index.lexical.query(q, pool, filters)
                    times[f"{name}_lexical"].append(time.perf_counter() - start)
    vectors, chunks = index.vector_health()
    index.close()
    return {"queries": len(questions) * rounds, "vectors": vectors, "chunks": chunks, "first_search_s": first_search_s,
            **{key: pct(values) for key, values in times.items()}, "rss_mb": _peak_rss(), "cpu_s": _cpu()}


PHASES = {"vectors": phase_vectors, "catalog": phase_catalog, "search": phase_search, "record": phase_record}


def start_child(phase: str, **args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "_child", phase, json.dumps(args)], stdout=subprocess.PIPE,
                            text=True)


def child_result(process: subprocess.Popen, phase: str) -> dict:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"phase {phase} failed (exit {process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=1_000_000, help="chunks in the index")
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--per-kind", type=int, default=4, help="documents of each kind per council")
    parser.add_argument("--rounds", type=int, default=1, help="times each query is asked")
    parser.add_argument("--stages", help="also measure at these sizes on the way, e.g. 250000,500000")
    parser.add_argument("--sync-threshold", type=int, default=100_000,
                        help="the server persists its HNSW index every this many vectors (Chroma's default: 1,000)")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the index and the server's data here")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    info = machine()
    results: dict = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}}
    print(f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
          f"{info['system']}; load average at start {info['load_at_start']:.1f}")
    documents = args.councils * len(KINDS) * args.per_kind
    print(f"SYNTHETIC: {args.total:,} chunks = {args.councils} councils x {len(KINDS)} kinds x {args.per_kind} "
          f"documents ({documents:,} documents of ~{args.total // documents} chunks). Vectors: RANDOM unit vectors "
          f"of dimension {DIM}, not embeddings. Texts: seed passages with council names substituted.")
    work = args.keep or Path(tempfile.mkdtemp(prefix="plan-assistant-1m-"))
    work.mkdir(parents=True, exist_ok=True)
    server, url = start_server(work / "chroma")
    home = work / "home"
    began = time.perf_counter()
    docs = layout(args.councils, args.per_kind, args.total)
    stages = sorted({min(int(x), args.total) for x in args.stages.split(",")} | {args.total}) if args.stages \
        else [args.total]
    state_file = work / "built.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {"documents": 0, "fills": []}
    results["stages"] = []
    try:
        for stage in stages:
            last, running = 0, 0
            while last < len(docs) and running < stage:
                running += docs[last][3]
                last += 1
            if last > state["documents"]:
                spec = dict(home=str(home), url=url, councils=args.councils, per_kind=args.per_kind, total=args.total,
                            first=state["documents"], last=last)
                print(f"\nFilling to {running:,} chunks (vectors to the server and the catalog at once, two processes)",
                      flush=True)
                catalog = start_child("catalog", **spec)
                vectors = start_child("vectors", **spec, sync_threshold=args.sync_threshold)
                c, v = child_result(catalog, "catalog"), child_result(vectors, "vectors")
                state["fills"].append({"catalog": c, "vectors": v})
                state["documents"] = last
                state_file.write_text(json.dumps(state))
                say(f"catalog + lexical index: +{c['added']:,} chunks", f"{c['catalog_s']:.0f} s "
                    f"({c['added'] / c['catalog_s']:.0f} chunks/s), peak RSS {c['rss_mb']:.0f} MB")
                say(f"vectors to the Chroma server: +{v['sent']:,}", f"{v['vectors_s']:.0f} s "
                    f"({v['sent'] / v['vectors_s']:.0f} vectors/s), peak RSS {v['rss_mb']:.0f} MB")
            elif last < state["documents"]:
                continue  # the kept index is bigger than this stage
            council = council_names(args.councils)[7]
            search = subprocess.run([sys.executable, __file__, "_child", "search",
                                     json.dumps({"home": str(home), "url": url, "council": council,
                                                 "rounds": args.rounds})], capture_output=True, text=True)
            if search.returncode != 0:
                raise RuntimeError(f"search failed:\n{search.stderr[-3000:]}")
            s = json.loads(search.stdout.strip().splitlines()[-1])
            s["server_rss_mb"] = server_peak_mb(server)
            results["stages"].append(s)
            print(f"\nSearch at {s['chunks']:,} chunks ({s['queries']} queries, k=10; question vectors cached; "
                  f"{s['vectors']:,} vectors on the server; load average {os.getloadavg()[0]:.1f})")
            say("the first search (the server reads its HNSW index; then one untimed pass)",
                f"{s['first_search_s'] * 1000:.0f} ms")
            for label, name in (("no filter", "plain"), ("one council", "council"),
                                ("one council + theme 4", "council_theme")):
                say(f"hybrid search p50 / p95, {label}", "{:.0f} / {:.0f} ms".format(*s[f"{name}_search"]))
                say("  dense part (Chroma server) / lexical part (catalog BM25), p50 / p95",
                    "{:.0f} / {:.0f} ms, {:.0f} / {:.0f} ms".format(*s[f"{name}_dense"], *s[f"{name}_lexical"]))
            say("search process peak RSS / Chroma server peak RSS so far",
                f"{s['rss_mb']:.0f} MB / {s['server_rss_mb']:.0f} MB")
            results["fills"] = state["fills"]
            if args.json:
                args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        results["server_rss_mb"], results["server_cpu_s"] = server_peak_mb(server), server_cpu_s(server)
    finally:
        stop_server(server, 60)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    finish(results, began, args.json)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        print(json.dumps(PHASES[sys.argv[2]](**json.loads(sys.argv[3]))))
    else:
        main()
