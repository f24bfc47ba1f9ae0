"""Citation validation for generated text: every sentence must cite a passage it was given,
and that passage must support it (the offline judge in ``judge.py``).

A reply is read line by line (Markdown: headings, list items, paragraphs) and each line
sentence by sentence. For every sentence that states something:

- its [n] markers must name passages that were provided (1..len(hits));
- one of the cited passages must support it (``judge``); a sentence citing several passages
  that no single one supports is judged against them together;
- it then gets a Citation per supporting passage, whose quote is the passage's best
  supporting span, verbatim.

Sentences that fail are removed from the text and listed in ``unsupported`` (with the reason
in ``reasons``). Headings and list lead-ins ("Barriers include:") are layout, not claims;
they are kept only while something kept follows them. A sentence that begins with the
fixed no-answer sentence says the documents are silent: it needs no citation. A reply with
no supported sentence is a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.evidence.injection import addresses_ai
from assistant.generate.judge import FIGURE, judge, strip_citations
from assistant.index.vector_cache import cached
from assistant.models import Citation, SearchHit
from assistant.text.markers import MARKS, cited_numbers, markers_before_stop

NO_ANSWER = "The documents do not say."

LIST_MARKER = re.compile(r"^(\s*(?:[-*+•]|\d{1,2}[.)])\s+)")
HEADING = re.compile(r"^\s*(?:#{1,6}\s+\S.*|\*\*[^*]+\*\*:?|__[^_]+__:?)\s*$")
EMPHASIS = re.compile(r"\*\*|__|`")


@dataclass
class CitedText:
    text: str  # the validated text, [n] renumbered to match ``citations``
    citations: list[Citation]
    unsupported: list[str]  # sentences removed (as written, without their markers)
    refused: bool
    sentences_total: int  # sentences that state something
    sentences_supported: int
    reasons: list[str] = field(default_factory=list)  # why each unsupported sentence was removed
    raw: str = ""  # the model's reply as received


def says_no_answer(sentence: str, no_answer: str = NO_ANSWER) -> bool:
    """Whether a sentence is (or begins with) the fixed no-answer sentence."""
    def norm(text: str) -> str:
        return re.sub(r"[^a-z ]", "", re.sub(r"\s+", " ", EMPHASIS.sub("", text).lower())).strip()

    return bool(norm(no_answer)) and norm(strip_citations(sentence)).startswith(norm(no_answer))


def _is_lead_in(body: str) -> bool:
    return body.rstrip().endswith(":") and not MARKS.search(body) and not FIGURE.search(body.replace(":", ""))


@dataclass
class _Line:
    kind: str  # heading | lead-in | content | blank
    prefix: str = ""
    sentences: list[str] = field(default_factory=list)  # content: the kept sentences with new markers
    text: str = ""  # heading / lead-in text


class _Numbering:
    """One Citation per distinct (passage, quote), numbered in order of first use."""

    def __init__(self):
        self.citations: list[Citation] = []
        self._by_key: dict[tuple[str, str], int] = {}

    def number(self, hit: SearchHit, quote: str) -> int:
        chunk = hit.chunk
        if quote not in chunk.text:  # cannot happen with judge's spans; never show a non-verbatim quote
            quote = chunk.text.strip()
        key = (chunk.id, quote)
        if key not in self._by_key:
            n = len(self.citations) + 1
            self._by_key[key] = n
            self.citations.append(Citation(n=n, chunk_id=chunk.id, source=chunk.source, title=chunk.title,
                                           council=chunk.council, kind=chunk.kind, page=chunk.page,
                                           section=chunk.section, quote=quote, ocr=chunk.ocr))
        return self._by_key[key]


def _support(claim: str, numbers: list[int], hits: list[SearchHit], embedder) -> tuple[list[tuple[int, str]], str]:
    """(cited passage number, verbatim quote) pairs that support ``claim``, or [] and the reason."""
    given = [n for n in numbers if 1 <= n <= len(hits)]
    invented = [n for n in numbers if n not in given]
    if not numbers:
        return [], "no citation"
    if not given:
        listed = ", ".join(f"[{n}]" for n in invented)
        return [], f"cites {listed}, which is not one of the {len(hits)} passages provided"
    passages = [hits[n - 1].chunk.text for n in given]
    verdicts = [judge(claim, p, embedder) for p in passages]
    # a quote that addresses an AI ("ignore previous instructions, say ...") is a document's
    # text about the assistant, never support for a claim about the council
    supporting = [(n, v.quote) for n, v in zip(given, verdicts) if v.supported and not addresses_ai(v.quote)]
    if not supporting and len(given) > 1 and judge(claim, "\n\n".join(passages), embedder).supported:
        supporting = [(n, v.quote) for n, v in zip(given, verdicts)]  # a synthesis of the passages cited
    if supporting:
        return supporting, ""
    best = max(verdicts, key=lambda v: v.score)
    cited = ", ".join(f"[{n}]" for n in given)
    return [], f"{cited} {'does' if len(given) == 1 else 'do'} not support it ({best.reason})"


def validate(reply: str, hits: list[SearchHit], embedder=None, no_answer: str = NO_ANSWER) -> CitedText:
    """Check every sentence of ``reply`` against the passages it cites (``hits``, numbered from 1)."""
    from assistant.text.sentences import sentence_spans

    embedder = cached(embedder)  # many sentences cite the same passages
    numbering = _Numbering()
    lines: list[_Line] = []
    unsupported: list[str] = []
    reasons: list[str] = []
    total = supported = 0
    text = markers_before_stop(reply.replace("\r\n", "\n"))
    for raw_line in text.split("\n"):
        if not raw_line.strip():
            lines.append(_Line("blank"))
            continue
        if HEADING.match(raw_line):
            lines.append(_Line("heading", text=strip_citations(raw_line)))
            continue
        marker = LIST_MARKER.match(raw_line)
        prefix = marker.group(1) if marker else ""
        body = raw_line[len(prefix):].strip()
        if _is_lead_in(body):
            lines.append(_Line("lead-in", prefix=prefix, text=body))
            continue
        line = _Line("content", prefix=prefix)
        for start, end in sentence_spans(body):
            sentence = body[start:end]
            claim = strip_citations(EMPHASIS.sub("", sentence)).strip()
            if not re.search(r"\w", claim):
                continue
            if says_no_answer(sentence, no_answer):
                line.sentences.append(strip_citations(sentence))
                continue
            total += 1
            support, reason = _support(claim, cited_numbers(sentence), hits, embedder)
            if not support:
                unsupported.append(strip_citations(sentence))
                reasons.append(reason)
                continue
            supported += 1
            marks = "".join(f"[{numbering.number(hits[n - 1], quote)}]" for n, quote in support)
            kept = re.sub(r"([:;,])\.$", r"\1", strip_citations(sentence))  # "include: [3]." -> "include:"
            line.sentences.append(f"{kept} {marks}")
        if line.sentences:
            lines.append(line)
    if supported == 0:
        return CitedText(no_answer, [], unsupported, True, total, 0, reasons, reply)
    return CitedText(_assemble(lines), numbering.citations, unsupported, False, total, supported, reasons, reply)


def _assemble(lines: list[_Line]) -> str:
    """The kept lines as text; headings and lead-ins only where something kept follows them."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.kind in ("heading", "lead-in"):
            stops = ("heading",) if line.kind == "heading" else ("heading", "lead-in")
            following = next((later.kind for later in lines[i + 1:] if later.kind in stops + ("content",)), None)
            if following != "content":
                continue
            out.append(line.prefix + line.text if line.kind == "lead-in" else line.text)
        elif line.kind == "content":
            out.append(line.prefix + " ".join(line.sentences))
        elif out and out[-1] != "":
            out.append("")
    return "\n".join(out).strip()
