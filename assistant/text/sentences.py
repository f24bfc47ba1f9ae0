"""Chunks -> units: the sentences and list items an answer can quote, each a verbatim
span of its chunk, with the context that makes it readable (its list's lead-in, its
section heading)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.text.blocks import BULLET, split_blocks
from assistant.models import Chunk

MIN_WORDS = 5


@dataclass
class Unit:
    chunk: Chunk
    start: int  # offsets in chunk.text
    end: int
    kind: str  # sentence | item
    lead_in: str = ""  # the line that introduces the list an item belongs to

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]

    @property
    def context(self) -> str:
        """What a reader needs to understand the unit: a list item's lead-in, or failing
        that its section heading. Sentences stand alone (a heading such as "Productivity
        Plans" would make every sentence under it look relevant)."""
        if self.kind == "item":
            return self.lead_in or self.chunk.section.split(" › ")[0]
        return ""

    def with_context(self) -> str:
        return f"{self.context}: {self.text}" if self.context else self.text


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (trimmed of surrounding white space), shifted by ``offset``."""
    spans = []
    # a line break inside a paragraph is layout (PDF lines), not a sentence boundary;
    # replacing it keeps every offset the same
    for piece in _segmenter().segment(text.replace("\n", " ")):
        start, end = piece.start, piece.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((offset + start, offset + end))
    return spans


def _inherited_lead_in(chunk: Chunk) -> str:
    # a chunk that starts inside a list carries "Section › lead-in:" as its section
    return chunk.section.split(" › ", 1)[1] if " › " in chunk.section else ""


def split_units(chunk: Chunk) -> list[Unit]:
    units: list[Unit] = []
    text = chunk.text
    for block in split_blocks(text):
        if block.kind == "heading":
            continue
        if block.kind == "item":
            marker = BULLET.match(text[block.start:block.end])
            start = block.start + (marker.end() if marker else 0)
            lead_in = block.lead_in or _inherited_lead_in(chunk)
            spans = [(start, block.end)]
            if block.end - start > 400:  # a long item reads better as its sentences
                spans = sentence_spans(text[start:block.end], start)
            units.extend(Unit(chunk, s, e, "item", lead_in) for s, e in spans)
            continue
        for s, e in sentence_spans(text[block.start:block.end], block.start):
            units.append(Unit(chunk, s, e, "sentence"))
    units = [_without_emphasis(u) for u in units]
    # a sentence of a few words is a form field ("Portfolio Holder Consulted Yes"), not a claim
    return [u for u in units if u.end > u.start and (u.kind == "item" or len(re.findall(r"\w+", u.text)) >= MIN_WORDS)]


EMPHASIS_EDGE = "*_` \t"


def _without_emphasis(unit: Unit) -> Unit:
    """The span without Markdown emphasis marks left at its edges ("** The council..."),
    still a verbatim slice of its chunk."""
    text = unit.chunk.text
    start, end = unit.start, unit.end
    while start < end and text[start] in EMPHASIS_EDGE:
        start += 1
    while end > start and text[end - 1] in EMPHASIS_EDGE:
        end -= 1
    if (start, end) == (unit.start, unit.end):
        return unit
    return Unit(unit.chunk, start, end, unit.kind, unit.lead_in)


CLAUSE_BREAK = re.compile(r"\s[-–—]\s|;\s|:\s|,\s|\s\(")


def clauses(unit: Unit, min_words: int = 12) -> list[str]:
    """The clauses of a long unit, so that one relevant clause of a long sentence is
    found ("...with the aim to reduce the current reliance of consultants...")."""
    text = unit.text
    if len(text.split()) < min_words:
        return []
    parts = [p.strip(" ,;:()") for p in CLAUSE_BREAK.split(text)]
    return [p for p in parts if len(p.split()) >= 4]


def is_lead_in(unit: Unit) -> bool:
    """A line that only introduces a list ("We measure productivity through: -")."""
    return unit.text.rstrip(" -").endswith(":")
