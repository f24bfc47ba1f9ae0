"""`ask`: one question through the pipeline — read the question, retrieve, compose with
the chosen backend, cite — into an Answer. A refusal is an answer (refused=True) that
says plainly what was searched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.models import KINDS, Answer, Filters, SearchHit
from assistant.question import QuestionAnalysis, analyse

K = 10
QUANTITY = re.compile(r"\b(how (?:much|many)|what (?:amount|percentage|proportion|share|sum|figure|number|cost))\b",
                      re.IGNORECASE)
K_ACROSS = 30
K_PER_COUNCIL = 6
PER_COUNCIL_LIMIT = 40


@dataclass
class Retrieval:
    question: str
    analysis: QuestionAnalysis
    filters: Filters  # what was applied: the officer's filters plus what the question implied
    hits: list[SearchHit]
    searched: str  # said when refusing
    councils_known: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)  # the guidance's evidence points for it

    @property
    def across(self) -> bool:
        return self.analysis.across_councils


def implied_filters(analysis: QuestionAnalysis, given: Filters) -> list[Filters]:
    """Filters to try, strictest first: the officer's own always apply; the question's
    (a council it names, the guidance, a theme) are dropped one by one if nothing is found."""
    councils = given.councils or analysis.councils
    if given.kinds:
        kinds = given.kinds
    elif analysis.about_guidance:
        kinds = ["guidance"]
    elif analysis.across_councils:
        kinds = [k for k in KINDS if k != "guidance"]  # peers' points, not the checklist's
    else:
        kinds = []
    themes = given.themes or analysis.themes
    tries = [Filters(councils=councils, kinds=kinds, themes=themes, document_ids=given.document_ids)]
    if themes and not given.themes:
        tries.append(Filters(councils=councils, kinds=kinds, document_ids=given.document_ids))
    if kinds and not given.kinds:
        tries.append(Filters(councils=councils, themes=given.themes, document_ids=given.document_ids))
    return tries


def search_each_council(index, question: str, filters: Filters, expansions: list[str]) -> list[SearchHit]:
    """For questions about peers: each council's own best passages, so that one council
    with many documents cannot crowd the others out. Past PER_COUNCIL_LIMIT councils (a
    national index), one search spread across councils instead."""
    councils = filters.councils or [c for c in index.catalog.councils(kinds=filters.kinds or None)]
    if len(councils) > PER_COUNCIL_LIMIT:
        return index.search(question, filters, k=K_ACROSS, diversify=True, expansions=expansions)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for council in councils:
        scoped = filters.model_copy(update={"councils": [council]})
        for hit in index.search(question, scoped, k=K_PER_COUNCIL, expansions=expansions, expansion_top=1):
            if hit.chunk.id not in seen:
                seen.add(hit.chunk.id)
                hits.append(hit)
    return sorted(hits, key=lambda h: -h.score)


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


def retrieve(index, question: str, given: Filters | None = None, k: int | None = None) -> Retrieval:
    from assistant.guidance import load_guidance
    from assistant.question import guidance_expansions

    given = given or Filters()
    analysis = analyse(question, index.catalog.councils(), index.mentions)
    expansions = [] if analysis.about_guidance else guidance_expansions(
        question, load_guidance(index.settings.guidance_path()), index.embedder)
    hits: list[SearchHit] = []
    filters = given
    for filters in implied_filters(analysis, given):
        if analysis.across_councils:
            hits = search_each_council(index, question, filters, expansions)
        else:
            hits = index.search(question, filters, k=k or K, expansions=expansions)
        if hits:
            break
    documents = {h.chunk.document_id for h in hits}
    scope = describe_filters(filters)
    searched = (f"{len(hits)} passages from {len(documents)} document(s)"
                f"{' (' + scope + ')' if scope else ''} of {len(index.catalog.documents())} indexed")
    return Retrieval(question, analysis, filters, hits, searched, index.catalog.councils(), expansions)


def refusal(retrieval: Retrieval, backend: str, reason: str = "") -> Answer:
    analysis = retrieval.analysis
    if analysis.unknown_names:
        names = ", ".join(dict.fromkeys(analysis.unknown_names))
        text = (f"The documents do not mention {names}, so they cannot answer this. "
                f"Councils in the index: {', '.join(c for c in retrieval.councils_known) or 'none'}.")
    else:
        text = (f"The documents do not say. I searched {retrieval.searched}, and none of them answers "
                f"\"{retrieval.question}\".")
    if reason:
        text += f" {reason}"
    return Answer(question=retrieval.question, answer=text, refused=True, backend=backend,
                  filters=retrieval.filters, searched=retrieval.searched)


NUMBER_WORDS = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                          r"fifty|hundred|thousand|million|billion|half|third|quarter)\b", re.IGNORECASE)
NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+")  # "6.1 There are..." is a paragraph number


def states_quantity(text: str) -> bool:
    from assistant.generate.judge import figures

    text = NUMBERING.sub("", text)
    return bool(figures(text) or NUMBER_WORDS.search(text))


def guidance_wordings(settings) -> list[str]:
    """The guidance's own words (theme wordings and questions), to spot plans echoing them."""
    from assistant.guidance import load_guidance

    guidance = load_guidance(settings.guidance_path())
    return [t.letter_wording for t in guidance.themes if t.letter_wording] + [q.text for q in guidance.questions()]


def answer_extractive(index, retrieval: Retrieval) -> Answer:
    from assistant.generate.extractive import answerable, compose, content_stems, score_units, select_points

    analysis = retrieval.analysis
    if analysis.unknown_names or not retrieval.hits:
        return refusal(retrieval, "extractive")
    # the names of the councils asked about say who, not what: they are not topic words
    ignore = {w.lower() for c in analysis.councils for w in re.findall(r"[A-Za-z]+", c)} | {"guidance", "theme", "letter"}
    scored = score_units(retrieval.question, retrieval.hits, index.embedder, ignore, retrieval.expansions,
                         guidance_wordings(index.settings), idf=index.lexical.idf)
    if QUANTITY.search(retrieval.question):
        # "how much / how many" is answered by a figure, in a sentence that names what it counts
        asked = content_stems(retrieval.question, ignore)
        scored = [s for s in scored if states_quantity(s.unit.text) and asked & content_stems(s.unit.text)]
    if not any(answerable(s) for s in scored):
        return refusal(retrieval, "extractive")
    points = select_points(scored, retrieval.across)
    text, citations = compose(points, retrieval.across)
    return Answer(question=retrieval.question, answer=text, refused=False, backend="extractive",
                  citations=citations, filters=retrieval.filters, searched=retrieval.searched,
                  sentences_total=len(points), sentences_supported=len(points))


def ask(settings, question: str, filters: Filters | None = None, llm: str | None = None, on_token=None) -> Answer:
    """Answer one question. ``llm`` overrides settings.llm; ``on_token`` streams text."""
    from assistant.errors import UserError
    from assistant.index import open_index

    question = (question or "").strip()
    if not question:
        raise UserError("the question is empty. Ask something, e.g. assistant ask \"What barriers did peers cite?\"")
    backend = llm or settings.llm
    index = open_index(settings)
    try:
        retrieval = retrieve(index, question, filters)
        if backend == "extractive":
            return answer_extractive(index, retrieval)
        from assistant.generate.chat import answer_with_llm

        return answer_with_llm(settings, index, retrieval, backend, on_token=on_token)
    finally:
        index.close()
