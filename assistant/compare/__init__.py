"""`compare`: every council's plan against the guidance, and the barriers councils cite.

Exhaustive, not top-k: every document of every selected council is read (its plan for the
matrix, all of them for the barriers), each once: results are cached by document hash
(cache.py), so a re-run after adding one plan reads that plan only.

    compare(workspace, councils, types, regions, progress)  -> Comparison
    which_councils(workspace, question)   every council that says it, for "which councils..."
    common_barriers(workspace)            the barriers most councils cite, for "which barriers do most...?"
    prepare(workspace, document_ids)      read and cache documents ahead (e.g. after an ingest)

``Comparison.to_json()`` is `compare --json`:
    {"councils": [{"council", "type", "region",
                   "themes": {"1": {"status", "questions": {"1.1": {"status", "quote", "source", "page"}}}}}],
     "barriers": [{"barrier", "councils": [{"council", "quote", "source", "page"}]}]}
``status`` is covered | partial | missing (the `gaps` judgement); ``quote`` is verbatim on
``page`` of ``source`` (the document's path); a missing question has no quote ("", null page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.compare.matrix import NOT_COUNCIL_DOCUMENTS, Row, build_row
from assistant.errors import UserError

__all__ = ["Comparison", "common_barriers", "compare", "prepare", "which_councils"]


@dataclass
class Comparison:
    rows: list[Row]
    barriers: list  # tally.Barrier, most cited first
    documents_read: int  # documents assessed in this run (the rest came from the cache)
    documents_cached: int
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"councils": [row.to_json() for row in self.rows],
                "barriers": [{"barrier": b.name,
                              "councils": [{"council": m.council, "quote": m.quote, "source": m.source, "page": m.page}
                                           for m in b.mentions]}
                             for b in self.barriers]}


def council_documents(catalog) -> dict[str, list]:
    """Each council's documents that speak for it (not the guidance, not officers' drafts)."""
    found: dict[str, list] = {}
    for document in catalog.documents():
        if document.council and document.kind not in NOT_COUNCIL_DOCUMENTS:
            found.setdefault(document.council, []).append(document)
    return found


def select_councils(known: list[str], councils=None, types=None, regions=None) -> list[str]:
    """The councils asked for (forgiving names), of these types and in these regions (a council
    the register lacks matches no type or region)."""
    from assistant.councils import describe, resolve, resolve_regions, resolve_types

    codes = resolve_types(list(types or []))  # an unknown type or region is a UserError, named
    places = resolve_regions(list(regions or []))
    chosen = sorted({resolve(name, known) for name in councils}) if councils else list(known)
    if codes:
        chosen = [c for c in chosen if describe(c)["type_code"] in codes]
    if places:
        chosen = [c for c in chosen if {describe(c)["region"], describe(c)["nation"]} & places]
    return chosen


def read_document(workspace, document) -> dict:
    """The assessment and barrier mentions of one document (what the cache keeps)."""
    from assistant.compare.barriers import find_mentions
    from assistant.gaps.assess import assess_chunks

    chunks = workspace.index.catalog.document_chunks(document.id)
    # assess_chunks is assess_document's engine; called here so the barrier search reuses its units
    assessment = assess_chunks(chunks, workspace.guidance, workspace.index.embedder, workspace.settings.gaps)
    mentions = find_mentions(assessment, workspace.guidance, document, chunks)
    return {"themes": [t.model_dump(mode="json") for t in assessment.themes],
            "mentions": [m.to_dict() for m in mentions]}


def _read(workspace, documents: list, indexed: set[str], tick, use=lambda document, result: None) -> int:
    """Each document's result, from the cache or read now, handed to ``use(document, result)``
    in turn and not kept (a national index's 2,000 results and their findings, all held for
    the tally, took ~390 MB). Returns how many were read now."""
    from assistant.compare.cache import ResultCache, cache_key

    cache = ResultCache(workspace.index.dir / "compare.sqlite")
    key = cache_key(workspace)
    read = 0
    try:
        for done, document in enumerate(documents):
            tick(done, len(documents), document.council)
            result = cache.get(document.id, key)
            if result is None:
                result = read_document(workspace, document)
                cache.put(document.id, key, result)
                read += 1
            use(document, result)
        cache.prune(indexed, key)
    finally:
        cache.close()
    return read


def prepare(workspace, document_ids: list[str] | None = None, progress=None) -> int:
    """Read (and cache) the given documents, or every council document not read yet, so that
    the next `compare` or ``which_councils`` need not: a hook for the end of an ingest.
    Returns how many documents were read."""
    with workspace.index.reading():
        by_council = council_documents(workspace.index.catalog)
        every = [d for ds in by_council.values() for d in ds]
        wanted = [d for d in every if document_ids is None or d.id in set(document_ids)]
        return _read(workspace, wanted, {d.id for d in every}, progress or (lambda done, total, label: None))


def compare(workspace, councils=None, types=None, regions=None, progress=None) -> Comparison:
    """The matrix and the barrier tally for the selected councils (all indexed ones by
    default). ``progress(done, total, label)`` is called as documents are read."""
    from assistant.compare.tally import group_barriers

    tick = progress or (lambda done, total, label: None)
    index = workspace.index
    with index.reading():
        by_council = council_documents(index.catalog)
        if not by_council:
            raise UserError(f"The index in {workspace.settings.home} holds no council's documents to compare. "
                            "Add plans first: assistant ingest --shipped, or assistant ingest FILES --kind plan.")
        chosen = select_councils(sorted(by_council), councils, types, regions)
        if not chosen:
            raise UserError(_nothing_matches(sorted(by_council), types, regions))
        documents = [d for c in chosen for d in by_council[c]]  # council by council
        kept = _Kept(by_council)
        read = _read(workspace, documents, {d.id for ds in by_council.values() for d in ds}, tick, kept.add)
        tick(len(documents), len(documents), "grouping barriers")
    barriers = group_barriers(kept.mentions, workspace.guidance, index.embedder)
    return Comparison(kept.rows, barriers, read, len(documents) - read, _notes(kept.rows))


class _Kept:
    """What compare keeps of the documents' results as they come, council by council: each
    council's row once its last document is in (the other documents' findings dropped),
    and every barrier mention."""

    def __init__(self, by_council: dict[str, list]):
        self.by_council = by_council
        self.rows: list[Row] = []
        self.mentions: list = []
        self.themes_of: dict = {}  # the current council's documents' findings

    def add(self, document, result: dict) -> None:
        from assistant.compare.barriers import Mention
        from assistant.gaps.models import ThemeFinding

        self.themes_of[document.id] = [ThemeFinding(**t) for t in result["themes"]]
        for m in result["mentions"]:  # the catalog's metadata now (a council renamed on re-ingest keeps its hash)
            m.update(council=document.council, source=document.source, title=document.title)
            self.mentions.append(Mention(**m))
        documents = self.by_council[document.council]
        if document is documents[-1]:
            self.rows.append(build_row(document.council, documents, self.themes_of))
            self.themes_of = {}


def _nothing_matches(known: list[str], types, regions) -> str:
    from collections import Counter

    from assistant.councils import describe

    have = Counter(f"{d['type']} in {d['region']}" for d in map(describe, known) if d["type"])
    listed = "; ".join(f"{n} {what}" for what, n in have.most_common(8)) or "none is in the register"
    asked = " and ".join(x for x in (", ".join(types or []), ", ".join(regions or [])) if x)
    return (f"No indexed council matches {asked}. Indexed councils by type and region: {listed}. "
            "Widen the filters, or add those councils' plans with assistant ingest.")


def _notes(rows: list[Row]) -> list[str]:
    notes = []
    unknown = [r.council for r in rows if r.type is None]
    if unknown:
        notes.append(f"{len(unknown)} council(s) not in the register of UK local authorities, so without type and "
                     f"region: {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}.")
    stand_ins = [r.council for r in rows if not r.basis.startswith("plan")]
    if stand_ins:
        notes.append(f"{len(stand_ins)} council(s) have no plan indexed; their row is read from their report or "
                     "minutes that answer most questions (see each row's document).")
    return notes


# --- "which councils ..." ------------------------------------------------------------------
GROUP_MATCH_AT = 0.5  # share of the question's topic words (weighted) a barrier's name must hold
GROUP_MEANING_AT = 0.6  # or the cosine between the question and a barrier's name


def which_councils(workspace, question: str) -> list[tuple[str, str, str, int]]:
    """Every council that cites the barrier a "which councils..." question asks about, each with
    a verbatim quote, its source and page: [(council, quote, source, page)], most cited barrier
    first if the question names several. [] when the question is about no barrier the tally
    found (the caller then answers by retrieval). Documents no compare has read yet are read
    first (about a second each on 2 cores): ``prepare`` after an ingest keeps this instant."""
    import math

    import numpy as np

    from assistant.compare.named import NAMED
    from assistant.evidence.scoring import content_stems

    comparison = compare(workspace)
    barriers = comparison.barriers
    if not barriers:
        return []
    topic = re.sub(r"\b(barriers?|problems?|issues?|obstacles?|cite[sd]?|raise[sd]?|mention(s|ed)?|complain\w*)\b",
                   " ", question, flags=re.IGNORECASE)
    asked = content_stems(topic)
    patterns = {name: re.compile(p, re.IGNORECASE) for name, p, _ in NAMED}
    names = {b.name: content_stems(b.name) for b in barriers}
    spread = {s: sum(s in n for n in names.values()) for s in asked}
    weight = {s: math.log(1 + len(names) / max(spread[s], 1)) for s in asked}
    chosen = [b for b in barriers if b.name in patterns and patterns[b.name].search(question)]
    if not chosen and asked:
        total = sum(weight.values())
        scores = [sum(weight[s] for s in asked & names[b.name]) / total for b in barriers]
        if max(scores) >= GROUP_MATCH_AT:
            chosen = [barriers[int(np.argmax(scores))]]
    if not chosen:
        embed = workspace.index.embedder.embed_documents
        sims = np.array(embed([b.name for b in barriers])) @ np.array(embed([topic]))[0]
        if float(sims.max()) >= GROUP_MEANING_AT:
            chosen = [barriers[int(np.argmax(sims))]]
    seen, found = set(), []
    for barrier in chosen:
        for m in barrier.mentions:
            if m.council not in seen:
                seen.add(m.council)
                found.append((m.council, m.quote, m.source, m.page))
    return found


def common_barriers(workspace, limit: int = 5, at_least: int = 2) -> list[tuple[str, list[tuple[str, str, str, int]]]]:
    """The barriers cited by the most councils (at least ``at_least``), most cited first, each
    with every council citing it: [(barrier, [(council, quote, source, page)])]."""
    found = []
    for barrier in compare(workspace).barriers:
        # each council once, by its plainest statement: in its barriers part, in so many words
        mentions = sorted(barrier.mentions, key=lambda m: (m.weak, not m.cue, not m.in_section))
        councils = {}
        for m in mentions:
            councils.setdefault(m.council, (m.council, m.quote, m.source, m.page))
        if len(councils) >= at_least:
            found.append((barrier.name, list(councils.values())))
    return sorted(found, key=lambda b: -len(b[1]))[:limit]
