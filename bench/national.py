"""A national index: 400 councils x 6 documents, vectors on a Chroma server.

    .venv/bin/python bench/national.py                  # ~1 h on 2 cores (compare: see below)
    .venv/bin/python bench/national.py --no-compare     # ~15 min
    .venv/bin/python bench/national.py --councils 40    # a smoke run
    .venv/bin/python bench/national.py --json bench/national.json

SYNTHETIC: England has ~300 councils with a published plan, and this repository ships
five councils' documents. The corpus is made from those seed documents (bench/synthetic.py):
each chunk is a passage of seed sentences with the seed councils' place names replaced by
the council's own (generated) name. ``--distinct`` passages are embedded for real; every
other chunk reuses one of those vectors with a little noise, so that the server holds
400 x 6 x ``--chunks`` distinct points. The lexical index sees every chunk's own text.

Figures, each phase in its own process (so its peak RSS is its own):
- ingest rate: the real ingest (load, chunk, embed, catalog, lexical, Chroma server, and the
  sentence vectors answers need) of ``--subset`` real Markdown files, in chunks/s, as a share
  of the raw embedder on the same chunk texts; and as a share of the raw embedder on all the
  texts ingest embeds (chunks and sentences): what the pipeline costs beyond embedding;
- building the national index through the product's own store and catalog;
- hybrid search p50/p95 (no filter; one council; one council and a theme);
- `assistant ask` across all councils (fresh CLI process): first, then repeated;
- `assistant compare` over all councils (fresh CLI process): first run (every document read),
  re-run (all cached), and after the added plan (that plan read);
- `assistant ingest` of one more plan into the national index (a fresh CLI process);
- the Chroma server's own peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import synthetic  # noqa: E402
from bench.run import machine  # noqa: E402

BIN = Path(sys.executable).parent
KINDS = ("plan", "corporate-plan", "minutes", "report", "draft", "other")  # one of each per council
ADDED = "Quillbury District Council"  # the plan added last: a place no generated name shares
RESULTS: dict = {}


def council_names(count: int) -> list[str]:
    """``count`` distinct council names: synthetic.councils(), then joint councils."""
    names = synthetic.councils(min(count, 325))
    places = [n.split()[0] for n in names]
    rng = random.Random(11)
    while len(names) < count:
        joint = f"{rng.choice(places)} and {rng.choice(places)}"
        name = f"{joint} {rng.choice(synthetic.TYPES)}"
        if joint.split(" and ")[0] != joint.split(" and ")[1] and name not in names:
            names.append(name)
    return names


def say(label: str, value: str) -> None:
    print(f"  {label:<62} {value}", flush=True)


def pct(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


# --- child processes ----------------------------------------------------------------------
def child(phase: str, **args) -> dict:
    """Run one phase in a fresh process; its figures come back as JSON, with its peak RSS."""
    done = subprocess.run([sys.executable, __file__, "_child", phase, json.dumps(args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli(*args: str) -> dict:
    """A fresh `assistant` process: wall s, CPU s, peak RSS MB."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen([str(BIN / "assistant"), *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise RuntimeError(f"assistant {' '.join(args)} failed: {err.read().decode()[-2000:]}")
        out.seek(0)
        return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
                "stdout": out.read().decode()}


def _peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase_ingest(home: str, url: str, files: list[str]) -> dict:
    from assistant.index import open_index
    from assistant.index.embeddings import get_embedder
    from assistant.index.vector_cache import answer_texts, guidance_texts
    from assistant.ingest import IngestItem, ingest
    from assistant.models import DocumentMeta
    from assistant.settings import load_settings

    class Timeline:  # time spent embedding sentences, from ingest's progress
        def __init__(self):
            self.preparing, self.since = 0.0, None

        def start(self, files): ...

        def file(self, path): self.close()

        def advance(self, label=None): self.close()

        def describe(self, label):
            self.close()
            if label.endswith("embedding sentences"):
                self.since = time.perf_counter()

        def close(self):
            if self.since is not None:
                self.preparing += time.perf_counter() - self.since
                self.since = None

    settings = load_settings(home, chroma_url=url)
    get_embedder(settings).embed_documents(["warm up"] * 64)  # the model loaded, as in any run past the first file
    timeline = Timeline()
    start = time.perf_counter()
    items = [IngestItem(Path(f), DocumentMeta(council=council, kind=kind), {"council", "kind"})
             for f, council, kind in files]
    results = ingest(settings, items, timeline)
    seconds = time.perf_counter() - start
    assert all(r.status == "added" for r in results), [r.message for r in results]
    index = open_index(settings)
    chunks = list(index.catalog.iter_chunks())
    index.close()
    embedder = get_embedder(settings)
    start = time.perf_counter()
    embedder.embed_documents([c.embedding_text() for c in chunks])
    raw_chunks = time.perf_counter() - start
    sentences = list(dict.fromkeys(answer_texts(chunks) + guidance_texts(settings)))  # what prepare_answers embeds
    start = time.perf_counter()
    embedder.embed_documents(sentences)
    raw_sentences = time.perf_counter() - start
    return {"chunks": len(chunks), "sentences": len(sentences), "ingest_s": seconds, "preparing_s": timeline.preparing,
            "raw_chunks_s": raw_chunks, "raw_sentences_s": raw_sentences, "rss_mb": _peak_rss(), "cpu_s": _cpu()}


def phase_build(home: str, url: str, councils: int, chunks: int, distinct: int) -> dict:
    import numpy as np

    from assistant.index import open_index
    from assistant.index.embeddings import embedder_name, get_embedder
    from assistant.ingest.chunking import CHUNKER_VERSION
    from assistant.models import Chunk, Document
    from assistant.settings import load_settings

    settings = load_settings(home, chroma_url=url)
    base = synthetic.passages(distinct)
    start = time.perf_counter()
    vectors = np.asarray(get_embedder(settings).embed_documents(base), dtype=np.float32)
    embed_s = time.perf_counter() - start
    rng = random.Random(5)
    index = open_index(settings)
    index.catalog.set_meta("embedder", embedder_name(get_embedder(settings)))
    index.catalog.set_meta("chunker", CHUNKER_VERSION)
    timings = {"vectors_s": 0.0, "catalog_s": 0.0}
    for n, council in enumerate(council_names(councils)):
        for kind in KINDS:
            doc_id = f"nat{n:04d}{kind[:4]}"
            title = f"{council} {kind.replace('-', ' ')} 2024"
            document = Document(id=doc_id, source=f"/national/{doc_id}.md", title=title, council=council, kind=kind,
                                date="2024-07-01", pages=chunks // 3, chunks=chunks,
                                ingested_at="2024-07-01T00:00:00+00:00")
            rows = [rng.randrange(distinct) for _ in range(chunks)]
            doc_chunks = [Chunk(id=f"{doc_id}-{p:05d}", document_id=doc_id, position=p,
                                text=synthetic.rename(base[b], council), page=1 + p // 3,
                                section=f"Theme {1 + p % 4}", themes=sorted(rng.sample(range(1, 5), rng.randint(1, 2))),
                                council=council, kind=kind, title=title, source=document.source, date=document.date)
                          for p, b in enumerate(rows)]
            start = time.perf_counter()
            index.store.upsert(doc_chunks, synthetic.noisy(vectors, rows, seed=n).tolist())
            timings["vectors_s"] += time.perf_counter() - start
            start = time.perf_counter()
            index.catalog.replace_document(document, doc_chunks)
            timings["catalog_s"] += time.perf_counter() - start
    total = index.catalog.count_chunks()
    index.close()
    return {"chunks": total, "embed_distinct_s": embed_s, **timings, "rss_mb": _peak_rss(), "cpu_s": _cpu()}


def phase_search(home: str, url: str, council: str) -> dict:
    from assistant.index import open_index
    from assistant.models import Filters
    from assistant.settings import load_settings
    from bench.run import queries

    index = open_index(load_settings(home, chroma_url=url))
    questions = queries()
    index.search(questions[0], Filters(), k=10)  # warm: model, connections
    for q in questions:  # the question vectors, cached: the figures are the search itself
        index.embedder.embed_query(q)
    plain, one, themed = [], [], []
    for q in questions:
        for filters, times in ((Filters(), plain), (Filters(councils=[council]), one),
                               (Filters(councils=[council], themes=[4]), themed)):
            start = time.perf_counter()
            index.search(q, filters, k=10)
            times.append(time.perf_counter() - start)
    index.close()
    return {"queries": len(questions), "plain_ms": pct(plain), "council_ms": pct(one), "council_theme_ms": pct(themed),
            "rss_mb": _peak_rss(), "cpu_s": _cpu()}


def run_child_phase(phase: str, args: dict) -> None:
    result = {"ingest": phase_ingest, "build": phase_build, "search": phase_search}[phase](**args)
    print(json.dumps(result))


# --- the Chroma server ----------------------------------------------------------------------
def start_server(data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = data.parent / "chroma.log"
    server = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(data), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                return server, url
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"chroma run exited: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"chroma run did not answer on {url}")


def server_cpu_s(server: subprocess.Popen) -> float:
    try:
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        return float("nan")


def server_peak_mb(server: subprocess.Popen) -> float:
    try:
        for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def write_plans(folder: Path, names: list[str], chunks: int, seed: int) -> list[Path]:
    """Markdown documents (one per council and kind) of distinct seed passages under headings."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = iter(synthetic.passages(len(names) * chunks, seed=seed))
    paths = []
    for council, kind in names:
        body = "\n\n".join(f"## Theme {1 + j % 4}\n\n{synthetic.rename(next(texts), council)}" for j in range(chunks))
        path = folder / f"{council.split()[0].lower()}-{kind}.md"
        path.write_text(f"# {council} {kind.replace('-', ' ')} 2024\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--chunks", type=int, default=40, help="chunks per synthetic document")
    parser.add_argument("--distinct", type=int, default=1000, help="passages embedded for real")
    parser.add_argument("--subset", type=int, default=12, help="real files through the real ingest")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-compare", dest="compare", action="store_false",
                        help="skip `assistant compare` over all councils (its first run reads every document)")
    args = parser.parse_args()
    info = machine()
    RESULTS["machine"] = info
    print(f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
          f"{info['system']}; load average at start {info['load_at_start']:.1f}")
    print(f"SYNTHETIC corpus: {args.councils} councils x {len(KINDS)} documents x {args.chunks} chunks, from the "
          f"shipped seed documents with council names substituted; {args.distinct} passages embedded for real.")
    work = Path(tempfile.mkdtemp(prefix="plan-assistant-national-"))
    server, url = start_server(work / "chroma")
    began = time.perf_counter()
    try:
        names = council_names(args.councils) + [ADDED]
        print(f"\nIngest ({args.subset} real Markdown files of ~{args.chunks} passages; vectors on the server)")
        subset = [(names[i // len(KINDS)], KINDS[i % len(KINDS)]) for i in range(args.subset)]
        files = write_plans(work / "subset", subset, args.chunks, seed=4)
        r = child("ingest", home=str(work / "subset-home"), url=url,
                  files=[(str(f), council, kind) for f, (council, kind) in zip(files, subset)])
        rate = r["chunks"] / r["ingest_s"]
        say(f"ingest of {r['chunks']} chunks ({r['sentences']} sentence texts)",
            f"{r['ingest_s']:.1f} s, {rate:.1f} chunks/s, peak RSS {r['rss_mb']:.0f} MB (process CPU {r['cpu_s']:.0f} s)")
        say("  of which embedding sentences for answers", f"{r['preparing_s']:.1f} s")
        say("raw embedder on the same chunk texts", f"{r['raw_chunks_s']:.1f} s, {r['chunks'] / r['raw_chunks_s']:.1f} chunks/s")
        say("ratio ingest / raw embedder, chunk texts (the issue's measure)", f"{r['raw_chunks_s'] / r['ingest_s']:.2f}")
        raw_all = r["raw_chunks_s"] + r["raw_sentences_s"]
        say("ratio ingest / raw embedder on all it embeds (chunks + sentences)", f"{raw_all / r['ingest_s']:.2f}")
        RESULTS["ingest"] = {**r, "ratio_chunks": r["raw_chunks_s"] / r["ingest_s"], "ratio_all": raw_all / r["ingest_s"]}

        home = work / "national-home"
        print(f"\nNational index ({args.councils} councils x {len(KINDS)} documents)")
        b = child("build", home=str(home), url=url, councils=args.councils, chunks=args.chunks, distinct=args.distinct)
        say(f"{b['chunks']} chunks: embed {args.distinct} passages / vectors to server / catalog+lexical",
            f"{b['embed_distinct_s']:.0f} s / {b['vectors_s']:.0f} s / {b['catalog_s']:.0f} s, peak RSS {b['rss_mb']:.0f} MB "
            f"(process CPU {b['cpu_s']:.0f} s)")
        RESULTS["build"] = b

        s = child("search", home=str(home), url=url, council=names[min(7, args.councils - 1)])
        for label, key in (("no filter", "plain_ms"), ("one council", "council_ms"), ("one council + theme 4", "council_theme_ms")):
            say(f"hybrid search p50 / p95, {label} ({s['queries']} queries, k=10)", "{:.0f} / {:.0f} ms".format(*s[key]))
        say("search process peak RSS", f"{s['rss_mb']:.0f} MB")
        RESULTS["search"] = s

        print("\nCLI against the national index (fresh process each)")
        common = ["--home", str(home), "--chroma-url", url]
        asks = [cli(*common, "ask", "What barriers did peer councils cite?", "--json") for _ in range(2)]
        assert json.loads(asks[0]["stdout"])["citations"], "the national ask found nothing"
        for label, a in zip(("first: sentences not yet embedded", "repeated"), asks):
            say(f"ask across all councils, {label}", f"{a['wall_s']:.1f} s ({a['cpu_s']:.1f} s CPU), "
                f"peak RSS {a['rss_mb']:.0f} MB")
        compares = []
        if args.compare:
            for label in ("first run: every document read", "re-run: every document cached"):
                c = cli(*common, "compare", "--json")
                rows = json.loads(c["stdout"])["councils"]
                say(f"compare over all {len(rows)} councils, {label}", f"{c['wall_s']:.1f} s ({c['cpu_s']:.1f} s CPU), "
                    f"peak RSS {c['rss_mb']:.0f} MB")
                compares.append(c)
        one = write_plans(work / "one-more", [(names[args.councils], "plan")], args.chunks, seed=9)[0]
        add = cli(*common, "ingest", str(one), "--council", names[args.councils], "--kind", "plan", "--json")
        say(f"ingest one more plan ({args.chunks} passages) into the national index",
            f"{add['wall_s']:.1f} s ({add['cpu_s']:.1f} s CPU), peak RSS {add['rss_mb']:.0f} MB")
        found = cli(*common, "ask", "What barriers did Quillbury cite?", "--json")
        say("...and it answers about the new council at once", "yes" if names[args.councils] in found["stdout"] else "NO")
        if args.compare:
            c = cli(*common, "compare", "--json")
            rows = json.loads(c["stdout"])["councils"]
            say(f"...then compare over all {len(rows)} councils (the new plan read)",
                f"{c['wall_s']:.1f} s ({c['cpu_s']:.1f} s CPU), peak RSS {c['rss_mb']:.0f} MB")
            compares.append(c)
        RESULTS["cli"] = {"ask": [{k: v for k, v in a.items() if k != "stdout"} for a in asks],
                          "compare": [{k: v for k, v in c.items() if k != "stdout"} for c in compares],
                          "add_one": {k: v for k, v in add.items() if k != "stdout"}}
        say("Chroma server peak RSS / CPU", f"{server_peak_mb(server):.0f} MB / {server_cpu_s(server):.0f} s")
        RESULTS["server_rss_mb"], RESULTS["server_cpu_s"] = server_peak_mb(server), server_cpu_s(server)
        cpu = sum(RESULTS[k]["cpu_s"] for k in ("ingest", "build", "search")) + RESULTS["server_cpu_s"] + \
            sum(a["cpu_s"] for a in asks + compares) + add["cpu_s"] + found["cpu_s"]
        RESULTS["cpu_s"] = cpu
        say("CPU time of all its processes (idle 2 cores: wall between this / 2 and this)", f"{cpu / 60:.1f} min")
    finally:
        stop_server(server, 20)
        shutil.rmtree(work, ignore_errors=True)
    finish(RESULTS, began, args.json)


def stop_server(server: subprocess.Popen, timeout: float) -> None:
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()


def finish(results: dict, began: float, out: Path | None) -> None:
    """Total time and the load at the end printed; the results written to ``out`` if given."""
    results["total_s"] = time.perf_counter() - began
    results["machine"]["load_at_end"] = os.getloadavg()[0]
    print(f"\nTotal {results['total_s'] / 60:.1f} min; load average at end {results['machine']['load_at_end']:.1f}")
    if out:
        out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        run_child_phase(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
