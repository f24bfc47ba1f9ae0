"""What a draft is written from: for each prompting question, the council's own points
(the evidence engine, own documents), merged where questions share them, then peers'
examples where the council's documents say nothing."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.evidence import ScoredUnit, text_key
from assistant.guidance import Question
from assistant.text.sentences import Unit, split_units


def unit_key(s: ScoredUnit) -> str:
    return text_key(s.unit.text)


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


def gather_evidence(workspace, council: str, questions: list[Question], progress=None,
                    peers_always: bool = False) -> list[SectionEvidence]:
    """Own evidence for every question, sections merged where they share it, then peers'
    examples for the sections the council's documents say nothing about (for every section
    with ``peers_always``: a model writes them up as clearly labelled examples)."""
    engine, tuning = workspace.evidence, workspace.settings.draft
    own = engine.own_filter(council)
    found = []
    for question in questions:
        section = SectionEvidence([question], own=engine.question_points(question, own, False, tuning.k_own))
        found.append(section)
        if progress:
            progress.advance(f"searching {question.id}")
    sections = merge_sections(found)
    shown: set[str] = set()
    peers = engine.peer_filter(exclude_council=council)
    for section in sections:
        if peers is not None and (peers_always or not section.own):
            section.peers = [p for question in section.questions
                             for p in engine.peer_examples(question, peers, tuning.max_peer_points,
                                                           tuning.max_per_peer, shown)][:tuning.max_peer_points]
    add_antecedents(sections)
    return sections


DANGLING = re.compile(r"^(This|These|That|Those|It|They|Such)\b")


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
    return ScoredUnit(Unit(unit.chunk, before[-1].start, unit.end, "sentence"), point.semantic, point.lexical,
                      point.score, point.echo)


def add_antecedents(sections: list[SectionEvidence]) -> None:
    quoted = {unit_key(s) for section in sections for s in section.own + section.peers}
    for section in sections:
        section.own = [with_antecedent(s, quoted) for s in section.own]
        section.peers = [with_antecedent(s, quoted) for s in section.peers]
