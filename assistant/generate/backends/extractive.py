"""The offline backend: answers and draft sections made of the evidence engine's points,
each a verbatim span of its passage, ranked, de-duplicated, grouped (by council, or by
document) and cited. Faithful by construction; it needs no model and no network."""

from __future__ import annotations

import re

from assistant.models import Answer, Citation
from assistant.evidence.engine import text_key
from assistant.text.sentences import Unit

NAME = "extractive"
SOURCE_NUMBER = re.compile(r"^\s*(\d+(\.\d+)+|\d+\.)\s+(?=[A-Z])")  # "2.6 The key points..."


def check(settings) -> None:
    """Nothing to configure."""


def answer(workspace, retrieval, on_token=None) -> Answer:
    from assistant.generate.refusal import refusal

    points = workspace.evidence.answer_points(retrieval)
    if not points:
        return refusal(retrieval, NAME)
    text, citations = compose_by_barrier(points, retrieval.barrier_of) if retrieval.barrier_of \
        else compose(points, retrieval.across)
    silent = [c for c in retrieval.analysis.councils if c not in {p.unit.chunk.council for p in points}]
    if silent and len(retrieval.analysis.councils) > 1:  # asked about by name: say so rather than leave it out
        text += "\n\n" + " ".join(f"The passages searched from {c}'s documents do not answer this." for c in silent)
    return Answer(question=retrieval.question, answer=text, refused=False, backend=NAME, citations=citations,
                  filters=retrieval.filters, searched=retrieval.searched, sentences_total=len(points),
                  sentences_supported=len(points))


def write_section(workspace, council: str, evidence, theme_title: str = "", word_budget: int = 0,
                  first_n: int = 1) -> tuple[str, list[Citation], str, list[str]]:
    """The evidence pack: (text, citations, "own" | "peers" | "none", unsupported=[])."""
    text, citations, status = compose_extractive(council, evidence, first_n, workspace.settings.draft.max_own_points)
    return text, citations, status, []


def display(text: str) -> str:
    """A point as shown: the quote with its white space tidied (tabs, runs of spaces)."""
    return re.sub(r"\s+", " ", text).strip()


def citation_for(n: int, unit: Unit) -> Citation:
    chunk = unit.chunk
    return Citation(n=n, chunk_id=chunk.id, source=chunk.source, title=chunk.title, council=chunk.council,
                    kind=chunk.kind, page=chunk.page, section=chunk.section, quote=unit.text, ocr=chunk.ocr)


def compose(points, across: bool) -> tuple[str, list[Citation]]:
    """Markdown answer with [n] markers, grouped by council (across councils) or document."""
    def group_key(p) -> str:
        return p.unit.chunk.council or p.unit.chunk.title if across else p.unit.chunk.document_id

    groups: dict[str, list] = {}
    for point in points:  # groups in order of their best point
        groups.setdefault(group_key(point), []).append(point)
    councils = {p.unit.chunk.council for p in points if p.unit.chunk.council}
    documents = {p.unit.chunk.document_id for p in points}
    if across or len(councils) > 1:
        lead = (f"{len(points)} point{'s' if len(points) > 1 else ''} from {len(documents)} "
                f"document{'s' if len(documents) > 1 else ''} "
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


def compose_by_barrier(points, barrier_of: dict) -> tuple[str, list[Citation]]:
    """The barriers most councils cite, most cited first, each council's own words under it."""
    groups: dict[str, list] = {}
    for point in points:
        groups.setdefault(barrier_of[id(point)], []).append(point)
    lines = [f"The {len(groups)} barrier{'s' if len(groups) > 1 else ''} most councils cite, counted over every indexed "
             "council's documents (the barrier tally of `assistant compare`), each in the councils' own words:"]
    citations: list[Citation] = []
    for barrier, members in groups.items():
        lines += ["", f"**{barrier}**"]
        for point in members:
            citations.append(citation_for(len(citations) + 1, point.unit))
            lines += [f"- {point.unit.chunk.council}", f"  - {display(point.unit.text)} [{len(citations)}]"]
    return "\n".join(lines), citations


def bullet_lines(points, first_n: int) -> tuple[list[str], list[Citation]]:
    """Points in reading order, list items under their lead-in, each cited once."""
    unique = list({text_key(p.unit.text): p.unit for p in points}.values())
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


def compose_extractive(council: str, evidence, first_n: int, max_own_points: int) -> tuple[str, list[Citation], str]:
    """The evidence pack: own points; else the no-evidence marker and peers' examples."""
    if evidence.own:
        own = sorted(evidence.own, key=lambda s: -s.score)[:max_own_points * len(evidence.questions)]
        lines, citations = bullet_lines(own, first_n)
        return "\n".join(lines), citations, "own"
    lines = [f"**{no_evidence_marker(council)}**"]
    citations: list[Citation] = []
    by_peer: dict[str, list] = {}
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


