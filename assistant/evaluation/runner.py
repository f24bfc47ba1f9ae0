"""`assistant eval`: the real `ask` pipeline over a dataset, scored item by item.

For each item: the evidence engine retrieves and the backend answers (timed together:
the latency), then every metric of ``metrics.py`` with the chosen judge, and for the
dev/test format (items with ``relevant`` descriptors) point precision with the point
judge (``points.py``). Gap-check cases (the gap check's own labelled drafts,
eval/datasets/gaps.jsonl) are run through ``gaps.check``; the judges themselves are scored
on their hand labels. The result is one JSON-ready dict.

Which corpus: a dataset whose gold sources are all in the shipped corpus (qa.jsonl) is
run on an index of the shipped corpus, ``<out>/index``; one that names ``plans/`` or
``dev-corpus/`` documents (dev.jsonl, test.jsonl) on an index of the whole evaluation
corpus (``corpus.py``), ``<out>/index-eval``. Both are kept between runs: a second run only
checks that nothing changed.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from assistant.evaluation import metrics as m
from assistant.evaluation.dataset import default_dataset_dir, GapCase, Item, Pair

K = 10  # retrieval recall@K
# The tutorial baseline's context (bench/baseline_rag.py): 4 passages of at most 1,000 characters.
CONTEXT_CHARS = 4000
Progress = Callable[[int, int, str], None]  # (done, total, label)


def default_results_dir() -> Path:
    from assistant.resources import resource_dir

    try:
        return resource_dir("eval") / "results"
    except FileNotFoundError:
        return Path.cwd() / "eval-results"


def prepare_home(home: Path, progress: Progress | None = None) -> None:
    """Index the shipped corpus into ``home`` (files already indexed are skipped)."""
    from assistant.evaluation.corpus import index_entries
    from assistant.ingest.metadata import read_manifest
    from assistant.resources import corpus_dir

    index_entries(home, read_manifest(corpus_dir() / "manifest.toml"), "the shipped corpus", progress)


def preflight(settings, judge_kind: str, llm: str | None) -> None:
    """Fail before any work if a backend the run needs is unknown or not configured."""
    from assistant.errors import UserError
    from assistant.generate.backends.openai import chat_model

    if judge_kind not in ("offline", "llm"):
        raise UserError(f"unknown --judge '{judge_kind}'. Use offline (no model needed) or llm (the chat model).")
    backend = llm or settings.llm
    needed = {backend} | ({judge_backend(backend)} if judge_kind == "llm" else set())
    for name in sorted(needed - {"extractive"}):
        chat_model(settings, name)


def judge_backend(answer_backend: str) -> str:
    """The chat model an LLM judge uses: the answers' own, or openai for extractive answers."""
    return "openai" if answer_backend == "extractive" else answer_backend


def evaluate(settings, items: list[Item], judge_kind: str = "offline", llm: str | None = None,
             pairs: list[Pair] = (), gap_cases: list[GapCase] = (), progress: Progress | None = None,
             dataset: str = "", point_labels: tuple[list[dict], dict] | None = None) -> dict:
    """Run and score everything; ``settings.home`` must hold the indexed corpus the items
    are about. ``point_labels`` (the hand-labelled points and {item id: Item}) scores the
    point judge."""
    from assistant.evaluation.judges import make_judge
    from assistant.evaluation.points import PointJudge, judge_agreement as point_agreement
    from assistant.workspace import open_workspace

    backend = llm or settings.llm
    tick = progress or (lambda done, total, label: None)
    total = len(items) + len(gap_cases) + 1
    ws = open_workspace(settings)
    index = ws.index
    try:
        judge = make_judge(judge_kind, settings, index.embedder, judge_backend(backend))
        point_judge = PointJudge(index.embedder) if any(i.relevant for i in items) else None
        index.embedder.embed_query("warm up")  # the model loads here, not in the first item's latency
        results = []
        for done, item in enumerate(items):
            tick(done, total, item.id)
            results.append(score_item(ws, item, judge, backend, point_judge))
        tick(total - 1, total, "judge agreement")
        points = point_agreement(*point_labels, index.embedder) if point_labels else None
    finally:
        ws.close()
    gaps = score_gaps(settings, gap_cases, llm, lambda i, label: tick(len(items) + i, total, label))
    agreement = judge_agreement(pairs, judge) if pairs else None
    tick(total, total, "done")
    return {
        "version": 1,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": dataset,
        "backend": backend,
        "judge": judge_kind,
        "k": K,
        "summary": summarise(results, gaps, agreement, points),
        "by_category": {c: summarise([r for r in results if r["category"] == c])
                        for c in dict.fromkeys(r["category"] for r in results)},
        "judge_agreement": agreement,
        "point_judge_agreement": points,
        "gaps": gaps,
        "items": results,
    }


def score_item(ws, item: Item, judge, backend: str, point_judge=None) -> dict:
    from assistant.ask import answer as compose
    from assistant.evaluation.corpus import gold_key, page_text
    from assistant.evidence.question import resolve_filters

    index = ws.index
    f = item.filters
    filters = resolve_filters(f.get("councils"), f.get("kinds"), f.get("themes"), index.catalog.councils())
    started = time.perf_counter()
    retrieval = ws.evidence.retrieve(item.question, filters)
    answer = compose(ws, retrieval, backend)
    latency = time.perf_counter() - started
    hits = retrieval.hits
    context = [h.chunk.text for h in hits]
    gold_documents = [d for d, _ in item.gold_sources]
    retrieved = [(gold_key(h.chunk.source, gold_documents), h.chunk.page) for h in hits]
    chunks = {h.chunk.id: h.chunk for h in hits}
    cited, sources = {}, {}  # ALCE judges the cited passage: the whole chunk a citation points to
    for c in answer.citations:
        chunk = chunks.get(c.chunk_id) or index.chunk(c.chunk_id)
        cited[c.n] = getattr(chunk, "text", None) or c.quote
        sources[c.n] = getattr(chunk, "source", None) or c.source
    statements = [] if answer.refused else m.answer_statements(answer.answer)
    claims = judge.claims([s.text for s in statements], item.question)
    judge.prefetch(claims + item.gold_facts, context)
    supports = judge.supports
    by_n = {c.n: c for c in answer.citations}
    quotes = [(c.quote, page_text(sources[c.n], c.page)) for c in answer.citations]
    points = []
    if point_judge and item.relevant and item.answerable and not answer.refused:
        for s in m.answer_points(statements):
            c = by_n.get(s.citations[0])
            council, quote = (c.council, c.quote) if c else ("", "")
            points.append({"text": s.text, "council": council,
                           "on_topic": point_judge.on_topic(item, s.text, council, quote, s.context)})
    cited_councils = sorted({c.council for c in answer.citations})
    scores = {
        f"source_recall@{K}": m.source_recall_at_k(item.gold_sources, retrieved, K) if item.answerable else None,
        "context_recall": m.context_claim_recall(item.gold_facts, context, supports) if item.answerable else None,
        "context_recall_4000c": m.context_fact_recall_at(item.gold_facts, context, CONTEXT_CHARS)
        if item.answerable else None,
        "fact_recall": (0.0 if answer.refused else m.fact_recall(item.gold_facts, answer.answer, supports))
        if item.answerable else None,
        "point_precision": m.point_precision([p["on_topic"] for p in points]),
        "faithfulness": m.faithfulness(claims, context, supports),
        "citation_recall": m.citation_recall(statements, cited, supports),
        "citation_precision": m.citation_precision(statements, cited, supports),
        "quotes_verbatim": m.quotes_verbatim(quotes),
        "councils_exact": m.councils_exact(item.councils, cited_councils, answer.refused) if item.answerable else None,
        "trap_pass": m.trap_passed(answer.refused, item.forbidden, [c.quote for c in answer.citations])
        if item.trap else None,
    }
    return {
        "id": item.id,
        "category": item.category,
        "question": item.question,
        "answerable": item.answerable,
        "refused": answer.refused,
        "correct_refusal": answer.refused != item.answerable,
        "latency_s": round(latency, 3),
        "scores": scores,
        "missed_facts": list(item.gold_facts) if answer.refused else m.missed_facts(item.gold_facts, answer.answer, supports),
        "unsupported": m.unsupported_claims(claims, context, supports),
        "uncited": [s.text for s in statements if not m.citation_recall([s], cited, supports)],
        "dropped_by_validation": list(answer.unsupported),
        "statements": len(statements),
        "off_topic_points": [p["text"] for p in points if not p["on_topic"]],
        "quotes_not_verbatim": [q for q, page in quotes if not m.quotes_verbatim([(q, page)])],
        "councils_named": list(item.councils),
        "councils_cited": cited_councils,
        "forbidden_cited": [q for q in (c.quote for c in answer.citations)
                            if item.forbidden and not m.trap_passed(False, item.forbidden, [q])],
        "answer": answer.answer,
    }


def score_gaps(settings, cases: list[GapCase], llm: str | None, tick: Callable[[int, str], None]) -> dict | None:
    """Gap-check precision and recall over the labelled drafts: a question (or theme) the
    check reports as partial or missing is a reported gap; the labels say which are."""
    if not cases:
        return None
    import tempfile

    from assistant.gaps import check

    reported, truth, reported_themes, true_themes, per_case = set(), set(), set(), set(), []
    # The statuses depend on the draft alone; an empty main index skips the peer examples,
    # which are not scored and cost most of a check's time.
    with tempfile.TemporaryDirectory(prefix="plan-assistant-eval-gaps-") as empty:
        reports = []
        for i, case in enumerate(cases):
            tick(i, f"gap check {case.id}")
            reports.append(check(settings.model_copy(update={"home": Path(empty)}), case.draft,
                                 council=case.council, llm=llm if llm not in (None, "extractive") else None))
    for case, report in zip(cases, reports):
        found = {q.id: q.status for q in report.questions()}
        themes = {str(t.theme): t.status for t in report.themes}
        case_reported = {q for q in case.questions if found.get(q, "missing") != "covered"}
        case_truth = {q for q, status in case.questions.items() if status != "covered"}
        reported |= {(case.id, q) for q in case_reported}
        truth |= {(case.id, q) for q in case_truth}
        reported_themes |= {(case.id, t) for t in case.themes if themes.get(t, "missing") != "covered"}
        true_themes |= {(case.id, t) for t, status in case.themes.items() if status != "covered"}
        precision, recall = m.precision_recall(case_reported, case_truth)
        per_case.append({"id": case.id, "precision": precision, "recall": recall,
                         "false_gaps": sorted(case_reported - case_truth), "missed_gaps": sorted(case_truth - case_reported)})
    precision, recall = m.precision_recall(reported, truth)
    theme_precision, theme_recall = m.precision_recall(reported_themes, true_themes)
    return {"precision": precision, "recall": recall, "theme_precision": theme_precision, "theme_recall": theme_recall,
            "labelled_questions": sum(len(c.questions) for c in cases), "cases": per_case}


def judge_agreement(pairs: list[Pair], judge) -> dict:
    """The judge's verdicts on the hand-labelled pairs against the labels."""
    for passage in dict.fromkeys(p.passage for p in pairs):  # one request per passage for an LLM judge
        judge.prefetch([p.sentence for p in pairs if p.passage == passage], [passage])
    predicted = [judge.supports(p.sentence, [p.passage]) for p in pairs]
    stats = m.agreement([p.supported for p in pairs], predicted)
    stats["disagreements"] = [p.id for p, said in zip(pairs, predicted) if said != p.supported]
    return stats


def summarise(results: list[dict], gaps: dict | None = None, agreement: dict | None = None,
              points: dict | None = None) -> dict:
    """The headline figures: means over the items each metric applies to."""
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    latencies = [r["latency_s"] for r in results]
    summary = {name: m.mean(r["scores"][name] for r in results) for name in results[0]["scores"]} if results else {}
    summary.update({
        "refusal_accuracy": m.refusal_accuracy([r["refused"] for r in unanswerable]),
        "false_refusal_rate": m.false_refusal_rate([r["refused"] for r in answerable]),
        "latency_p50_s": m.percentile(latencies, 50),
        "latency_p95_s": m.percentile(latencies, 95),
        "items": len(results),
    })
    if gaps:
        summary.update({"gap_precision": gaps["precision"], "gap_recall": gaps["recall"]})
    if agreement:
        summary.update({"judge_accuracy": agreement["accuracy"], "judge_kappa": agreement["kappa"]})
    if points:
        summary.update({"point_judge_accuracy": points["accuracy"], "point_judge_kappa": points["kappa"]})
    return summary


def uses_eval_corpus(items: list[Item]) -> bool:
    """Whether the items' gold sources reach beyond the shipped corpus (plans/, dev-corpus/)."""
    return any("/" in document for item in items for document, _ in item.gold_sources)


def run(dataset: Path | None = None, out_dir: Path | None = None, judge_kind: str = "offline",
        llm: str | None = None, progress: Progress | None = None, **overrides) -> dict:
    """What `assistant eval` does: index the corpus the dataset is about into
    ``out_dir``/index or ``out_dir``/index-eval (never the user's index), read the dataset
    and, beside it, judge_pairs.jsonl and gaps.jsonl (shipped-corpus datasets) or
    point_labels.jsonl (dev/test), and evaluate. ``overrides`` are settings (model,
    openai_base_url)."""
    from assistant.evaluation.corpus import eval_pages, ingest_eval_corpus
    from assistant.evaluation.dataset import corpus_pages, gold_problems, load_gap_cases, load_items, load_pairs
    from assistant.errors import UserError
    from assistant.settings import load_settings

    dataset = Path(dataset or default_dataset_dir() / "qa.jsonl")
    items = load_items(dataset)
    full, notes = uses_eval_corpus(items), []
    pages = eval_pages() if full else corpus_pages()
    if full:
        absent = [i for i in items if any(d not in pages for d, _ in i.gold_sources)]
        if absent and all(d.startswith("dev-corpus/") for i in absent for d, _ in i.gold_sources if d not in pages):
            notes.append(f"{len(absent)} item(s) skipped: their gold sources are in the development corpus "
                         "(../shared/dev-corpus), which is absent.")
            items = [i for i in items if i not in absent]
    wrong = gold_problems(items, pages)
    if wrong:
        raise UserError(f"{dataset}: {len(wrong)} gold label(s) do not match the "
                        f"{'evaluation' if full else 'shipped'} corpus, e.g. {wrong[0]}. "
                        "Gold facts must be verbatim on their gold pages.")
    here = dataset.parent
    pairs = load_pairs(here / "judge_pairs.jsonl") if not full and (here / "judge_pairs.jsonl").is_file() else []
    gap_cases = load_gap_cases(here / "gaps.jsonl") if not full and (here / "gaps.jsonl").is_file() else []
    point_labels = load_point_labels(here, items) if full else None
    home = Path(out_dir or default_results_dir()) / ("index-eval" if full else "index")
    settings = load_settings(home, llm=llm, **overrides).model_copy(update={"chroma_url": None})
    preflight(settings, judge_kind, llm)
    if full:
        notes += ingest_eval_corpus(home, progress)
    else:
        prepare_home(home, progress)
    result = evaluate(settings, items, judge_kind, llm, pairs, gap_cases, progress, dataset=str(dataset),
                      point_labels=point_labels)
    result["home"] = str(home)
    result["notes"] = notes
    return result


def load_point_labels(folder: Path, items: list[Item]) -> tuple[list[dict], dict] | None:
    """point_labels.jsonl beside the dataset, with the items its labels are about (this
    dataset's, and the dev split's: the labels are points of dev answers)."""
    from assistant.evaluation.dataset import load_items
    from assistant.evaluation.points import load_labels

    path = folder / "point_labels.jsonl"
    if not path.is_file():
        return None
    known = {i.id: i for i in items}
    if (folder / "dev.jsonl").is_file():
        known = {i.id: i for i in load_items(folder / "dev.jsonl")} | known
    return load_labels(path), known
