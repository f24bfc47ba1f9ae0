"""Points: the sentences and list items of retrieved passages that answer a question,
scored (``scoring.UnitMatrix``), filtered (``filters``), and selected.

Scoring a unit against a question:
  semantic = its closeness in meaning to the question, or to one of the guidance's evidence
             points for the question (at ``expansion_weight``, lifting it at most
             ``expansion_lift`` above its own closeness to the question)
  lexical  = IDF-weighted share of the question's content words in it (or of an evidence
             point's, at ``expansion_weight``)
  score    = semantic_weight * semantic + (1 - semantic_weight) * lexical, halved for an
             echo of the guidance's (the Government's) own words
Points must score at least ``min_score`` and ``relative`` x the best point of their group
(each council, when the question spans councils). The thresholds are settings
(``AnswerTuning``), calibrated on eval/datasets.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.evidence.filters import echoes, is_non_content
from assistant.evidence.injection import addresses_ai
from assistant.evidence.scoring import ScoredUnit, UnitMatrix, content_stems, weighted_overlap
from assistant.models import SearchHit
from assistant.text.acronyms import with_spelled_out
from assistant.text.sentences import Unit, is_lead_in, split_units


def score_points(question: str, hits: list[SearchHit], embedder, tuning, ignore_words: set[str] = frozenset(),
                 expansions: list[str] = (), wordings: list[str] = (), idf=None,
                 phrases: list[str] = (), expand_all: bool = False) -> list[ScoredUnit]:
    """Every sentence and list item of ``hits`` scored against ``question``; ``expand_all``:
    the evidence points describe what answers it (a guidance question), so they may lift any unit."""
    import numpy as np

    units = [u for hit in hits for u in split_units(hit.chunk)
             if not is_lead_in(u) and not is_non_content(u) and not addresses_ai(u.text)]
    if not units:
        return []
    matrix = UnitMatrix(units, embedder)
    sims = matrix.cosine(np.array(embedder.embed_query(with_spelled_out(question))))[:, 0]  # as units are read
    q_stems = content_stems(question, ignore_words)
    expansion_stems = [stems for stems in (content_stems(e) for e in expansions) if stems]
    weights = idf(q_stems.union(*expansion_stems)) if idf else {}

    def weight(stem: str) -> float:
        return weights.get(stem, 1.0)

    stems = [matrix.stems[i] | matrix.stems[i - 1] if i and follows_on(units[i - 1], units[i]) else matrix.stems[i]
             for i in range(len(units))]
    own = np.array([weighted_overlap(q_stems, stems[i], weight) for i in range(len(units))])
    if expansions:
        # The evidence points widen a broad question ("what barriers...?") to what answers it;
        # a specific question ("...customer contact online?") keeps to units sharing enough of
        # its words: a question's evidence points are its theme's, wider than what it asks.
        broad = expand_all or len(q_stems) <= tuning.broad_question_words
        lifted = np.ones(len(units), dtype=bool) if broad else own > tuning.expansion_own_share
        expanded = matrix.cosine(np.array(embedder.embed_documents(list(expansions)))).max(axis=1)
        lift = np.minimum(tuning.expansion_weight * expanded, sims + tuning.expansion_lift)
        sims = np.where(lifted, np.maximum(sims, lift), sims)
    scored = []
    for i, unit in enumerate(units):
        lexical = float(own[i])
        if expansions and (broad or own[i] > tuning.expansion_own_share):
            for expansion in expansion_stems:
                lexical = max(lexical, tuning.expansion_weight * weighted_overlap(expansion, stems[i], weight))
        echo = unit.chunk.kind != "guidance" and bool(wordings) and echoes(unit.text, wordings, tuning.echo_ratio, phrases)
        score = tuning.semantic_weight * float(sims[i]) + (1 - tuning.semantic_weight) * lexical
        scored.append(ScoredUnit(unit, float(sims[i]), lexical, score * tuning.echo_penalty if echo else score, echo))
    return scored


# "It has delivered savings of £23.5m", "The net cost rose...": a sentence carrying on from
# the one before it opens with a word pointing back
POINTS_BACK = re.compile(r"^(?:the|it|its|this|these|they|their|that|those|such)\b", re.IGNORECASE)


def follows_on(previous, unit) -> bool:
    """``unit`` is the sentence right after ``previous`` in the same paragraph and carries it
    on: it opens with a word pointing back to it."""
    return (unit.kind == "sentence" and previous.kind == "sentence" and previous.chunk is unit.chunk
            and 0 <= unit.start - previous.end and "\n\n" not in unit.chunk.text[previous.end:unit.start]
            and bool(POINTS_BACK.match(unit.text)))


def answerable(best: ScoredUnit | None, tuning) -> bool:
    """A point answers the question if it is very close in meaning, or close and sharing
    the question's (rarer) words; an echo of the guidance never does."""
    if best is None or best.echo:
        return False
    if best.lexical < tuning.answer_words_needed and best.semantic < tuning.answer_semantic_alone:
        return False
    return best.semantic >= tuning.answer_semantic \
        or (best.semantic >= tuning.answer_supported and best.lexical >= tuning.answer_lexical) \
        or (best.semantic >= tuning.answer_semantic_floor and best.lexical >= tuning.answer_lexical_strong)


def select_points(scored: list[ScoredUnit], across: bool, tuning, named: bool = False) -> list[ScoredUnit]:
    """The points to show: strong enough (against the best of their group: each council
    when the question spans councils), not repeating each other, not too many per group.
    ``named``: the question names the councils it spans, so each one's best answering point
    is shown even when another council's is stronger (it was asked about, not searched for)."""
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
        if group(s) not in best and (not across or (named and answerable(s, tuning)) or (
                answerable(s, tuning) and s.score >= tuning.across_relative * top
                and (s.lexical >= tuning.across_lexical or s.semantic >= tuning.across_semantic))):
            best[group(s)] = s.score
    limit = tuning.max_points_across if across else tuning.max_points
    chosen: list[ScoredUnit] = []
    per_group: dict[str, int] = {}
    per_document: dict[str, int] = {}
    # a small penalty per point already taken from the same document lets a second
    # document of the same council in (its minutes as well as its plan)
    pending = list(ranked)
    while pending:
        candidate = max(pending, key=lambda s: s.score - tuning.document_repeat
                        * per_document.get(s.unit.chunk.document_id, 0))
        pending.remove(candidate)
        g = group(candidate)
        if g not in best or candidate.score < max(tuning.min_score, tuning.relative * best[g]) or len(chosen) >= limit:
            continue
        if per_group.get(g, 0) >= (tuning.max_per_council_across if across else tuning.max_per_group):
            continue
        if any(fuzz.token_set_ratio(candidate.unit.text, c.unit.text) >= tuning.duplicate_ratio for c in chosen):
            continue
        chosen.append(candidate)
        per_group[g] = per_group.get(g, 0) + 1
        per_document[candidate.unit.chunk.document_id] = per_document.get(candidate.unit.chunk.document_id, 0) + 1
    return [with_antecedent(c, chosen) for c in complete_lists(chosen, scored, limit, tuning)]


# "The partnership saved £3.9m": a definite phrase whose noun the sentence before names
DEFINITE = re.compile(r"^the\s+([a-z]+)\b", re.IGNORECASE)
ANTECEDENTS = 2
# "The council", "the Government", "the plan": who or what is meant is plain without the sentence before
SELF_EVIDENT = frozenset({"council", "councils", "government", "plan", "plans", "report", "authority", "cabinet",
                          "minister", "department", "borough", "city", "county", "district"})
REFERS_BACK = re.compile(r"^(?:it|its|this|these|they|their|those|such)\b", re.IGNORECASE)


def with_antecedent(point: ScoredUnit, chosen: list[ScoredUnit]) -> ScoredUnit:
    """A point that refers back to the sentence before it ("It saves £310,000 a year", "The
    partnership has one ICT manager...") is shown with that sentence, which says what it is
    about, as one verbatim passage (going back at most ANTECEDENTS sentences); unless that
    sentence is a point of its own."""
    unit = point.unit
    if unit.kind != "sentence":
        return point
    units = split_units(unit.chunk)
    start, first = unit.start, unit
    for _ in range(ANTECEDENTS):
        definite = DEFINITE.match(first.text)
        if not (definite or REFERS_BACK.match(first.text)):
            break
        before = [u for u in units if u.end <= first.start]
        previous = before[-1] if before else None
        if previous is None or not follows_on(previous, first) or any(
                c.unit.chunk is unit.chunk and c.unit.start == previous.start for c in chosen):
            break
        noun = definite.group(1).lower() if definite else ""
        if definite and (noun in SELF_EVIDENT or noun[:5] not in previous.text.lower()):
            break  # ("The council has..." names its subject; "The partnership" needs the one before)
        start, first = previous.start, previous
    if start == unit.start:
        return point
    return replace(point, unit=Unit(unit.chunk, start, unit.end, "sentence", first.lead_in))


def complete_lists(chosen: list[ScoredUnit], scored: list[ScoredUnit], limit: int, tuning) -> list[ScoredUnit]:
    """When most items of a list made the cut, show the whole list: a list of five
    questions read with one missing misleads."""
    def key(s: ScoredUnit):
        return (s.unit.chunk.document_id, s.unit.lead_in) if s.unit.kind == "item" and s.unit.lead_in else None

    picked = {id(s) for s in chosen}
    # overlapping passages hold the same item twice: it is shown once
    shown = {(s.unit.chunk.document_id, s.unit.text) for s in chosen}
    lists: dict = {}
    for s in scored:
        if key(s):
            lists.setdefault(key(s), []).append(s)
    for members in lists.values():
        taken = [m for m in members if id(m) in picked]
        if len(taken) * 2 >= len(members) and len(taken) < len(members):
            for m in members:
                if id(m) not in picked and (m.unit.chunk.document_id, m.unit.text) not in shown \
                        and m.score >= tuning.min_score and len(chosen) < limit:
                    chosen.append(m)
                    picked.add(id(m))
                    shown.add((m.unit.chunk.document_id, m.unit.text))
    return chosen
