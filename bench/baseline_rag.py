"""The tutorial LangChain RAG beside ours, on the TEST split (eval/datasets/test.jsonl).

    .venv/bin/python bench/baseline_rag.py                    # test split, prints both columns
    .venv/bin/python bench/baseline_rag.py --dataset eval/datasets/dev.jsonl --json out.json

The baseline is LangChain's RAG tutorial as written: the same pages our loaders read from
the evaluation corpus (shipped corpus, eval/plans, ../shared/dev-corpus), cut by
``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``, embedded by the
same MiniLM embedder (``assistant.index.embeddings``), stored in Chroma through
``langchain_chroma.Chroma`` (default settings) and searched dense top-4 per question.

Figures, for both (definitions in assistant/evaluation/metrics.py):
- context fact recall at equal context size: gold facts verbatim in the baseline's 4
  chunks, and in our retrieved passages cut to the same number of characters;
- answer fact recall (offline judge): ours is the extractive answer; the baseline has no
  model offline, so its "answer" is its whole retrieved context (a reader that repeats
  everything it was given: generous to the baseline);
- point precision (the calibrated point judge): ours over the answer's cited points; the
  baseline's points are the sentences of its context;
- refusal of unanswerable questions and false refusals: the baseline always answers;
- councils exactness and trap pass, as the eval defines them (the baseline's "cited"
  passages are its 4 chunks).
Not part of the test suite: it takes minutes, and the figures depend on the pipeline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import machine  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHUNK_SIZE, CHUNK_OVERLAP, TOP_K = 1000, 200, 4  # the tutorial's values


def baseline_store(directory: Path, embedder):
    """The tutorial's index: every loaded page, split, embedded, in Chroma."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.evaluation.corpus import eval_entries, pages_of

    entries, notes = eval_entries()
    pages = [Document(page_content=text, metadata={"source": name, "page": n, "council": entry.meta.council or ""})
             for name, entry in entries for n, text in enumerate(pages_of(str(entry.path)), start=1) if text.strip()]
    splits = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                            add_start_index=True).split_documents(pages)
    store = Chroma(collection_name="tutorial", embedding_function=embedder, persist_directory=str(directory))
    store.add_documents(splits)
    return store, len(pages), len(splits), notes


def baseline_points(chunks) -> list[tuple[str, str]]:
    """(sentence, council) of each sentence of the retrieved chunks."""
    from assistant.text.sentences import sentence_spans

    return [(d.page_content[s:e], d.metadata["council"]) for d in chunks for s, e in sentence_spans(d.page_content)]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=REPO / "eval" / "datasets" / "test.jsonl")
    parser.add_argument("--out", type=Path, default=REPO / "eval" / "results",
                        help="where our eval index lives (<out>/index-eval, shared with assistant eval)")
    parser.add_argument("--json", type=Path, help="also write every figure and per-item result here")
    args = parser.parse_args(argv)

    from assistant.ask import answer as compose
    from assistant.evaluation import metrics as m
    from assistant.evaluation.corpus import eval_pages, ingest_eval_corpus
    from assistant.evaluation.dataset import gold_problems, load_items
    from assistant.evaluation.judges import OfflineJudge
    from assistant.evaluation.points import PointJudge
    from assistant.evidence.question import resolve_filters
    from assistant.index.embeddings import MiniLMEmbeddings
    from assistant.settings import load_settings
    from assistant.workspace import open_workspace

    info = machine()
    print(f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
          f"{info['system']}, load {info['load_at_start']:.1f} at start", flush=True)
    items = load_items(args.dataset)
    pages = eval_pages()
    items = [i for i in items if all(d in pages for d, _ in i.gold_sources)]
    problems = gold_problems(items, pages)
    if problems:
        sys.exit(f"{args.dataset}: gold labels do not match the corpus, e.g. {problems[0]}")
    embedder = MiniLMEmbeddings()
    started = time.perf_counter()
    home = args.out / "index-eval"
    notes = ingest_eval_corpus(home)
    print(f"Our index: {home} ({time.perf_counter() - started:.0f} s to check or build)", flush=True)
    with tempfile.TemporaryDirectory(prefix="baseline-rag-") as tmp:
        started = time.perf_counter()
        store, n_pages, n_chunks, _ = baseline_store(Path(tmp), embedder)
        print(f"Baseline index: {n_pages} pages -> {n_chunks} chunks of <= {CHUNK_SIZE} characters "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        settings = load_settings(home).model_copy(update={"chroma_url": None})
        ws = open_workspace(settings)
        try:
            judge, point_judge = OfflineJudge(ws.index.embedder), PointJudge(ws.index.embedder)
            rows = [score(item, store, ws, judge, point_judge, compose, resolve_filters, m) for item in items]
        finally:
            ws.close()
    figures = summarise(rows, m)
    print_table(figures, len(items), args.dataset, notes)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "dataset": str(args.dataset), "figures": figures,
                                         "items": rows}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Written: {args.json}")


def score(item, store, ws, judge, point_judge, compose, resolve_filters, m) -> dict:
    chunks = store.similarity_search(item.question, k=TOP_K)
    base_context = [d.page_content for d in chunks]
    size = sum(len(c) for c in base_context)
    f = item.filters
    filters = resolve_filters(f.get("councils"), f.get("kinds"), f.get("themes"), ws.index.catalog.councils())
    retrieval = ws.evidence.retrieve(item.question, filters)
    answer = compose(ws, retrieval, "extractive")
    ours_context = [h.chunk.text for h in retrieval.hits]
    row = {"id": item.id, "category": item.category, "answerable": item.answerable, "context_chars": size}
    on = lambda point, council, quote, lead_in="": point_judge.on_topic(item, point, council, quote,  # noqa: E731
                                                                       lead_in)
    base_points = baseline_points(chunks)
    statements = [] if answer.refused else m.answer_statements(answer.answer)
    by_n = {c.n: c for c in answer.citations}
    ours_points = [(s.text, by_n[s.citations[0]].council if s.citations[0] in by_n else "",
                    by_n[s.citations[0]].quote if s.citations[0] in by_n else "", s.context)
                   for s in m.answer_points(statements)]  # (a list item read under its lead-in, as the eval does)
    base_councils = sorted({d.metadata["council"] for d in chunks})
    for who, context, refused, text, points, councils, quotes in (
            ("baseline", base_context, False, "\n\n".join(base_context), [(p, c, p) for p, c in base_points],
             base_councils, base_context),
            ("ours", ours_context, answer.refused, answer.answer, ours_points,
             sorted({c.council for c in answer.citations}), [c.quote for c in answer.citations])):
        row[who] = {
            "context_recall_equal": m.context_fact_recall_at(item.gold_facts, context, size) if item.answerable else None,
            "fact_recall": (0.0 if refused else m.fact_recall(item.gold_facts, text, judge.supports))
            if item.answerable else None,
            "point_precision": m.point_precision([on(*p) for p in points])
            if item.answerable and not refused and item.relevant else None,
            "refused": refused,
            "councils_exact": m.councils_exact(item.councils, councils, refused) if item.answerable else None,
            "trap_pass": m.trap_passed(refused, item.forbidden, quotes) if item.trap else None,
        }
    return row


def summarise(rows: list[dict], m) -> dict:
    figures = {}
    for who in ("baseline", "ours"):
        answerable = [r[who] for r in rows if r["answerable"]]
        unanswerable = [r[who] for r in rows if not r["answerable"]]
        figures[who] = {key: m.mean(r[who][key] for r in rows)
                        for key in ("context_recall_equal", "fact_recall", "point_precision", "councils_exact",
                                    "trap_pass")}
        figures[who]["refusal_accuracy"] = m.refusal_accuracy([r["refused"] for r in unanswerable])
        figures[who]["false_refusal_rate"] = m.false_refusal_rate([r["refused"] for r in answerable])
    figures["context_chars_mean"] = m.mean(r["context_chars"] for r in rows)
    return figures


LABELS = [("context_recall_equal", "Context fact recall, equal context size"), ("fact_recall", "Answer fact recall"),
          ("point_precision", "Point precision"), ("refusal_accuracy", "Refusal of unanswerable"),
          ("false_refusal_rate", "False refusals"), ("councils_exact", "Councils exactness"),
          ("trap_pass", "Trap pass rate")]


def print_table(figures: dict, n: int, dataset: Path, notes: list[str]) -> None:
    print(f"\n{n} questions from {dataset} (context: {figures['context_chars_mean']:.0f} characters on average)")
    for note in notes:
        print(f"Note: {note}")
    print(f"  {'':44} {'tutorial RAG':>13} {'ours':>8} {'ours - tutorial':>16}")
    for key, label in LABELS:
        a, b = figures["baseline"][key], figures["ours"][key]
        fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        delta = f"{b - a:+.3f}" if a is not None and b is not None else "–"
        print(f"  {label:44} {fmt(a):>13} {fmt(b):>8} {delta:>16}")


if __name__ == "__main__":
    main(sys.argv[1:])
