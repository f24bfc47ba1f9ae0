"""The offline support judge: does a passage support a sentence?

Used to validate generated answers (each sentence against the chunks it cites) and by the
evaluation harness (faithfulness, citation precision and recall). No entailment model
ships on PyPI that works offline, so support is judged from evidence we can check
(``measure``), in this order (``decide``):

1. the sentence (less its [n] markers) is a verbatim span of the passage -> supported;
2. a figure of the sentence (amount, percentage, year, number) is not in the passage
   -> unsupported;
3. it is a near-verbatim span (rapidfuzz partial ratio >= FUZZY_SUPPORT against one
   sentence or list item of the passage) -> supported;
4. otherwise it is supported only if at least CONTENT_COVERAGE of its content words
   (stemmed) are in the passage and it is close in meaning to the best-matching sentence
   of the passage (embedding cosine >= SEMANTIC_SUPPORT).

Calibration (``python -m assistant.evaluation.calibrate``): the thresholds maximise
Cohen's kappa with 66 hand-labelled pairs from the shipped corpus
(eval/datasets/judge_pairs.jsonl: 39 supported, 27 unsupported — paraphrases, changed
figures and dates, partial claims, contradictions, unrelated sentences). At 90 / 0.62 /
0.70: accuracy 0.894, precision of "supported" 0.921, recall 0.897, kappa 0.782, the
same under 5-fold cross-validation (the provisional 90 / 0.72 / 0.50 had kappa 0.488).
Known blind spots: a negation, a contradiction, swapped figures or a changed month keep
the words and the meaning-vector of the passage and pass as supported. Details in
eval/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.markers import strip_markers

FUZZY_SUPPORT = 90.0
SEMANTIC_SUPPORT = 0.62
CONTENT_COVERAGE = 0.70

FIGURE = re.compile(r"£?\d[\d,.]*\s*(?:%|(?:m|bn|k|million|billion)\b)?", re.IGNORECASE)  # "2010, Manchester": no "m"
# the month of a date ("19 June 2024", "June 2024"): a changed month is a changed fact, as a
# changed figure is
MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
DATE_MONTH = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+({MONTHS})\b|\b({MONTHS})\s+\d{{4}}\b", re.IGNORECASE)


@dataclass
class Verdict:
    supported: bool
    score: float  # 0..1, higher is better support
    quote: str  # the span of the passage that best supports the sentence
    reason: str  # "verbatim" | "fuzzy" | "semantic" | "figure missing" | "weak"


def strip_citations(sentence: str) -> str:
    return strip_markers(sentence)


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
    from assistant.text.sentences import sentence_spans
    from assistant.text.blocks import BULLET

    spans = [passage[s:e] for s, e in sentence_spans(passage)]
    for line in passage.split("\n"):  # list items and table rows are spans of their own
        item = BULLET.sub("", line.strip(), count=1)
        if item and item not in spans:
            spans.append(item)
    return spans or [passage]


@dataclass
class Evidence:
    """What the judge measures of a sentence against a passage, before any threshold."""

    claim: str  # the sentence without its [n] markers
    verbatim: bool  # the claim is a substring of the passage (white space and case aside)
    figures_missing: set[str]  # figures of the claim the passage does not have
    fuzzy: float  # best rapidfuzz partial ratio against one span of the passage, 0-100
    fuzzy_span: str
    coverage: float | None = None  # share of the claim's content words (stemmed) in the passage
    semantic: float | None = None  # best cosine against one span; None without an embedder
    semantic_span: str = ""


def measure(sentence: str, passage: str, embedder=None, complete: bool = False) -> Evidence | None:
    """The evidence for ``judge``; None for an empty claim. Unless ``complete``, coverage
    and similarity are left out when the quote checks decide alone (verbatim, a figure
    missing, a fuzzy match): they cost an embedding."""
    from rapidfuzz import fuzz

    from assistant.evidence.scoring import content_stems

    claim = strip_citations(sentence)
    if not claim:
        return None
    claim_norm = re.sub(r"\s+", " ", claim).strip().lower()
    passage_norm = re.sub(r"\s+", " ", passage).lower()
    spans = _passage_spans(passage)
    best_fuzzy, best_span = 0.0, spans[0]
    for span in spans:
        ratio = fuzz.partial_ratio(claim_norm, re.sub(r"\s+", " ", span).lower())
        if ratio > best_fuzzy:
            best_fuzzy, best_span = ratio, span
    months = {(m.group(1) or m.group(2)).lower() for m in DATE_MONTH.finditer(claim)}
    evidence = Evidence(claim, claim_norm in passage_norm,
                        {f for f in figures(claim) if f not in passage_norm.replace(" ", "")}
                        | {m for m in months if not re.search(rf"\b{m}\b", passage_norm)}, best_fuzzy, best_span)
    if not complete and (evidence.verbatim or evidence.figures_missing or best_fuzzy >= FUZZY_SUPPORT):
        return evidence
    claim_stems = content_stems(claim)
    evidence.coverage = len(claim_stems & content_stems(passage)) / len(claim_stems) if claim_stems else 0.0
    if embedder is not None:
        import numpy as np

        vectors = np.array(embedder.embed_documents([claim] + spans))
        sims = vectors[1:] @ vectors[0]
        i = int(np.argmax(sims))
        evidence.semantic, evidence.semantic_span = float(sims[i]), spans[i]
    return evidence


def decide(evidence: Evidence | None, fuzzy_support: float = FUZZY_SUPPORT, semantic_support: float = SEMANTIC_SUPPORT,
           content_coverage: float = CONTENT_COVERAGE) -> Verdict:
    """The verdict the evidence earns under the given thresholds (the module's by default)."""
    if evidence is None:
        return Verdict(False, 0.0, "", "weak")
    if evidence.verbatim:
        return Verdict(True, 1.0, evidence.fuzzy_span, "verbatim")
    if evidence.figures_missing:
        return Verdict(False, 0.0, evidence.fuzzy_span, "figure missing")
    if evidence.fuzzy >= fuzzy_support:
        return Verdict(True, evidence.fuzzy / 100, evidence.fuzzy_span, "fuzzy")
    coverage, semantic = evidence.coverage or 0.0, evidence.semantic or 0.0
    supported = coverage >= content_coverage and semantic >= semantic_support
    score = 0.5 * semantic + 0.5 * coverage
    span = evidence.semantic_span or evidence.fuzzy_span
    return Verdict(supported, score, span, "semantic" if supported else "weak")


def judge(sentence: str, passage: str, embedder=None) -> Verdict:
    return decide(measure(sentence, passage, embedder))


def judge_any(sentence: str, passages: list[str], embedder=None) -> tuple[Verdict, int]:
    """The best verdict over several passages, and the index of the passage it came from."""
    best, best_i = Verdict(False, 0.0, "", "weak"), -1
    for i, passage in enumerate(passages):
        verdict = judge(sentence, passage, embedder)
        if (verdict.supported, verdict.score) > (best.supported, best.score):
            best, best_i = verdict, i
    return best, best_i
