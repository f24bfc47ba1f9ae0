"""Retrieval policies: which passages a question is answered from.

- ``one_scope``     the best passages within the filters (one council, the guidance, all);
- ``each_council``  for questions about peers: each council's own best passages, so one
                    council with many documents cannot crowd the others out;
- ``spread``        one search spread across councils (peers' examples for draft and gaps,
                    and peer questions past ``per_council_limit`` councils).

These are the only callers of the index's search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.evidence.question import QuestionAnalysis, compound_terms, mentions
from assistant.models import KINDS, Filters, SearchHit
from assistant.text.acronyms import with_spelled_out

NOT_GUIDANCE = [k for k in KINDS if k != "guidance"]


@dataclass
class Retrieval:
    question: str
    analysis: QuestionAnalysis
    filters: Filters  # what was applied: the officer's filters plus what the question implied
    hits: list[SearchHit]
    searched: str  # said when refusing
    councils_known: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)  # the guidance's evidence points for it
    tallied: list = field(default_factory=list)  # every council's point, from compare's barrier tally
    barrier_of: dict = field(default_factory=dict)  # id(point) -> its barrier, when the tally answers alone
    missing_document: str = ""  # "No 2025 document of X is indexed…" when the question asks for one

    @property
    def unmentioned(self) -> list[str]:
        """Hyphenated terms the question hinges on ("four-day") that no passage found uses."""
        return [t for t in compound_terms(self.analysis.topic or self.question)
                if not any(mentions(h.chunk.text, t) for h in self.hits)]

    @property
    def across(self) -> bool:
        return self.analysis.across_councils

    @property
    def cannot_answer(self) -> bool:
        """Nothing found, or the question hinges on a name or term the documents do not use."""
        return bool(self.analysis.unknown_names or not self.hits or self.unmentioned or self.missing_document)


def one_scope(index, query: str, filters: Filters, k: int, expansions: list[str] = (),
              expansion_top: int | None = None) -> list[SearchHit]:
    extra = {} if expansion_top is None else {"expansion_top": expansion_top}
    return index.search(with_spelled_out(query), filters, k=k, expansions=list(expansions), **extra)


def spread(index, query: str, filters: Filters, k: int, expansions: list[str] = ()) -> list[SearchHit]:
    return index.search(with_spelled_out(query), filters, k=k, diversify=True, expansions=list(expansions))


def each_council(index, query: str, filters: Filters, expansions: list[str], tuning) -> list[SearchHit]:
    councils = filters.councils or index.catalog.councils(kinds=filters.kinds or None)
    if len(councils) > tuning.per_council_limit:
        return spread(index, query, filters, tuning.k_across, expansions)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for council in councils:
        scoped = filters.model_copy(update={"councils": [council]})
        for hit in one_scope(index, query, scoped, tuning.k_per_council, expansions, expansion_top=1):
            if hit.chunk.id not in seen:
                seen.add(hit.chunk.id)
                hits.append(hit)
    return sorted(hits, key=lambda h: -h.score)


def implied_filters(analysis: QuestionAnalysis, given: Filters) -> list[Filters]:
    """Filters to try, strictest first: the officer's own always apply; the question's
    (a council it names, the guidance, a theme) are dropped one by one if nothing is found."""
    councils = given.councils or analysis.councils
    if given.kinds:
        kinds = given.kinds
    elif analysis.about_guidance:
        kinds = ["guidance"]
    elif analysis.across_councils:
        kinds = NOT_GUIDANCE  # peers' points, not the checklist's
    else:
        kinds = []
    themes = given.themes or analysis.themes
    tries = [Filters(councils=councils, kinds=kinds, themes=themes, document_ids=given.document_ids)]
    if themes and not given.themes:
        tries.append(Filters(councils=councils, kinds=kinds, document_ids=given.document_ids))
    if kinds and not given.kinds:
        tries.append(Filters(councils=councils, themes=given.themes, document_ids=given.document_ids))
    return tries


def describe_filters(filters: Filters) -> str:
    parts = []
    if filters.councils:
        parts.append("council: " + ", ".join(filters.councils))
    if filters.kinds:
        parts.append("kind: " + ", ".join(filters.kinds))
    if filters.themes:
        parts.append("theme: " + ", ".join(map(str, filters.themes)))
    if filters.document_ids:
        parts.append(f"{len(filters.document_ids)} selected document(s)")
    return "; ".join(parts)
