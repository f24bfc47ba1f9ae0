"""The offline support judge: does a passage support a sentence?

Used to validate generated answers (each sentence against the chunks it cites) and by the
evaluation harness (faithfulness, citation precision and recall). No entailment model
ships on PyPI that works offline, so support is judged from evidence we can check:

1. the sentence (less its [n] markers) is a verbatim or near-verbatim span of the passage
   (rapidfuzz partial ratio >= FUZZY_SUPPORT) -> supported;
2. otherwise it is supported only if every figure in it (numbers, amounts, percentages,
   years) appears in the passage, enough of its content words do (CONTENT_COVERAGE),
   and it is close in meaning to the best-matching sentence of the passage
   (embedding cosine >= SEMANTIC_SUPPORT).

Thresholds are calibrated on eval/datasets/judge_pairs.jsonl (see eval/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FUZZY_SUPPORT = 90.0
SEMANTIC_SUPPORT = 0.72
CONTENT_COVERAGE = 0.5

CITATION_MARK = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
FIGURE = re.compile(r"£?\d[\d,.]*\s*(?:%|m|bn|k|million|billion)?", re.IGNORECASE)


@dataclass
class Verdict:
    supported: bool
    score: float  # 0..1, higher is better support
    quote: str  # the span of the passage that best supports the sentence
    reason: str  # "verbatim" | "fuzzy" | "semantic" | "figure missing" | "weak"


def strip_citations(sentence: str) -> str:
    return CITATION_MARK.sub("", sentence).strip()


def figures(text: str) -> set[str]:
    """Figures as written, normalised ("£16m", "18%", "2024"); ordinals and list labels
    such as "1." are ignored."""
    found = set()
    for match in FIGURE.finditer(text):
        value = match.group(0).strip().rstrip(".,").lower().replace(" ", "")
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 2 or "£" in value or "%" in value:
            found.add(value)
    return found


def _passage_spans(passage: str) -> list[str]:
    from assistant.generate.sentences import sentence_spans
    from assistant.ingest.chunking import BULLET

    spans = [passage[s:e] for s, e in sentence_spans(passage)]
    for line in passage.split("\n"):  # list items and table rows are spans of their own
        item = BULLET.sub("", line.strip(), count=1)
        if item and item not in spans:
            spans.append(item)
    return spans or [passage]


def judge(sentence: str, passage: str, embedder=None) -> Verdict:
    from rapidfuzz import fuzz

    from assistant.generate.extractive import content_stems

    claim = strip_citations(sentence)
    if not claim:
        return Verdict(False, 0.0, "", "weak")
    claim_norm = re.sub(r"\s+", " ", claim).strip().lower()
    passage_norm = re.sub(r"\s+", " ", passage).lower()
    spans = _passage_spans(passage)
    best_fuzzy, best_span = 0.0, spans[0]
    for span in spans:
        ratio = fuzz.partial_ratio(claim_norm, re.sub(r"\s+", " ", span).lower())
        if ratio > best_fuzzy:
            best_fuzzy, best_span = ratio, span
    if claim_norm in passage_norm:
        return Verdict(True, 1.0, best_span, "verbatim")
    missing = {f for f in figures(claim) if f not in passage_norm.replace(" ", "")}
    if missing:
        return Verdict(False, 0.0, best_span, "figure missing")
    if best_fuzzy >= FUZZY_SUPPORT:
        return Verdict(True, best_fuzzy / 100, best_span, "fuzzy")
    claim_stems = content_stems(claim)
    coverage = len(claim_stems & content_stems(passage)) / len(claim_stems) if claim_stems else 0.0
    semantic = 0.0
    if embedder is not None:
        import numpy as np

        vectors = np.array(embedder.embed_documents([claim] + spans))
        sims = vectors[1:] @ vectors[0]
        i = int(np.argmax(sims))
        semantic, best_span = float(sims[i]), spans[i]
    supported = coverage >= CONTENT_COVERAGE and semantic >= SEMANTIC_SUPPORT
    score = 0.5 * semantic + 0.5 * coverage
    return Verdict(supported, score, best_span, "semantic" if supported else "weak")


def judge_any(sentence: str, passages: list[str], embedder=None) -> tuple[Verdict, int]:
    """The best verdict over several passages, and the index of the passage it came from."""
    best, best_i = Verdict(False, 0.0, "", "weak"), -1
    for i, passage in enumerate(passages):
        verdict = judge(sentence, passage, embedder)
        if (verdict.supported, verdict.score) > (best.supported, best.score):
            best, best_i = verdict, i
    return best, best_i
