"""`assistant eval`: the real `ask` pipeline over a dataset, scored item by item.

For each item: ``answer.ask`` (timed: the latency), then ``answer.retrieve`` again for the
passages the answer was composed from (retrieval is deterministic), then every metric of
``metrics.py`` with the chosen judge. Gap-check cases (the gap check's own labelled
drafts, eval/datasets/gaps.jsonl) are run through ``gaps.check``; the judge itself is
scored on the hand-labelled pairs. The result is one JSON-ready dict.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from assistant.evaluation import metrics as m
from assistant.evaluation.dataset import GapCase, Item, Pair

K = 10  # retrieval recall@K
Progress = Callable[[int, int, str], None]  # (done, total, label)


def default_dataset_dir() -> Path:
    """eval/datasets of the source checkout (the datasets do not ship in the wheel)."""
    from assistant.errors import UserError
    from assistant.resources import resource_dir

    try:
        return resource_dir("eval") / "datasets"
    except FileNotFoundError:
        raise UserError("the evaluation datasets come with Plan Assistant's source checkout (eval/datasets/); "
                        "run from a checkout, or give --dataset FILE.jsonl.") from None


def default_results_dir() -> Path:
    from assistant.resources import resource_dir

    try:
        return resource_dir("eval") / "results"
    except FileNotFoundError:
        return Path.cwd() / "eval-results"


def prepare_home(home: Path, progress: Progress | None = None) -> None:
    """Index the shipped corpus into ``home`` (files already indexed are skipped)."""
    from assistant.errors import UserError
    from assistant.ingest import IngestItem, Progress as IngestProgress, ingest
    from assistant.ingest.metadata import read_manifest
    from assistant.resources import corpus_dir
    from assistant.settings import load_settings

    entries = read_manifest(corpus_dir() / "manifest.toml")

    class Ticks(IngestProgress):
        done = 0

        def advance(self) -> None:
            self.done += 1
            if progress:
                progress(self.done, len(entries), "indexing the shipped corpus")

    home.mkdir(parents=True, exist_ok=True)
    items = [IngestItem(e.path, e.meta, set(e.meta.model_fields_set)) for e in entries]
    failed = [r for r in ingest(load_settings(home), items, progress=Ticks()) if r.status == "failed"]
    if failed:
        raise UserError(f"cannot index the shipped corpus into {home}: {failed[0].path}: {failed[0].message}")


def preflight(settings, judge_kind: str, llm: str | None) -> None:
    """Fail before any work if a backend the run needs is unknown or not configured."""
    from assistant.errors import UserError
    from assistant.generate.chat import chat_model

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
             dataset: str = "") -> dict:
    """Run and score everything; ``settings.home`` must hold the indexed shipped corpus."""
    from assistant.evaluation.judges import make_judge
    from assistant.index import open_index

    backend = llm or settings.llm
    tick = progress or (lambda done, total, label: None)
    total = len(items) + len(gap_cases) + 1
    index = open_index(settings)
    try:
        judge = make_judge(judge_kind, settings, index.embedder, judge_backend(backend))
        index.embedder.embed_query("warm up")  # the model loads here, not in the first item's latency
        results = []
        for done, item in enumerate(items):
            tick(done, total, item.id)
            results.append(score_item(settings, index, item, judge, backend))
    finally:
        index.close()
    gaps = score_gaps(settings, gap_cases, llm, lambda i, label: tick(len(items) + i, total, label))
    tick(total - 1, total, "judge agreement")
    agreement = judge_agreement(pairs, judge) if pairs else None
    tick(total, total, "done")
    return {
        "version": 1,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": dataset,
        "backend": backend,
        "judge": judge_kind,
        "k": K,
        "summary": summarise(results, gaps, agreement),
        "by_category": {c: summarise([r for r in results if r["category"] == c])
                        for c in dict.fromkeys(r["category"] for r in results)},
        "judge_agreement": agreement,
        "gaps": gaps,
        "items": results,
    }


def score_item(settings, index, item: Item, judge, backend: str) -> dict:
    from assistant.answer import ask, retrieve
    from assistant.question import resolve_filters

    f = item.filters
    filters = resolve_filters(f.get("councils"), f.get("kinds"), f.get("themes"), index.catalog.councils())
    started = time.perf_counter()
    answer = ask(settings, item.question, filters, llm=backend)
    latency = time.perf_counter() - started
    hits = retrieve(index, item.question, filters).hits
    context = [h.chunk.text for h in hits]
    retrieved = [(Path(h.chunk.source).name, h.chunk.page) for h in hits]
    texts = {h.chunk.id: h.chunk.text for h in hits}
    cited = {}  # ALCE judges the cited passage: the whole chunk a citation points to
    for c in answer.citations:
        chunk = texts.get(c.chunk_id) or getattr(index.chunk(c.chunk_id), "text", None)
        cited[c.n] = chunk or c.quote
    statements = [] if answer.refused else m.answer_statements(answer.answer)
    claims = judge.claims([s.text for s in statements], item.question)
    judge.prefetch(claims + item.gold_facts, context)
    supports = judge.supports
    scores = {
        f"source_recall@{K}": m.source_recall_at_k(item.gold_sources, retrieved, K) if item.answerable else None,
        "context_recall": m.context_claim_recall(item.gold_facts, context, supports) if item.answerable else None,
        "fact_recall": (0.0 if answer.refused else m.fact_recall(item.gold_facts, answer.answer, supports))
        if item.answerable else None,
        "faithfulness": m.faithfulness(claims, context, supports),
        "citation_recall": m.citation_recall(statements, cited, supports),
        "citation_precision": m.citation_precision(statements, cited, supports),
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


def summarise(results: list[dict], gaps: dict | None = None, agreement: dict | None = None) -> dict:
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
    return summary


def run(dataset: Path | None = None, out_dir: Path | None = None, judge_kind: str = "offline",
        llm: str | None = None, progress: Progress | None = None, **overrides) -> dict:
    """What `assistant eval` does: index the shipped corpus into ``out_dir``/index (never the
    user's index), read the dataset and, beside it, judge_pairs.jsonl and gaps.jsonl when
    present, and evaluate. ``overrides`` are settings (model, openai_base_url)."""
    from assistant.evaluation.dataset import corpus_pages, gold_problems, load_gap_cases, load_items, load_pairs
    from assistant.errors import UserError
    from assistant.settings import load_settings

    dataset = Path(dataset or default_dataset_dir() / "qa.jsonl")
    items = load_items(dataset)
    wrong = gold_problems(items, corpus_pages())
    if wrong:
        raise UserError(f"{dataset}: {len(wrong)} gold label(s) do not match the shipped corpus, e.g. {wrong[0]}. "
                        "Gold facts must be verbatim on their gold pages.")
    pairs_file, gaps_file = dataset.parent / "judge_pairs.jsonl", dataset.parent / "gaps.jsonl"
    pairs = load_pairs(pairs_file) if pairs_file.is_file() else []
    gap_cases = load_gap_cases(gaps_file) if gaps_file.is_file() else []
    home = Path(out_dir or default_results_dir()) / "index"
    settings = load_settings(home, llm=llm, **overrides).model_copy(update={"chroma_url": None})
    preflight(settings, judge_kind, llm)
    prepare_home(home, progress)
    result = evaluate(settings, items, judge_kind, llm, pairs, gap_cases, progress, dataset=str(dataset))
    result["home"] = str(home)
    return result
