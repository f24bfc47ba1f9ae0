"""`draft`: a first draft of a council's Productivity Plan, theme by theme.

The outline is the guidance checklist: a section per theme, a sub-section per prompting
question. For each question we retrieve from the council's own documents first; only
where they say nothing do we turn to peers' documents, whose points are always labelled
with the peer council's name. Each section is then composed by a backend:

- ``extractive`` (offline): an evidence pack in plan form — the council's own cited
  points, grouped under their lead-ins; or a visible "No evidence found" marker followed
  by peers' examples to consider.
- an LLM (``openai``/``azure``): fluent prose, checked sentence by sentence by the
  citation protocol (``assistant.generate.chat.complete_cited``).

Citations are numbered once across the whole draft, in reading order.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from assistant.errors import UserError
from assistant.generate.extractive import (ScoredUnit, answerable, citation_for, display, score_units,
                                           select_points)
from assistant.generate.sentences import Unit, split_units
from assistant.guidance import Guidance, Question
from assistant.models import KINDS, Citation, Filters, SearchHit

K_OWN = 10  # passages retrieved per question from the council's documents
K_PEERS = 12  # ...and from peers' documents, spread across councils
MAX_OWN_POINTS = 6  # per question: an evidence pack, not a dump
MAX_PEER_POINTS = 4
MAX_PER_PEER = 2
NOT_GUIDANCE = [k for k in KINDS if k != "guidance"]

# Committee-report furniture and the plan's own paperwork: true, but not evidence of what
# the council has done (form fields, sign-off rows, recommendations, the request itself).
FORM_LABEL = re.compile(
    r"^\s*(relevant portfolio holder|portfolio holders?|report author|contact|wards? affected|ward councillors?|"
    r"relevant head of service|head of service|lead director|lead member|key decision|non-key decision|"
    r"strategic themes?|relevant strategic purpose|date of meeting|title of report|financial services|"
    r"legal services|policy team|climate change officer|background papers?|appendi(x|ces))\b", re.IGNORECASE)
BOILERPLATE_SECTION = re.compile(
    r"\b(recommendations?|report sign[- ]?off|background papers?|appendices|contact details|"
    r"reasons? for (the )?decisions?|other options considered|relevant consultations?|environmental impact|"
    r"risk management|(legal|other|equalit\w+|climate change|operational|strategic purposes?)( and diversity)?"
    r"( -)? implications)\b", re.IGNORECASE)
ABOUT_THE_PLAN = re.compile(r"\b(productivity plans?|(the|these|this) plans?|(this|the|covering) report)\b",
                            re.IGNORECASE)
PLAN_PAPERWORK = re.compile(
    r"\b(approv\w*|submi\w*|publish\w*|recommend\w*|resolved|endorse\w*|deadline|template|pages? in length|"
    r"\d\s*(-|to)\s*\d pages|four pages|minister|dluhc|levelling up|wrote|written to|request\w*|expect\w*|"
    r"required|requirement|need(ed|s)? to|delegated authority|considered the report|member oversight|circulated)\b",
    re.IGNORECASE)
# The Government's request retold ("the Government announced a new efficiency drive").
GOVERNMENT_REQUEST = re.compile(
    r"\b(government|minister|secretary of state|dluhc)\b[^.;]{0,40}?\b(announced|wrote|asked|requested|set out)\b",
    re.IGNORECASE)
PLANS_PURPOSE = re.compile(r"\b(aim|purpose)s? of (the |these )?productivity plans\b", re.IGNORECASE)
# The letter's voice ("what you have done ... your organisation"), quoted back by a report.
GUIDANCE_VOICE = re.compile(r"\byou(r)? (have|plan|should|may|organisation|council|current plans)\b", re.IGNORECASE)
THEME_LABEL = re.compile(r"^\s*theme\s*\d\b", re.IGNORECASE)
CONTACT = re.compile(r"\S+@\S+\.\w+|\btel(ephone)?\b\s*:", re.IGNORECASE)


def is_paperwork(text: str) -> bool:
    """About the productivity plan's own request, approval or submission."""
    return bool(ABOUT_THE_PLAN.search(text) and PLAN_PAPERWORK.search(text) or PLANS_PURPOSE.search(text)
                or GOVERNMENT_REQUEST.search(text) or GUIDANCE_VOICE.search(text))


def is_boilerplate(scored: ScoredUnit) -> bool:
    unit = scored.unit
    text = unit.text.strip()
    if scored.echo or THEME_LABEL.match(text) or CONTACT.search(text):
        return True
    if FORM_LABEL.match(text) and not text.endswith((".", "!", "?")):  # "Report Author  Jane Doe"
        return True
    if ("\t" in text or " | " in text) and len(text.split()) <= 12:  # a row of a form or sign-off table
        return True
    if unit.kind == "sentence" and text[:1].islower():  # the tail of a broken line, not a sentence
        return True
    if BOILERPLATE_SECTION.search(unit.chunk.section.split(" › ")[0]):
        return True
    return is_paperwork(text) or (unit.kind == "item" and is_paperwork(unit.lead_in))


# --- the draft's data ----------------------------------------------------------------------
class DraftSection(BaseModel):
    """One sub-section: a prompting question (or several, merged) and what answers it."""

    theme: int
    question_ids: list[str]
    heading: str
    questions: list[str]  # the guidance's full wording, for the officer
    evidence: str  # own | peers | none
    text: str  # Markdown with [n] markers, numbered across the whole draft
    citations: list[Citation] = Field(default_factory=list)
    unsupported: list[str] = Field(default_factory=list)  # sentences removed (LLM backends)
    words: int = 0
    word_budget: int = 0  # what a model was asked to stay within


class DraftTheme(BaseModel):
    number: int
    title: str
    sections: list[DraftSection] = Field(default_factory=list)


class DraftSummary(BaseModel):
    own: list[str] = Field(default_factory=list)  # question ids answered from the council's documents
    peers_only: list[str] = Field(default_factory=list)
    nothing: list[str] = Field(default_factory=list)

    def line(self, council: str) -> str:
        return (f"{len(self.own)} question(s) with {council}'s own evidence, {len(self.peers_only)} with peers' "
                f"examples only, {len(self.nothing)} with nothing found")


class Draft(BaseModel):
    council: str
    title: str
    backend: str
    guidance: str
    themes: list[DraftTheme]
    summary: DraftSummary
    words: int = 0
    pages: tuple[int, int] = (3, 4)  # what the guidance asks for
    word_range: tuple[int, int] = (1500, 2000)

    @property
    def citations(self) -> list[Citation]:
        return [c for t in self.themes for s in t.sections for c in s.citations]

    def contract(self) -> dict:
        data = self.model_dump(mode="json")
        data["citations"] = [c.model_dump(mode="json") for c in self.citations]
        return data


@dataclass
class SectionEvidence:
    """What retrieval found for a sub-section: one prompting question, or several merged."""

    questions: list[Question]
    own: list[ScoredUnit] = field(default_factory=list)  # the council's own points
    peers: list[ScoredUnit] = field(default_factory=list)  # peers' points to consider

    @property
    def theme(self) -> int:
        return self.questions[0].theme

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]


# --- retrieval: own first, then peers ---------------------------------------------------------
def text_key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def unit_key(s: ScoredUnit) -> str:
    """Points are the same if their words are (overlapping chunks hold the same sentence)."""
    return text_key(s.unit.text)


def echo_wordings(guidance: Guidance) -> list[str]:
    """The guidance's own words, which cover reports and minutes quote back."""
    return [t.title for t in guidance.themes] + [t.note for t in guidance.themes if t.note] + \
        [r.text for r in guidance.rules] + [q.text for q in guidance.questions()] + \
        [t.letter_wording for t in guidance.themes if t.letter_wording]


def best_points(question: Question, hits: list[SearchHit], embedder, ignore: set[str], wordings: list[str],
                idf, across: bool) -> list[ScoredUnit]:
    """The points of ``hits`` that answer ``question`` (empty if none does)."""
    scored = [s for s in score_units(question.text, hits, embedder, ignore, question.evidence, wordings, idf=idf)
              if not is_boilerplate(s)]
    if not any(answerable(s) for s in scored):
        return []
    return select_points(scored, across)


class Retriever:
    """Per-question retrieval for one council: its own documents, or its peers'."""

    def __init__(self, index, guidance: Guidance, council: str, embedder):
        from assistant.question import council_key_words

        self.index, self.embedder = index, embedder
        known = index.catalog.councils()
        self.peers = [c for c in known if c != council]
        self.own_filter = Filters(councils=[council], kinds=NOT_GUIDANCE)
        self.peer_filter = Filters(councils=self.peers, kinds=NOT_GUIDANCE)
        self.ignore = {w for c in known for w in council_key_words(c)}
        self.wordings = echo_wordings(guidance)

    def own(self, section: SectionEvidence) -> None:
        for question in section.questions:
            hits = self.index.search(question.text, self.own_filter, k=K_OWN, expansions=question.evidence)
            section.own += best_points(question, hits, self.embedder, self.ignore, self.wordings,
                                       self.index.lexical.idf, across=False)

    def peers_for(self, section: SectionEvidence) -> None:
        if not self.peers:
            return
        for question in section.questions:
            hits = self.index.search(question.text, self.peer_filter, k=K_PEERS, diversify=True,
                                     expansions=question.evidence)
            section.peers += best_points(question, hits, self.embedder, self.ignore, self.wordings,
                                         self.index.lexical.idf, across=True)


def merge_sections(found: list[SectionEvidence]) -> list[SectionEvidence]:
    """Each of the council's points is shown once, under the question it answers best. A
    question whose every point answers another question of its theme better is merged
    with the question that took most of them (the plan answers both in one sub-section)."""
    best: dict[str, tuple[float, int]] = {}
    for i, section in enumerate(found):
        for s in section.own:
            if unit_key(s) not in best or s.score > best[unit_key(s)][0]:
                best[unit_key(s)] = (s.score, i)
    merged_into: dict[int, int] = {}
    for i, section in enumerate(found):
        owners = [best[unit_key(s)][1] for s in section.own]
        kept = [s for s, owner in zip(section.own, owners) if owner == i]
        takers = Counter(owner for owner in owners if found[owner].theme == section.theme)
        if kept:
            section.own = kept
        elif takers:
            merged_into[i] = takers.most_common(1)[0][0]
    groups: dict[int, SectionEvidence] = {}
    for i, section in enumerate(found):
        target = i
        while target in merged_into:  # a chain: 4.1 -> 4.2 -> 4.3
            target = merged_into[target]
        if target in groups:
            groups[target].questions += section.questions
        else:
            groups[target] = SectionEvidence(list(section.questions), own=found[target].own)
    return list(groups.values())


def peer_examples(points: list[ScoredUnit], shown: set[str]) -> list[ScoredUnit]:
    """A few of peers' best points, a couple per peer, none shown in an earlier section."""
    chosen: list[ScoredUnit] = []
    per_peer: Counter = Counter()
    for point in sorted(points, key=lambda s: -s.score):
        peer = point.unit.chunk.council
        if unit_key(point) in shown or per_peer[peer] >= MAX_PER_PEER or len(chosen) >= MAX_PEER_POINTS:
            continue
        chosen.append(point)
        per_peer[peer] += 1
        shown.add(unit_key(point))
    return chosen


def gather_evidence(index, guidance: Guidance, council: str, questions: list[Question], embedder,
                    progress=None, peers_always: bool = False) -> list[SectionEvidence]:
    """Own evidence for every question, sections merged where they share it, then peers'
    examples for the sections the council's documents say nothing about (for every section
    with ``peers_always``: a model writes them up as clearly labelled examples)."""
    retriever = Retriever(index, guidance, council, embedder)
    found = []
    for question in questions:
        section = SectionEvidence([question])
        retriever.own(section)
        found.append(section)
        if progress:
            progress.advance(f"searching {question.id}")
    sections = merge_sections(found)
    shown: set[str] = set()
    for section in sections:
        if peers_always or not section.own:
            retriever.peers_for(section)
            section.peers = peer_examples(section.peers, shown)
    add_antecedents(sections)
    return sections


# --- composing a section ------------------------------------------------------------------------
DANGLING = re.compile(r"^(This|These|That|Those|It|They|Such)\b")
SOURCE_NUMBER = re.compile(r"^\s*(\d+(\.\d+)+|\d+\.)\s+(?=[A-Z])")  # "2.6 The key points..."


def with_antecedent(point: ScoredUnit, quoted: set[str]) -> ScoredUnit:
    """A sentence that opens with "This ..." is quoted with the sentence it refers back
    to, unless that sentence is a point of its own somewhere in the draft."""
    unit = point.unit
    if unit.kind != "sentence" or not DANGLING.match(unit.text):
        return point
    before = [u for u in split_units(unit.chunk) if u.kind == "sentence" and u.end <= unit.start]
    if not before or unit.chunk.text[before[-1].end:unit.start].strip():
        return point
    if text_key(before[-1].text) in quoted:
        return point
    return ScoredUnit(Unit(unit.chunk, before[-1].start, unit.end, "sentence"), point.semantic, point.lexical)


def add_antecedents(sections: list[SectionEvidence]) -> None:
    quoted = {unit_key(s) for section in sections for s in section.own + section.peers}
    for section in sections:
        section.own = [with_antecedent(s, quoted) for s in section.own]
        section.peers = [with_antecedent(s, quoted) for s in section.peers]


def bullet_lines(points: list[ScoredUnit], first_n: int) -> tuple[list[str], list[Citation]]:
    """Points in reading order, list items under their lead-in, each cited once."""
    unique = list({unit_key(p): p.unit for p in points}.values())
    units = sorted(unique, key=lambda u: (u.chunk.document_id, u.chunk.position, u.start))
    lines: list[str] = []
    citations: list[Citation] = []
    current_lead = None
    for unit in units:
        n = first_n + len(citations)
        citations.append(citation_for(n, unit))
        lead_in = unit.lead_in if unit.kind == "item" else ""
        if lead_in and lead_in != current_lead:
            lines.append(f"- {SOURCE_NUMBER.sub('', display(lead_in))}")
        current_lead = lead_in or None
        lines.append(f"{'  ' if lead_in else ''}- {SOURCE_NUMBER.sub('', display(unit.text))} [{n}]")
    return lines, citations


def no_evidence_marker(council: str) -> str:
    return f"No evidence found in {council}'s documents."


def peer_intro(peer: str) -> str:
    return f"Peers' examples to consider — {peer}:"


def compose_extractive(council: str, evidence: SectionEvidence, first_n: int) -> tuple[str, list[Citation], str]:
    """The evidence pack: own points; else the no-evidence marker and peers' examples."""
    if evidence.own:
        own = sorted(evidence.own, key=lambda s: -s.score)[:MAX_OWN_POINTS * len(evidence.questions)]
        lines, citations = bullet_lines(own, first_n)
        return "\n".join(lines), citations, "own"
    lines = [f"**{no_evidence_marker(council)}**"]
    citations: list[Citation] = []
    by_peer: dict[str, list[ScoredUnit]] = {}
    for point in evidence.peers:  # peers in order of their best point
        by_peer.setdefault(point.unit.chunk.council, []).append(point)
    for peer, points in by_peer.items():
        more, cited = bullet_lines(points, first_n + len(citations))
        lines += ["", f"*{peer_intro(peer)}*", *more]
        citations += cited
    if not citations:
        wanted = [point for q in evidence.questions for point in q.evidence]
        lines += ["", "Peers' documents say nothing on this either. A good answer covers: "
                  + "; ".join(dict.fromkeys(wanted)) + "."]
    return "\n".join(lines), citations, "peers" if citations else "none"


def compose_section(settings, backend: str, council: str, evidence: SectionEvidence, first_n: int,
                    word_budget: int = 0, embedder=None, theme_title: str = "") -> DraftSection:
    """One sub-section, by the chosen backend; citations are numbered from ``first_n``.

    extractive: the evidence pack. openai/azure: prose within ``word_budget`` words, checked
    by the citation protocol; where the model writes nothing the documents support, the
    section falls back to the evidence pack."""
    status = "own" if evidence.own else "peers" if evidence.peers else "none"
    unsupported: list[str] = []
    text = ""
    if backend != "extractive":
        from assistant.draft_llm import compose_llm

        text, citations, unsupported = compose_llm(settings, backend, council, evidence, theme_title, word_budget,
                                                   first_n, embedder)
        if text and not evidence.own:
            text = f"**{no_evidence_marker(council)}**\n\n{text}"
    if not text:
        text, citations, status = compose_extractive(council, evidence, first_n)
    return DraftSection(theme=evidence.theme, question_ids=evidence.ids, heading=heading(evidence.questions),
                        questions=[q.text for q in evidence.questions], evidence=status, text=text,
                        citations=citations, unsupported=unsupported, words=count_words(text),
                        word_budget=word_budget)


def heading(questions: list[Question]) -> str:
    """The first question's first sentence, after the ids it answers ("4.1 & 4.2 What ...?")."""
    first = re.split(r"(?<=[?.])\s+", questions[0].text.strip(), maxsplit=1)[0]
    return f"{' & '.join(q.id for q in questions)} {first}"


def count_words(markdown: str) -> int:
    return len(re.findall(r"[A-Za-z0-9£%][\w£%'’.,-]*", re.sub(r"\[\d+\]", "", markdown)))


# --- the whole draft ------------------------------------------------------------------------
def word_range(guidance: Guidance) -> tuple[int, int]:
    """The whole plan's length in words, from the guidance's pages (3-4 pages: 1,500-2,000)."""
    length = guidance.length
    return length.min_pages * length.words_per_page, length.max_pages * length.words_per_page


def select_themes(guidance: Guidance, theme: str) -> list[int]:
    numbers = [t.number for t in guidance.themes]
    if str(theme).strip().lower() == "all":
        return numbers
    try:
        number = int(theme)
    except ValueError:
        raise UserError(f"--theme must be a theme number ({', '.join(map(str, numbers))}) or 'all', not '{theme}'.")
    guidance.theme(number)  # unknown theme: a UserError naming the known ones
    return [number]


def section_budget(guidance: Guidance, section: SectionEvidence) -> int:
    """Words for a section: the plan's middle length shared equally among the guidance's
    questions, so that each theme's share follows its number of questions."""
    low, high = word_range(guidance)
    return max(40, round((low + high) / 2 / len(guidance.questions()) * len(section.questions)))


def draft(settings, council: str, theme: str = "all", backend: str | None = None, progress=None) -> Draft:
    """Draft the plan for ``council`` (a forgiving name), for one theme or all.

    ``progress``, if given, has ``start(total)`` and ``advance(description)``: one step per
    question searched, and with a model one more per question written."""
    from assistant.guidance import load_guidance
    from assistant.index import open_index
    from assistant.question import resolve_council

    backend = backend or settings.llm
    if backend not in ("extractive", "openai", "azure"):
        raise UserError(f"unknown --llm '{backend}'. Choose extractive (offline, the default), openai or azure.")
    guidance = load_guidance(settings.guidance_path())
    numbers = select_themes(guidance, theme)
    if backend != "extractive":
        from assistant.generate.chat import chat_model

        chat_model(settings, backend)  # not configured: exit 3 before any work
    index = open_index(settings)
    try:
        if index.catalog.count_chunks() == 0:
            raise UserError(f"the index in {settings.home} is empty. Add the council's documents first: "
                            "assistant ingest FILE... --council NAME (or assistant ingest --shipped).")
        councils = sorted({d.council for d in index.catalog.documents() if d.kind != "guidance" and d.council})
        council = resolve_council(council, councils)
        questions = [q for n in numbers for q in guidance.theme(n).questions]
        if progress:
            progress.start(len(questions) * (1 if backend == "extractive" else 2))
        embedder = index.embedder  # remembers vectors: questions of a theme share passages
        sections = gather_evidence(index, guidance, council, questions, embedder, progress,
                                   peers_always=backend != "extractive")
    finally:
        index.close()
    themes, summary, n = [], DraftSummary(), 1
    for number in numbers:
        draft_theme = DraftTheme(number=number, title=guidance.theme(number).title)
        for evidence in (s for s in sections if s.theme == number):
            section = compose_section(settings, backend, council, evidence, n, section_budget(guidance, evidence),
                                      embedder, draft_theme.title)
            n += len(section.citations)
            draft_theme.sections.append(section)
            {"own": summary.own, "peers": summary.peers_only, "none": summary.nothing}[section.evidence].extend(
                evidence.ids)
            if progress and backend != "extractive":
                for question_id in evidence.ids:
                    progress.advance(f"writing {question_id}")
        themes.append(draft_theme)
    length = guidance.length
    return Draft(council=council, title=f"{council}: Productivity Plan (draft)", backend=backend,
                 guidance=guidance.title, themes=themes, summary=summary,
                 words=sum(s.words for t in themes for s in t.sections),
                 pages=(length.min_pages, length.max_pages), word_range=word_range(guidance))
