"""A draft section written by a chat model (``--llm openai|azure``).

The model gets the council's own passages and peers' passages as separate, labelled
context (prompts/draft_section.*.md) and a word budget. Its reply then goes through the
citation protocol (``complete_cited``: every sentence must cite a passage that supports
it), and one check of our own: a sentence that draws on a peer's document must name that
peer, so that a peer's achievement never reads as the council's own. Sentences that fail
are removed and listed as unsupported.
"""

from __future__ import annotations

import re

from assistant.generate.citations import CitedText
from assistant.text.markers import MARKS, cited_numbers, markers_before_stop, strip_markers
from assistant.text.markers import renumber as renumber_markers
from assistant.models import Citation, SearchHit

DOCUMENT_NUMBER = re.compile(r'<document n="(\d+)"')
PEERS_LEAD_IN = re.compile(r"^\W*peers'? examples", re.IGNORECASE)


def unique_hits(points) -> list[SearchHit]:
    """The passages the chosen points come from, each once, in order."""
    hits: dict[str, SearchHit] = {}
    for point in points:
        chunk = point.unit.chunk
        hits.setdefault(chunk.id, SearchHit(chunk=chunk, score=point.score))
    return list(hits.values())


def numbered_context(hits: list[SearchHit], first: int) -> str:
    """``format_context`` with numbers starting at ``first`` (own and peers' blocks share one numbering)."""
    from assistant.generate.backends.openai import format_context

    if not hits:
        return "(none)"
    return DOCUMENT_NUMBER.sub(lambda m: f'<document n="{int(m.group(1)) + first - 1}"', format_context(hits))


def names(text: str, council: str) -> bool:
    """Whether ``text`` names ``council`` ("Blaby" names Blaby District Council)."""
    from assistant.evidence.question import match_councils

    return bool(match_councils(text, [council])) or council.lower() in text.lower()


def attributed(result: CitedText, council: str) -> CitedText:
    """Remove sentences that cite a peer's passage without naming the peer (in the sentence,
    earlier in its line, or in the lead-in line above it), and the council's own points
    placed under a peers' lead-in (they would read as the peer's)."""
    from assistant.generate.citations import LIST_MARKER
    from assistant.text.sentences import sentence_spans

    by_n = {c.n: c for c in result.citations}
    lines: list[str] = []
    removed: list[str] = []
    lead = ""
    for line in markers_before_stop(result.text).split("\n"):
        if not MARKS.search(line):
            lines.append(line)
            lead = line if line.strip() else lead
            continue
        marker = LIST_MARKER.match(line)
        prefix = marker.group(1) if marker else ""
        body = line[len(prefix):]
        kept = []
        for start, end in sentence_spans(body):
            sentence = body[start:end]
            councils = {by_n[n].council for n in cited_numbers(sentence) if n in by_n}
            peers = councils - {council}
            under_peer_lead_in = PEERS_LEAD_IN.match(lead) and council in councils
            if not under_peer_lead_in and all(names(f"{lead} {body[:end]}", peer) for peer in peers):
                kept.append(sentence)
            else:
                removed.append(strip_markers(sentence).replace(" .", ".").strip())
        if kept:
            lines.append(prefix + " ".join(kept))
    text = "\n".join(without_empty_lead_ins(lines)).strip()
    used = cited_numbers(text)
    return CitedText(text, [by_n[n] for n in used if n in by_n], result.unsupported + removed, not used,
                     result.sentences_total, result.sentences_supported - len(removed),
                     result.reasons + ["a peer's point not attributed to the peer"] * len(removed), result.raw)


def without_empty_lead_ins(lines: list[str]) -> list[str]:
    """Lines less the lead-ins ("...:") whose every point was removed."""
    kept = []
    for i, line in enumerate(lines):
        following = next((later for later in lines[i + 1:] if later.strip()), "")
        if line.rstrip().endswith(":") and not MARKS.search(line) and not MARKS.search(following):
            continue
        kept.append(line)
    return kept


def renumber(text: str, citations: list[Citation], first_n: int) -> tuple[str, list[Citation]]:
    """Markers and citations renumbered from ``first_n``, in order of first use in ``text``."""
    order = cited_numbers(text)
    new = {old: first_n + i for i, old in enumerate(order)}
    by_n = {c.n: c for c in citations}
    text = renumber_markers(text, new)
    return text, [by_n[old].model_copy(update={"n": new[old]}) for old in order if old in by_n]


def compose_llm(settings, backend: str, council: str, evidence, theme_title: str, word_budget: int, first_n: int,
                embedder) -> tuple[str, list[Citation], list[str]]:
    """(text with [n] markers from ``first_n``, citations, unsupported sentences); text is
    empty when the model's reply had no supported sentence."""
    from assistant.generate.backends.openai import complete_cited

    own_hits, peer_hits = unique_hits(evidence.own), unique_hits(evidence.peers)
    if not own_hits and not peer_hits:
        return "", [], []
    if not own_hits:
        note = f"{council}'s own documents say nothing on this: write only peers' examples, under their lead-in lines."
    elif not peer_hits:
        note = "There are no peers' examples for this section: write only the council's own text."
    else:
        note = ""
    variables = {
        "council": council, "theme": evidence.theme, "theme_title": theme_title, "word_budget": word_budget,
        "questions": "\n".join(f"{q.id} {q.text}" for q in evidence.questions),
        "own_context": numbered_context(own_hits, 1),
        "peer_context": numbered_context(peer_hits, len(own_hits) + 1),
        "peer_note": note,
    }
    result = complete_cited(settings, backend, "draft_section", variables, own_hits + peer_hits, embedder)
    if result.refused:
        return "", [], result.unsupported
    result = attributed(result, council)
    if result.refused:
        return "", [], result.unsupported
    text, citations = renumber(result.text, result.citations, first_n)
    return text, citations, result.unsupported
