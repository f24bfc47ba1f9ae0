"""Matching a draft against the guidance: the draft's units (sentences and list items, with
their paragraph), scored by the evidence engine's scorer (``UnitMatrix``) against
questions and evidence points, with word weights from the guidance itself."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.evidence.scoring import UnitMatrix, content_stems, weighted_overlap
from assistant.gaps.models import Evidence

# Words that say nothing of which question a passage answers.
STOP_WORDS = frozenset(STOPWORDS_EN_PLUS) | {"you", "your", "we", "our", "us", "council", "councils"}


def key_stems(text: str) -> set[str]:
    """The stemmed content words of a text (stop words and question words left out)."""
    return content_stems(text, STOP_WORDS)


class Vocabulary:
    """Word weights from the guidance itself: a word few prompting questions use
    ("prevent", "legacy") says more about which question a passage answers than one many
    use ("spend", "data"). And the guidance's own wording, to spot drafts that restate it."""

    def __init__(self, guidance, tuning):
        self.tuning = tuning
        documents = [key_stems(q.text + " " + " ".join(q.evidence)) for q in guidance.questions()]
        counts = Counter(stem for d in documents for stem in d)
        n = len(documents)
        self.weights = {stem: math.log(1 + (n - c + 0.5) / (c + 0.5)) for stem, c in counts.items()}
        self.unseen = math.log(1 + (n + 0.5) / 0.5)
        self.wording: set[str] = set()
        for theme in guidance.themes:
            self.wording |= key_stems(f"{theme.title} {theme.short} {theme.letter_wording}")
        for question in guidance.questions():
            self.wording |= key_stems(question.text)

    def weight(self, stem: str) -> float:
        return self.weights.get(stem, self.unseen)

    def overlap(self, wanted: set[str], present: set[str]) -> float:
        return weighted_overlap(wanted, present, self.weight)

    def restates(self, stems: set[str]) -> bool:
        """Made almost wholly of the guidance's words ("c) ways to reduce wasteful spend")."""
        return len(stems) >= 3 and len(stems & self.wording) >= self.tuning.echo_share * len(stems)


@dataclass
class DraftUnit:
    unit: object  # assistant.text.sentences.Unit
    paragraph: int
    echo: bool

    @property
    def chunk(self):
        return self.unit.chunk

    @property
    def section(self) -> str:
        return self.chunk.section.split(" › ", 1)[0]

    def evidence(self, score: float, matches: str) -> Evidence:
        return Evidence(quote=self.unit.text, page=self.chunk.page, paragraph=self.paragraph,
                        section=self.section, score=round(score, 3), matches=matches)


class Matcher:
    """Scores every unit of the draft against target texts (questions, evidence points)."""

    def __init__(self, units: list[DraftUnit], embedder, vocabulary: Vocabulary):
        import numpy as np

        self.units, self.embedder, self.vocabulary = units, embedder, vocabulary
        self.matrix = UnitMatrix([u.unit for u in units], embedder, STOP_WORDS)
        self.echo_factor = np.array([vocabulary.tuning.echo_factor if u.echo else 1.0 for u in units])

    def match(self, targets: list[str]):
        """[units x targets] match scores (restatements of the guidance discounted)."""
        return self.matrix.match(targets, self.vocabulary.weight, self.vocabulary.tuning.semantic_weight) \
            * self.echo_factor[:, None]


def document_units(chunks, guidance, vocabulary: Vocabulary, pages: dict[int, str] | None = None) -> list[DraftUnit]:
    """A document's sentences and list items, with their paragraph number on the page.
    ``pages`` (page number -> the page's text) places each unit among the page's blocks;
    without it paragraphs are counted within each chunk's page from its chunks' text."""
    from assistant.evidence.filters import echoes, guidance_wordings, names_the_themes, retells_government
    from assistant.text.blocks import split_blocks
    from assistant.text.sentences import is_lead_in, split_units

    chunks = list(chunks)
    if pages is None:  # the chunks of a page, joined (overlaps make paragraph numbers approximate)
        pages = {}
        for chunk in chunks:
            if chunk.text not in pages.get(chunk.page, ""):
                pages[chunk.page] = pages.get(chunk.page, "") + ("\n\n" if chunk.page in pages else "") + chunk.text
    wordings = guidance_wordings(guidance)
    starts = {n: [b.start for b in split_blocks(text)] for n, text in pages.items()}
    units = []
    for chunk in chunks:
        offset = pages.get(chunk.page, "").find(chunk.text)
        for unit in split_units(chunk):
            if is_lead_in(unit):
                continue
            position = max(offset, 0) + unit.start
            paragraph = sum(1 for s in starts.get(chunk.page, []) if s <= position) or 1
            # the Government's words, its request retold, or its themes listed: nothing of the draft
            echo = vocabulary.restates(key_stems(unit.text)) or echoes(unit.text, wordings) \
                or retells_government(unit) or names_the_themes(unit, guidance)
            units.append(DraftUnit(unit, paragraph, echo))
    return units
