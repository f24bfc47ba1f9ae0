"""The offline backend: answers with the retrieved sentences and list items that speak to
the question, ranked, de-duplicated, grouped (by council, or by document) and each cited.
Faithful by construction: every point is a verbatim span of its chunk.

Scoring a unit (sentence or list item) against the question:
  semantic = cosine(question, unit), or cosine(question, unit with its lead-in/heading)
             when that is higher ("Recruitment difficult..." under "barriers ... are:")
  lexical  = share of the question's content words (stemmed) found in the unit and its context
  score    = 0.75 * semantic + 0.25 * lexical
Points must score at least MIN_SCORE and at least RELATIVE x the best point. The answer
is refused when even the best point is weak (see ``answerable``); the thresholds were
calibrated on eval/datasets (see eval/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.generate.sentences import Unit, clauses, is_lead_in, split_units
from assistant.models import Citation, SearchHit

MIN_SCORE = 0.36
RELATIVE = 0.70
ACROSS_RELATIVE = 0.75  # a council's best point against the best of all
# ...and it must share some of the question's words, or be very close in meaning: "councils"
# in the question makes any sentence about councils look close to the small embedder
ACROSS_LEXICAL = 0.15
ACROSS_SEMANTIC = 0.7
ANSWER_SEMANTIC = 0.62  # a point this close in meaning answers on its own
ANSWER_SUPPORTED = 0.40  # ...or this close, with ANSWER_LEXICAL of the question's content words
ANSWER_LEXICAL = 0.40
MAX_POINTS = 10
MAX_POINTS_ACROSS = 14
MAX_PER_GROUP = 6
DOCUMENT_REPEAT = 0.02
DUPLICATE_RATIO = 88
EXPANSION_WEIGHT = 0.85
EXPANSION_LIFT = 0.25
ECHO_RATIO = 80
ECHO_PENALTY = 0.5

# Words that say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = {
    "what", "which", "who", "how", "why", "when", "where", "did", "does", "do", "say", "said", "says", "cite",
    "cited", "mention", "mentioned", "mentions", "tell", "list", "describe", "explain", "give", "show", "about",
    "council", "councils", "peer", "peers", "other", "others", "document", "documents", "their", "they", "there",
    "any", "anything", "many", "much", "plan", "plans", "summarise", "summarize",
}


@dataclass
class ScoredUnit:
    unit: Unit
    semantic: float
    lexical: float
    echo: bool = False  # restates the guidance's own wording rather than answering it

    @property
    def score(self) -> float:
        score = 0.75 * self.semantic + 0.25 * self.lexical
        return score * ECHO_PENALTY if self.echo else score


def content_stems(text: str, extra_stop: set[str] = frozenset()) -> set[str]:
    from assistant.index.lexical import tokenize

    words = [w for w in re.findall(r"[A-Za-z0-9£%]+", text.lower()) if w not in QUESTION_WORDS | extra_stop]
    return set(tokenize([" ".join(words)])[0]) if words else set()


def echoes(text: str, guidance_texts: list[str]) -> bool:
    """Whether a sentence restates the guidance (every plan repeats the four themes)."""
    from rapidfuzz import fuzz

    text = text.lower()
    return any(fuzz.token_set_ratio(text, g.lower()) >= ECHO_RATIO for g in guidance_texts
               if 0.6 * len(g) <= len(text) <= 1.6 * len(g))


def weighted_overlap(wanted: set[str], present: set[str], idf: dict[str, float]) -> float:
    """Share of ``wanted`` stems in ``present``, each weighted by its rarity in the corpus
    (so "productivity", in every chunk of a productivity-plan corpus, counts for little)."""
    total = sum(idf.get(s, 1.0) for s in wanted)
    return sum(idf.get(s, 1.0) for s in wanted & present) / total if total else 0.0


def score_units(question: str, hits: list[SearchHit], embedder, ignore_words: set[str],
                expansions: list[str] = (), guidance_texts: list[str] = (), idf=None) -> list[ScoredUnit]:
    """Score every sentence and list item of the retrieved chunks against the question.

    ``expansions`` (the guidance's evidence points for this question) count at
    EXPANSION_WEIGHT; ``guidance_texts`` are the guidance's own wordings, whose echoes in
    council documents are down-weighted (not for the guidance document itself)."""
    import numpy as np

    units = [u for hit in hits for u in split_units(hit.chunk) if not is_lead_in(u)]
    if not units:
        return []
    q_stems = content_stems(question, ignore_words)
    n = len(units)
    vectors = np.array(embedder.embed_documents([u.text for u in units] + [u.with_context() for u in units]))
    q = np.array(embedder.embed_query(question))
    sims = np.maximum(vectors[:n] @ q, vectors[n:] @ q)
    # a long sentence is as relevant as its most relevant clause
    owners, parts = [], []
    for i, unit in enumerate(units):
        for part in clauses(unit):
            owners.append(i)
            parts.append(part)
    part_vectors = np.array(embedder.embed_documents(parts)) if parts else np.zeros((0, vectors.shape[1]))
    if parts:
        np.maximum.at(sims, owners, part_vectors @ q)
    if expansions:
        e = np.array(embedder.embed_documents(list(expansions)))
        expanded = np.maximum(vectors[:n] @ e.T, vectors[n:] @ e.T).max(axis=1)
        if parts:
            np.maximum.at(expanded, owners, (part_vectors @ e.T).max(axis=1))
        # the evidence points can lift a unit only so far above its own closeness to the
        # question: they widen what counts as an answer, they do not replace the question
        sims = np.maximum(sims, np.minimum(EXPANSION_WEIGHT * expanded, sims + EXPANSION_LIFT))
    expansion_stems = [stems for stems in (content_stems(e) for e in expansions) if stems]
    weights = idf(q_stems.union(*expansion_stems)) if idf else {}
    scored = []
    for i, unit in enumerate(units):
        unit_stems = content_stems(unit.with_context())
        lexical = weighted_overlap(q_stems, unit_stems, weights)
        for stems in expansion_stems:
            lexical = max(lexical, EXPANSION_WEIGHT * weighted_overlap(stems, unit_stems, weights))
        echo = unit.chunk.kind != "guidance" and bool(guidance_texts) and echoes(unit.text, guidance_texts)
        scored.append(ScoredUnit(unit, float(sims[i]), lexical, echo))
    return scored


def answerable(best: ScoredUnit | None) -> bool:
    """A point answers the question if it is very close in meaning, or close and sharing
    the question's (rarer) words."""
    if best is None or best.echo:
        return False
    return best.semantic >= ANSWER_SEMANTIC or (best.semantic >= ANSWER_SUPPORTED and best.lexical >= ANSWER_LEXICAL)


def select_points(scored: list[ScoredUnit], across: bool) -> list[ScoredUnit]:
    """The points to show: strong enough (against the best of their group: each council
    when the question spans councils), not repeating each other, not too many per group."""
    from rapidfuzz import fuzz

    if not scored:
        return []
    ranked = sorted(scored, key=lambda s: -s.score)

    def group(s: ScoredUnit) -> str:
        return s.unit.chunk.council if across else "all"

    best: dict[str, float] = {}
    top = ranked[0].score
    for s in ranked:
        # across councils, a council needs a point that answers, not far below the best
        if group(s) not in best and (not across or (answerable(s) and s.score >= ACROSS_RELATIVE * top
                                                     and (s.lexical >= ACROSS_LEXICAL or s.semantic >= ACROSS_SEMANTIC))):
            best[group(s)] = s.score
    limit = MAX_POINTS_ACROSS if across else MAX_POINTS
    chosen: list[ScoredUnit] = []
    per_group: dict[str, int] = {}
    per_document: dict[str, int] = {}
    # a small penalty per point already taken from the same document lets a second
    # document of the same council in (its minutes as well as its plan)
    ranked.sort(key=lambda s: -s.score)
    pending = list(ranked)
    while pending:
        candidate = max(pending, key=lambda s: s.score - DOCUMENT_REPEAT * per_document.get(s.unit.chunk.document_id, 0))
        pending.remove(candidate)
        g = group(candidate)
        if g not in best or candidate.score < max(MIN_SCORE, RELATIVE * best[g]) or len(chosen) >= limit:
            continue
        if per_group.get(g, 0) >= MAX_PER_GROUP:
            continue
        if any(fuzz.token_set_ratio(candidate.unit.text, c.unit.text) >= DUPLICATE_RATIO for c in chosen):
            continue
        chosen.append(candidate)
        per_group[g] = per_group.get(g, 0) + 1
        per_document[candidate.unit.chunk.document_id] = per_document.get(candidate.unit.chunk.document_id, 0) + 1
    return complete_lists(chosen, scored, limit)


def complete_lists(chosen: list[ScoredUnit], scored: list[ScoredUnit], limit: int) -> list[ScoredUnit]:
    """When most items of a list made the cut, show the whole list: a list of five
    questions read with one missing misleads."""
    def key(s: ScoredUnit):
        return (s.unit.chunk.document_id, s.unit.lead_in) if s.unit.kind == "item" and s.unit.lead_in else None

    picked = {id(s) for s in chosen}
    lists: dict = {}
    for s in scored:
        if key(s):
            lists.setdefault(key(s), []).append(s)
    for members in lists.values():
        taken = [m for m in members if id(m) in picked]
        if len(taken) * 2 >= len(members) and len(taken) < len(members):
            for m in members:
                if id(m) not in picked and m.score >= MIN_SCORE and len(chosen) < limit:
                    chosen.append(m)
                    picked.add(id(m))
    return chosen


def display(text: str) -> str:
    """A point as shown: the quote with its white space tidied (tabs, runs of spaces)."""
    return re.sub(r"\s+", " ", text).strip()


def citation_for(n: int, unit: Unit) -> Citation:
    chunk = unit.chunk
    return Citation(n=n, chunk_id=chunk.id, source=chunk.source, title=chunk.title, council=chunk.council,
                    kind=chunk.kind, page=chunk.page, section=chunk.section, quote=unit.text)


def compose(points: list[ScoredUnit], across: bool) -> tuple[str, list[Citation]]:
    """Markdown answer with [n] markers, grouped by council (across councils) or document."""
    def group_key(p: ScoredUnit) -> str:
        return p.unit.chunk.council or p.unit.chunk.title if across else p.unit.chunk.document_id

    groups: dict[str, list[ScoredUnit]] = {}
    for point in points:  # groups in order of their best point
        groups.setdefault(group_key(point), []).append(point)
    councils = {p.unit.chunk.council for p in points if p.unit.chunk.council}
    documents = {p.unit.chunk.document_id for p in points}
    if across or len(councils) > 1:
        lead = (f"{len(points)} points from {len(documents)} document{'s' if len(documents) > 1 else ''} "
                f"of {len(councils)} council{'s' if len(councils) > 1 else ''}, grouped by council:")
    else:
        owner = next(iter(councils), "") or points[0].unit.chunk.title
        lead = f"{len(points)} point{'s' if len(points) > 1 else ''} from {owner}'s documents:" if councils else \
            f"{len(points)} point{'s' if len(points) > 1 else ''} from the documents:"
    lines = [lead]
    citations: list[Citation] = []
    for members in groups.values():
        first = members[0].unit.chunk
        heading = (first.council or first.title) if across else f"{first.title}" + (f" ({first.council})" if first.council else "")
        lines.append("")
        lines.append(f"**{heading}**")
        members.sort(key=lambda p: (p.unit.chunk.document_id, p.unit.chunk.position, p.unit.start))
        current_lead = None
        for point in members:
            unit = point.unit
            n = len(citations) + 1
            citations.append(citation_for(n, unit))
            lead_in = unit.lead_in if unit.kind == "item" else ""
            if lead_in and lead_in != current_lead:
                lines.append(f"- {display(lead_in)}")
            current_lead = lead_in or None
            indent = "  " if lead_in else ""
            lines.append(f"{indent}- {display(unit.text)} [{n}]")
    return "\n".join(lines), citations
