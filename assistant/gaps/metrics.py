"""Precision and recall of the gap check per status, over labelled drafts
(eval/datasets/gaps.jsonl): used by `assistant eval` (assistant/evaluation/runner.py)
and by eval/gaps_eval.py."""

from __future__ import annotations

from assistant.gaps.models import STATUSES


def per_status(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    """{status: {precision, recall, tp, fp, fn}} over (expected, reported) status pairs.
    Precision is None when the check never reported the status, recall when no label has it."""
    result = {}
    for status in STATUSES:
        tp = sum(1 for e, r in pairs if e == status and r == status)
        fp = sum(1 for e, r in pairs if e != status and r == status)
        fn = sum(1 for e, r in pairs if e == status and r != status)
        result[status] = {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
                          "recall": round(tp / (tp + fn), 3) if tp + fn else None,
                          "tp": tp, "fp": fp, "fn": fn}
    return result


def labelled_pairs(labels: dict[str, str], reported: dict[str, str]) -> list[tuple[str, str]]:
    """(expected, reported) for each labelled id; an id the report lacks counts as missing."""
    return [(expected, reported.get(key, "missing")) for key, expected in labels.items()]


def score_report(question_labels: dict[str, str], theme_labels: dict[str, str], report) -> dict:
    """One labelled draft's (expected, reported) pairs, for questions and for themes."""
    questions = {q.id: q.status for q in report.questions()}
    themes = {str(t.theme): t.status for t in report.themes}
    return {"questions": labelled_pairs(question_labels, questions),
            "themes": labelled_pairs({str(k): v for k, v in theme_labels.items()}, themes)}


def summarise(scored: list[dict]) -> dict:
    """Per-status precision and recall for questions and themes over several drafts
    (``score_report`` results), with the exact-match rate."""
    out = {}
    for level in ("questions", "themes"):
        pairs = [p for s in scored for p in s[level]]
        out[level] = {"labelled": len(pairs), "exact": round(sum(e == r for e, r in pairs) / len(pairs), 3)
                      if pairs else None, "per_status": per_status(pairs)}
    return out
