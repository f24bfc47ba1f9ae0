"""The barriers a council cites, found in each of its documents (cached with the document's
assessment; tally.py groups them across councils).

A unit (sentence or list item, as ``gaps`` judged the document on) is a barrier mention when
it says something specific (not just "the barriers we face"), is not the Government's words
(``echoes``, ``is_boilerplate``, ``is_non_content``), and
  - sits under a barriers heading (theme 4 by number, "What we need from Government",
    "Barriers to progress"); or
  - is in the run of sentences after one announcing barriers ("Several things stand in the
    way of further progress.": how plans without headings put them), or in a passage
    ``gaps`` reads as theme 4, and itself says so: cue words ("cannot recruit", "not
    funded", "we ask the Government"), a known barrier's words (tally.NAMED), the council's
    own label for a barrier ("Heritage costs."), or meaning closest to theme 4; the run ends
    at the first sentence that does none of these; or
  - elsewhere, says so with cue words or a known barrier's words and is about theme 4 above
    all; in minutes and reports (barriers raised in passing) cue words are needed.
A sentence about the document, its approval or the Government's request ("This plan sets
out...", "The submission...", "RESOLVED...") counts only when it names a known barrier in cue
words: "The submission also allows us ... to highlight how productivity is often stifled
through ... single year settlements".

A sentence a chunk boundary cut in two is read whole from the page (its quote is still
verbatim on the page); one cut by a page break keeps its part on the page.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

CUE = re.compile(
    r"\b(barriers?|obstacles?|stands? in the way|prevent(s|ed|ing)?|hold(s|ing)? (us )?back|cannot|can't|unable|"
    r"struggl\w*|difficult\w*|shortages?|lack of|outside our control|no control|(not|never) (been )?(fully )?funded|"
    r"without (full |the )?funding|(no|limited) (government )?funding|unfunded|do(es)? not (cover|reflect|meet|take "
    r"account)|not (reflected|recognised)|pressures?|a drain|costly|burdens?|we ask|ask(s|ed)? (the )?government|"
    r"would welcome|underfund\w*|under-fund\w*|uncertain\w*|held up|delays?|limits?|limited|restrict\w*|"
    r"stifl\w*|anomal\w*|capped|certainty)\b", re.IGNORECASE)
ANNOUNCES = re.compile(
    r"\b(barriers?|obstacles?|stand(s)? in the way|pressures we face|outside our control|what we need from government|"
    r"what (the )?government (can|could) do|asks? (of|from) (the )?government)\b", re.IGNORECASE)
BARRIER_HEADING = re.compile(
    r"\b(barriers?|obstacles?|what we need|(asks?|support) (of|from) (the )?government|government (can|could)|"
    r"what (the )?government)\b", re.IGNORECASE)
# "This plan sets out...", "4.1 The plan concentrates on...", "Appendix 1 set out...": the document, not a barrier
ABOUT_DOCUMENT = re.compile(r"^\W*(\d+(\.\d+)*\s+)?((this|the|our) (productivity )?(plan|report|document|submission)|"
                            r"appendix|annex)\b", re.IGNORECASE)
# A council's own short name for a barrier, before its explanation: "**Heritage costs.** ...", "Planning fees. ..."
LABEL = re.compile(r"(?:^|\n)[\s•*_-]*([A-Z][^.\n*:]{2,60}?)\.(?:\*\*|__)?\s*$")
LABEL_AT_START = re.compile(r"^[\s•*_-]*([A-Z][^.\n*:]{2,60}?)\.(?:\*\*|__)?\s+\S")
LABEL_WORDS = 7
NOT_A_LABEL = re.compile(r"^[\s•*_-]*(We|Our|It|This|These|They|The council)\b")
BULLET_AT_START = re.compile(r"^(?:(?:[•·▪◦‣*_]+|[-–](?=\s))\s*)+")
# The Government's request retold, or the meeting's own business: not a council's barrier.
NOT_THE_COUNCIL = re.compile(
    r"\b(letter|minister|secretary of state)\b|\bgovernment (also |has )?(said|says|stated)\b|"
    r"\b(approv\w*|authoris\w*|seconded|moved the recommendations|resolved|submission|amendments|endorse\w*|"
    r"thanked|thanks|commended|congratulated)\b", re.IGNORECASE)
# A list of what the council will do about its barriers ("To remove these barriers, we will need to:")
REMEDY_LIST = re.compile(r"\b(to (remove|overcome|address) (these|the) barriers|we will need to|we will)\b",
                         re.IGNORECASE)
# Words that say a barrier exists without saying which: a unit made of little else names none.
GENERIC = frozenset(
    "barrier barriers obstacle obstacles progress government governments council councils productivity plan plans "
    "help remove reduce reducing removing prevent preventing prevents face faced facing highlight highlighted "
    "several main following include included including identified opportunity opportunities success various "
    "areas area limit limits way ways stand stands further ask asks asked particular reference made report "
    "pressure pressures challenge challenges challenging greater never ever things need needs well serious can't "
    "cannot outside control mainly main".split())
MIN_SPECIFIC_WORDS = 3  # content words besides GENERIC a mention needs (calibrated on eval/datasets/barriers.jsonl)


@dataclass
class Mention:
    """One statement of a barrier: a verbatim span of its page, with where it is."""

    council: str
    document_id: str
    source: str
    title: str
    page: int
    quote: str
    section: str = ""
    in_section: bool = False  # in the document's barriers part, or about theme 4 above all
    cue: bool = False  # says it is a barrier in so many words, or under the council's name for one
    weak: bool = False  # about the document or its approval: counts only where it names a known barrier
    label: str = ""  # the council's short name for the barrier, if it gave one
    paragraph: int = 0  # block on the page, from 1 (mentions of one paragraph explain one barrier)

    def to_dict(self) -> dict:
        return asdict(self)


def theme_targets(guidance, number: int) -> list[str]:
    theme = guidance.theme(number)
    return [q.text for q in theme.questions] + [p for q in theme.questions for p in q.evidence]


@lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return GENERIC | frozenset(STOPWORDS_EN_PLUS)


def specific(text: str) -> bool:
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text)}
    return len(words - _stop_words()) >= MIN_SPECIFIC_WORDS


def clean_quote(text: str) -> str:
    """Without the bullet or Markdown emphasis that sentence splitting leaves at its ends
    ("** The council must...", "• Recruitment of..."): still a verbatim span of the page."""
    return BULLET_AT_START.sub("", text.strip()).rstrip("*_ \t")


def label_of(unit) -> str:
    """The short name the council gave the barrier the unit explains, if any."""
    for match in (LABEL_AT_START.match(unit.text), LABEL.search(unit.chunk.text[:unit.start])):
        if match and len(match.group(1).split()) <= LABEL_WORDS and not ANNOUNCES.search(match.group(1)) \
                and not NOT_A_LABEL.match(match.group(1)):
            return match.group(1).strip()
    return ""


def unit_themes(assessment) -> list[int]:
    """The theme each unit's passage answers as ``gaps`` read the document (0: none, context)."""
    found = getattr(assessment, "unit_theme", None)
    if found is not None:
        return [int(t) for t in found]
    by_section = getattr(assessment, "themes_of", {})  # an assessment that themes sections, not units
    return [by_section.get(u.section) or 0 for u in assessment.units]


def is_label(units, i: int) -> bool:
    """A short phrase opening a paragraph that goes on: the council's name for what follows."""
    u = units[i]
    where = (u.chunk.page, u.paragraph)
    first = i == 0 or (units[i - 1].chunk.page, units[i - 1].paragraph) != where
    goes_on = i + 1 < len(units) and (units[i + 1].chunk.page, units[i + 1].paragraph) == where
    return first and goes_on and len(u.unit.text.split()) <= LABEL_WORDS and u.unit.text.rstrip("*_ ").endswith(".") \
        and not NOT_A_LABEL.match(u.unit.text)


class PageText:
    """The document's pages as loaded, read only when a sentence needs mending, and only if
    the file is still the one indexed (else None)."""

    def __init__(self, document, chunks):
        self.document, self.pages = document, None
        self.usable = not any(c.ocr for c in chunks)  # OCR text is not read again

    def page(self, number: int) -> str | None:
        if self.pages is None:
            self.pages = {}
            if self.usable:
                try:
                    from assistant.ingest import document_id
                    from assistant.ingest.loaders import load_file

                    loaded = load_file(Path(self.document.source))
                    if document_id(loaded.raw) == self.document.id:
                        self.pages = {p.number: p.text for p in loaded.pages}
                except Exception:  # noqa: BLE001 - moved, changed or unreadable: quote the chunk as it is
                    self.pages = {}
        return self.pages.get(number)


def whole_sentence(unit, pages: PageText) -> str:
    """The unit's text, or the whole sentence from the page when a chunk boundary cut it."""
    from assistant.text.blocks import split_blocks
    from assistant.text.sentences import sentence_spans

    text = unit.text
    chunk_text = unit.chunk.text.rstrip()
    cut_before = not chunk_text[:unit.start].strip() and text[:1].islower()
    cut_after = unit.end >= len(chunk_text) and not re.search(r"[.!?:;)\]”\"]\s*$", text)
    if not (cut_before or cut_after):
        return text
    page = pages.page(unit.chunk.page)
    at = page.find(text) if page else -1
    if at < 0:
        return text
    for block in split_blocks(page):
        if block.start <= at < block.end:
            spans = [(s, e) for s, e in sentence_spans(page[block.start:block.end], block.start)
                     if s < at + len(text) and e > at]
            if spans:
                return page[min(s for s, _ in spans):max(e for _, e in spans)]
    return text


def find_mentions(assessment, guidance, document, chunks) -> list[Mention]:
    """The barriers one document states, from the units its assessment judged."""
    import numpy as np

    from assistant.compare.named import NAMED
    from assistant.evidence.filters import echoes, guidance_wordings, is_boilerplate, is_non_content, retells_government
    from assistant.text.sentences import Unit
    from assistant.text.themes import theme_numbers

    units = assessment.units
    numbers = [t.number for t in guidance.themes]
    if not units or 4 not in numbers:
        return []
    matcher = assessment.matcher
    embed = matcher.embedder.embed_documents
    # how close each unit is to each theme's questions and points, in meaning
    closeness = np.stack([matcher.matrix.cosine(np.array(embed(theme_targets(guidance, n)))).max(axis=1)
                          for n in numbers], axis=1)
    about_four = closeness.argmax(axis=1) == numbers.index(4)
    named = [re.compile(p, re.IGNORECASE) for _, p, _ in NAMED]
    wordings = guidance_wordings(guidance)
    pages = PageText(document, chunks)
    in_discussion = document.kind in ("minutes", "report")  # barriers raised in passing, outside any theme part

    read_as = unit_themes(assessment)

    def theme_of(i: int, section: str) -> int | None:
        """The theme the unit's part of the document answers: by its heading, else as gaps read it."""
        said = theme_numbers(section)[:1]
        if said:
            return said[0]
        return 4 if section and BARRIER_HEADING.search(section) else read_as[i] or None

    def judged(u, text: str) -> str:
        """"own", "weak" (about the document, its approval or the Government's request: counts
        only where it names a barrier in so many words) or "" (never a barrier)."""
        unit = u.unit
        if text != unit.text:  # a mended sentence: judge it whole
            unit = Unit(unit.chunk.model_copy(update={"text": text}), 0, len(text), unit.kind, unit.lead_in)
        if is_non_content(unit) or not specific(text):
            return ""
        echo = u.echo if text == u.unit.text else echoes(text, wordings)
        # an item under "To remove these barriers we will:" is a remedy (a sentence's lead_in is its label)
        if echo or is_boilerplate(unit) or ABOUT_DOCUMENT.search(text) or NOT_THE_COUNCIL.search(text) \
                or retells_government(unit) or (unit.kind == "item" and REMEDY_LIST.search(unit.lead_in)):
            return "weak"
        return "own"

    def announces(u) -> bool:
        # the theme's own wording counts: a plan's heading for its barriers part, run into its text
        return bool(ANNOUNCES.search(u.unit.text)) and not (
            is_boilerplate(u.unit) or ABOUT_DOCUMENT.search(u.unit.text) or NOT_THE_COUNCIL.search(u.unit.text))

    mentions, seen, labels = [], set(), {}
    run = None  # the section of the current run of barrier sentences after an announcement
    for i, u in enumerate(units):
        text = whole_sentence(u.unit, pages)
        where = (u.chunk.page, u.paragraph)
        if run is not None and (u.section != run or theme_numbers(u.section)[:1] in ([1], [2], [3])):
            run = None
        if announces(u):
            run = u.section
        if is_label(units, i):  # "SEND and the Dedicated Schools Grant." opening its paragraph
            labels[where] = clean_quote(text).rstrip(".:")
            continue
        label = label_of(u.unit) or labels.get(where, "")
        labels[where] = label
        kind = judged(u, text)
        if not kind:
            continue
        said = any(p.search(text) or label and p.search(label) for p in named)
        cued = bool(CUE.search(text))
        theme = theme_of(i, u.section)
        headed = theme_numbers(u.section)[:1] == [4] or bool(u.section and BARRIER_HEADING.search(u.section))
        signalled = cued or said or bool(label) or bool(about_four[i])
        after = run is not None
        if kind == "weak":
            chosen = said and cued
        elif headed:
            chosen = True
        elif after or theme == 4 and not in_discussion:  # (gaps' reading of minutes is no plan's structure)
            chosen = signalled
            if not signalled:
                run = None  # the barriers part has ended
        elif in_discussion:  # minutes and reports raise barriers in passing, in no theme's part
            chosen = cued and (about_four[i] or said and not theme_numbers(u.section))
        else:
            chosen = about_four[i] and (cued or said)
        if not chosen:
            continue
        quote = clean_quote(text)
        key = re.sub(r"\W+", " ", quote).lower().strip()
        if key in seen:  # overlapping chunks, or the two halves of a mended sentence
            continue
        seen.add(key)
        mentions.append(Mention(council=document.council, document_id=document.id, source=document.source,
                                title=document.title, page=u.chunk.page, quote=quote, section=u.section,
                                in_section=headed or after or theme == 4 or bool(about_four[i]),
                                cue=kind == "own" and (cued or bool(label)), weak=kind == "weak", label=label,
                                paragraph=u.paragraph))
    return mentions
