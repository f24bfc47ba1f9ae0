"""The evaluation metrics, one function each, with its published definition.

Support ("does this text support this claim?") is a parameter: ``supports(claim, passages)``
says whether the passages *taken together* support the claim. The offline judge or the
LLM judge (``judges.py``) provides it, so every metric is computed the same way under
either. Functions return None when the metric does not apply (no claims, no gold facts),
and averages skip None.

What counts as a claim in an answer (``answer_statements``):
- The answer is read line by line. Blank lines, Markdown headings ("# ...") and lines that
  are only bold text ("**Redditch Borough Council**") are layout, not claims.
- A line that ends with ":" and carries no [n] marker is a label — the answer's lead-in
  ("10 points from 3 documents ...:") or a list's lead-in ("We measure productivity
  through:") — not a claim.
- A list item is one statement, cited by the [n] markers it carries (the extractive
  answer quotes a list item whole, sometimes two sentences, with one marker at its end);
  an item indented under a label keeps that label as its context (the point judge reads it).
- A paragraph is split into sentences, each cited by its own markers (ALCE's unit).
- A sentence that says the documents do not say something states no fact: not a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from assistant.text.markers import MARKS, MARKS_WITH_SPACE, cited_numbers, markers_before_stop

Supports = Callable[[str, list[str]], bool]

LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
HEADING = re.compile(r"^\s*(?:#{1,6}\s+\S.*|\*\*[^*]+\*\*:?|__[^_]+__:?)\s*$")
EMPHASIS = re.compile(r"\*\*|__|`")
NO_ANSWER = re.compile(r"\bdo(?:es)? not (?:say|mention|answer)\b", re.IGNORECASE)


@dataclass
class Statement:
    text: str  # the claim, without its [n] markers
    citations: list[int] = field(default_factory=list)  # the [n] numbers it carries, in order
    context: str = ""  # a list item's lead-in, as the answer shows it above the item


def _statement(text: str) -> Statement | None:
    claim = re.sub(r"\s+", " ", MARKS_WITH_SPACE.sub("", EMPHASIS.sub("", text))).strip()
    if not re.search(r"\w", claim) or NO_ANSWER.search(claim):
        return None
    return Statement(claim, cited_numbers(text))


def answer_statements(answer: str) -> list[Statement]:
    """The answer's claims and their citations (the rules are in the module docstring)."""
    from assistant.text.sentences import sentence_spans

    statements: list[Statement] = []
    text = markers_before_stop(answer.replace("\r\n", "\n"))
    label, label_indent = "", -1  # the last label, and how far it is indented
    for line in text.split("\n"):
        if not line.strip() or HEADING.match(line):
            continue
        item = LIST_ITEM.match(line)
        body = line[item.end():].strip() if item else line.strip()
        indent = len(line) - len(line.lstrip())
        if body.rstrip(" -").endswith(":") and not MARKS.search(body):
            label, label_indent = EMPHASIS.sub("", body), indent  # a label
            continue
        context = label if item and indent > label_indent >= 0 else ""
        if not context:
            label, label_indent = "", -1
        pieces = [body] if item else [body[s:e] for s, e in sentence_spans(body)]
        statements.extend(Statement(s.text, s.citations, context) for s in map(_statement, pieces) if s)
    return statements


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None, or None if there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


# --- retrieval --------------------------------------------------------------------------
def source_recall_at_k(gold_sources: Sequence[tuple[str, int]], retrieved: Sequence[tuple[str, int]],
                       k: int) -> float | None:
    """Retrieval recall@k, the standard IR definition: the share of the gold (document,
    page) pairs found among the first k retrieved passages, |gold ∩ top-k| / |gold|."""
    if not gold_sources:
        return None
    top = set(retrieved[:k])
    return sum(1 for source in set(gold_sources) if source in top) / len(set(gold_sources))


def context_claim_recall(gold_facts: Sequence[str], passages: list[str], supports: Supports) -> float | None:
    """RAGChecker's retriever *claim recall*: the share of the ground-truth claims (here
    the gold facts) that the retrieved passages support. Low when retrieval misses the
    passage an answer needs."""
    if not gold_facts:
        return None
    return sum(1 for fact in gold_facts if supports(fact, passages)) / len(gold_facts)


# --- the answer ---------------------------------------------------------------------------
def fact_recall(gold_facts: Sequence[str], answer_text: str, supports: Supports) -> float | None:
    """RAGChecker's overall *claim recall*: the share of the ground-truth claims (the gold
    facts) that the answer states (the answer, stripped of its [n] markers, supports them)."""
    if not gold_facts:
        return None
    return 1 - len(missed_facts(gold_facts, answer_text, supports)) / len(gold_facts)


def missed_facts(gold_facts: Sequence[str], answer_text: str, supports: Supports) -> list[str]:
    """The gold facts ``fact_recall`` counts as not stated."""
    answer = MARKS_WITH_SPACE.sub("", answer_text)
    return [fact for fact in gold_facts if not supports(fact, [answer])]


def faithfulness(claims: Sequence[str], context: list[str], supports: Supports) -> float | None:
    """Ragas *faithfulness* (RAGChecker's generator *faithfulness* is the same ratio):
    the number of the answer's claims that can be inferred from the retrieved context,
    divided by the number of claims. 1.0 means nothing in the answer is unsupported."""
    if not claims:
        return None
    return sum(1 for claim in claims if supports(claim, context)) / len(claims)


def unsupported_claims(claims: Sequence[str], context: list[str], supports: Supports) -> list[str]:
    """The claims ``faithfulness`` counts against the answer."""
    return [claim for claim in claims if not supports(claim, context)]


def citation_recall(statements: Sequence[Statement], cited: dict[int, str], supports: Supports) -> float | None:
    """ALCE *citation recall*: the share of statements whose cited passages, together,
    support them. A statement without citations, or citing a number that is not in
    ``cited`` (the answer's citations, n -> passage text), scores 0."""
    if not statements:
        return None
    return sum(_jointly_supported(s, cited, supports) for s in statements) / len(statements)


def citation_precision(statements: Sequence[Statement], cited: dict[int, str], supports: Supports) -> float | None:
    """ALCE *citation precision*: the share of citations that are relevant. A citation is
    irrelevant when (a) its passage alone does not support the statement and (b) the
    statement's other citations still support it without it; every citation of a statement
    its citations do not support counts as imprecise. None when there are no citations."""
    total = precise = 0
    for statement in statements:
        numbers = statement.citations
        total += len(numbers)
        if not _jointly_supported(statement, cited, supports):
            continue
        if len(numbers) == 1:
            precise += 1
            continue
        for n in numbers:
            alone = supports(statement.text, [cited[n]])
            others = [cited[m] for m in numbers if m != n]
            if alone or not supports(statement.text, others):
                precise += 1
    return precise / total if total else None


def _jointly_supported(statement: Statement, cited: dict[int, str], supports: Supports) -> bool:
    numbers = statement.citations
    if not numbers or any(n not in cited for n in numbers):
        return False
    return supports(statement.text, [cited[n] for n in numbers])


# --- refusal ------------------------------------------------------------------------------
def refusal_accuracy(refused_on_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable items (the documents do not say) that the pipeline refused."""
    return mean(1.0 if r else 0.0 for r in refused_on_unanswerable)


def false_refusal_rate(refused_on_answerable: Sequence[bool]) -> float | None:
    """Share of answerable items that the pipeline refused (lower is better)."""
    return mean(1.0 if r else 0.0 for r in refused_on_answerable)


# --- gap check ------------------------------------------------------------------------------
def precision_recall(predicted: set, gold: set) -> tuple[float | None, float | None]:
    """Precision |predicted ∩ gold| / |predicted| and recall |predicted ∩ gold| / |gold| of
    a set of reported findings (e.g. guidance questions a gap check calls missing)."""
    hit = len(predicted & gold)
    return (hit / len(predicted) if predicted else None, hit / len(gold) if gold else None)


# --- latency -----------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation (numpy's default)."""
    import numpy as np

    return float(np.percentile(values, q)) if len(values) else None


# --- judge agreement -------------------------------------------------------------------------------
def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa between two raters' yes/no labels: (p_o - p_e) / (1 - p_e), where p_o
    is the observed agreement and p_e the agreement expected by chance from each rater's
    rate of "yes" (Cohen, 1960). 1 is perfect agreement, 0 is chance."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    yes_a, yes_b = sum(a) / n, sum(b) / n
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(gold: Sequence[bool], predicted: Sequence[bool]) -> dict:
    """How a judge's verdicts agree with hand labels: accuracy, precision and recall of
    "supported", and Cohen's kappa."""
    tp = sum(g and p for g, p in zip(gold, predicted))
    said_yes, truly_yes = sum(predicted), sum(gold)
    return {
        "pairs": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else None,
        "precision": tp / said_yes if said_yes else None,
        "recall": tp / truly_yes if truly_yes else None,
        "kappa": cohen_kappa(gold, predicted),
    }


# --- issue 12: context at equal size, points, quotes, councils, traps ---------------------------
def _normal(text: str) -> str:
    return " ".join(text.split())


def context_fact_recall_at(gold_facts: Sequence[str], passages: Sequence[str], chars: int) -> float | None:
    """*Context fact recall at equal context size*: the share of the gold facts found
    verbatim (up to whitespace) in the first ``chars`` characters of the retrieved passages,
    taken in rank order (the last one cut short). Two retrievers with different chunk sizes
    are compared on the same amount of text: a fact counts only inside one passage, as a
    reader (or a model) would see it."""
    if not gold_facts:
        return None
    context, left = [], chars
    for passage in passages:
        if left <= 0:
            break
        context.append(_normal(passage[:left]))
        left -= len(passage)
    return sum(1 for f in gold_facts if any(_normal(f) in c for c in context)) / len(gold_facts)


def answer_points(statements: Sequence[Statement]) -> list[Statement]:
    """An answer's *points*: its statements that cite a passage (a lead-in, a heading or an
    uncited remark is not a point)."""
    return [s for s in statements if s.citations]


def point_precision(on_topic: Sequence[bool]) -> float | None:
    """*Point precision*: the share of an answer's points that answer the question (each
    point labelled on-topic or not, by hand or by the calibrated point judge). None for an
    answer with no points (a refusal)."""
    return sum(on_topic) / len(on_topic) if on_topic else None


def quotes_verbatim(quotes_and_pages: Sequence[tuple[str, str | None]]) -> float | None:
    """*Verbatim quotes*: the share of an answer's citations whose quote is a substring of
    the text of the page it cites, as the loaders read the file (whitespace runs compared
    as one space; a page that cannot be read counts as not verbatim). None without citations."""
    if not quotes_and_pages:
        return None
    return sum(1 for q, page in quotes_and_pages if page is not None and _normal(q) in _normal(page)) \
        / len(quotes_and_pages)


def councils_exact(named: Sequence[str], cited: Sequence[str], refused: bool) -> float | None:
    """*Councils exactness* for a question that names councils: 1 when every cited passage
    is from one of exactly those councils (official names) and each named council is cited,
    else 0; a refusal is 0. None when the question names no council."""
    if not named:
        return None
    return 1.0 if not refused and set(cited) == set(named) else 0.0


def trap_passed(refused: bool, forbidden: Sequence[str], quotes: Sequence[str]) -> float | None:
    """*Trap pass*: a trap question (whose only close match is the Government's wording)
    passes when it is refused or when no ``forbidden`` phrase appears in any cited quote
    (case and whitespace ignored). None for a question that is not a trap."""
    if not forbidden:
        return None
    if refused:
        return 1.0
    cited = [_normal(q).lower() for q in quotes]
    return 0.0 if any(_normal(f).lower() in q for f in forbidden for q in cited) else 1.0
