"""`draft`: a first draft of a council's Productivity Plan, theme by theme.

The outline is the guidance checklist: a section per theme, a sub-section per prompting
question. For each question the evidence engine finds the council's own points first; only
where they say nothing do we turn to peers' documents, whose points are always labelled
with the peer council's name (draft/evidence.py). Each section is then written by the
chosen backend (generate/backends/): the offline evidence pack, or a model's prose checked
sentence by sentence by the citation protocol.

Citations are numbered once across the whole draft, in reading order.
"""

from __future__ import annotations

import re

from assistant.draft.evidence import SectionEvidence, gather_evidence
from assistant.draft.models import Draft, DraftSection, DraftSummary, DraftTheme
from assistant.errors import UserError
from assistant.generate.backends.extractive import no_evidence_marker
from assistant.guidance import Guidance, Question
from assistant.text.markers import strip_markers

__all__ = ["Draft", "DraftSection", "DraftSummary", "DraftTheme", "draft"]


def compose_section(workspace, backend: str, council: str, evidence: SectionEvidence, first_n: int,
                    word_budget: int = 0, theme_title: str = "") -> DraftSection:
    """One sub-section, by the chosen backend; citations are numbered from ``first_n``.

    extractive: the evidence pack. openai/azure: prose within ``word_budget`` words, checked
    by the citation protocol; where the model writes nothing the documents support, the
    section falls back to the evidence pack."""
    from assistant.generate import backends

    text, citations, status, unsupported = backends.get(backend).write_section(
        workspace, council, evidence, theme_title, word_budget, first_n)
    if backends.is_model(backend):
        if text and not evidence.own:
            text = f"**{no_evidence_marker(council)}**\n\n{text}"
        if not text:
            text, citations, status, _ = backends.get(backends.OFFLINE).write_section(workspace, council, evidence,
                                                                                   first_n=first_n)
    return DraftSection(theme=evidence.theme, question_ids=evidence.ids, heading=heading(evidence.questions),
                        questions=[q.text for q in evidence.questions], evidence=status, text=text,
                        citations=citations, unsupported=unsupported, words=count_words(text),
                        word_budget=word_budget)


def heading(questions: list[Question]) -> str:
    """The first question's first sentence, after the ids it answers ("4.1 & 4.2 What ...?")."""
    first = re.split(r"(?<=[?.])\s+", questions[0].text.strip(), maxsplit=1)[0]
    return f"{' & '.join(q.id for q in questions)} {first}"


def count_words(markdown: str) -> int:
    return len(re.findall(r"[A-Za-z0-9£%][\w£%'’.,-]*", strip_markers(markdown)))


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
    from assistant.evidence.question import resolve_council
    from assistant.generate import backends
    from assistant.workspace import open_workspace

    backend = backends.name_of(backend, settings)
    model = backends.is_model(backend)
    workspace = open_workspace(settings)
    guidance = workspace.guidance
    numbers = select_themes(guidance, theme)
    backends.get(backend).check(settings)  # not configured: exit 3 before any work
    index = workspace.index
    try:
        if index.catalog.count_chunks() == 0:
            raise UserError(f"the index in {settings.home} is empty. Add the council's documents first: "
                            "assistant ingest FILE... --council NAME (or assistant ingest --shipped).")
        councils = sorted({d.council for d in index.catalog.documents() if d.kind != "guidance" and d.council})
        council = resolve_council(council, councils)
        questions = [q for n in numbers for q in guidance.theme(n).questions]
        if progress:
            progress.start(len(questions) * (2 if model else 1))
        sections = gather_evidence(workspace, council, questions, progress, peers_always=model)
        themes, summary, n = [], DraftSummary(), 1
        for number in numbers:
            draft_theme = DraftTheme(number=number, title=guidance.theme(number).title)
            for evidence in (s for s in sections if s.theme == number):
                section = compose_section(workspace, backend, council, evidence, n,
                                          section_budget(guidance, evidence), draft_theme.title)
                n += len(section.citations)
                draft_theme.sections.append(section)
                {"own": summary.own, "peers": summary.peers_only, "none": summary.nothing}[section.evidence].extend(
                    evidence.ids)
                if progress and model:
                    for question_id in evidence.ids:
                        progress.advance(f"writing {question_id}")
            themes.append(draft_theme)
    finally:
        workspace.close()
    length = guidance.length
    return Draft(council=council, title=f"{council}: Productivity Plan (draft)", backend=backend,
                 guidance=guidance.title, themes=themes, summary=summary,
                 words=sum(s.words for t in themes for s in t.sections),
                 pages=(length.min_pages, length.max_pages), word_range=word_range(guidance))
