"""Chunks -> units: the sentences and list items an answer can quote, each a verbatim
span of its chunk, with the context that makes it readable (its list's lead-in, its
section heading).

Splitting text into sentences (pysbd) costs about 0.1 s a question on 2 cores: compiling
pysbd's patterns, then running them over each retrieved passage. The spans are a function
of the text alone, so they are remembered: in memory, and, once ``keep_spans_in(path)`` has
named a file (the index does: ``<home>/index/sentences.sqlite``), in SQLite. Ingest splits
every chunk (to embed its sentences), which fills the file, so answering reads spans
instead of computing them. The file is a cache: safe to delete, it refills.
"""

from __future__ import annotations

import atexit
import hashlib
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.text.blocks import BULLET, split_blocks
from assistant.models import Chunk

MIN_WORDS = 5


@dataclass
class Unit:
    chunk: Chunk
    start: int  # offsets in chunk.text
    end: int
    kind: str  # sentence | item
    lead_in: str = ""  # the line that introduces the list an item belongs to; a sentence: its paragraph's label

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]

    @property
    def context(self) -> str:
        """What a reader needs to understand the unit: a list item's lead-in, or failing
        that its section heading. Sentences stand alone (a heading such as "Productivity
        Plans" would make every sentence under it look relevant), but for their paragraph's
        own label ("SEND.")."""
        if self.kind == "item":
            return self.lead_in or self.chunk.section.split(" › ")[0]
        return self.lead_in

    def with_context(self) -> str:
        return f"{self.context}: {self.text}" if self.context else self.text

    def in_full(self) -> str:
        """``with_context()`` with acronyms written out ("SEND" -> "special educational needs
        and disabilities"): the form embedded for its meaning, which the small embedder
        does not know from the letters."""
        from assistant.text.acronyms import spell_out

        return spell_out(self.with_context())


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    # pysbd builds a regular expression per abbreviation per call, more than re's cache
    # holds (512), so each paragraph recompiled hundreds: a third of ingest's reading time
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 0), 4096)
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (trimmed of surrounding white space), shifted by ``offset``."""
    return [(offset + start, offset + end) for start, end in _SPANS.spans(text)]


def _split(text: str) -> tuple[tuple[int, int], ...]:
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
            spans.append((start, end))
    return tuple(spans)


SPLIT_VERSION = "1"  # change when _split changes: spans remembered before are then ignored
MEMORY_SPANS = 20_000  # texts whose spans stay in memory
FLUSH_EVERY = 500  # new spans written in one transaction (split_units writes its chunk's at its end)


def keep_spans_in(path: Path | None) -> None:
    """Remember sentence spans in this SQLite file (None: in memory only). The spans depend on
    the text only, so one file serves any index; the last one named is used."""
    _SPANS.use(path)


def _splitter_version() -> str:
    """pysbd's version, read from its install's metadata folder name (importing it to ask
    would cost the 20 ms the cache saves)."""
    from importlib.util import find_spec

    try:
        spec = find_spec("pysbd")
        folder = Path(spec.origin).parent.parent
        return ",".join(sorted(p.name for p in folder.glob("pysbd-*-info"))) or "unknown"
    except (AttributeError, OSError, TypeError, ValueError):
        return "unknown"


class _SpanCache:
    def __init__(self):
        self.memory: dict[str, tuple[tuple[int, int], ...]] = {}
        self.path: Path | None = None
        self.db = None
        self.opened = False
        self.pending: dict[str, str] = {}
        self.lock = threading.Lock()
        self.version = None

    def use(self, path: Path | None) -> None:
        with self.lock:
            if path == self.path:
                return
            self._flush()
            if self.db is not None:
                self.db.close()
            self.path, self.db, self.opened = path, None, False

    def _key(self, text: str) -> str:
        if self.version is None:
            self.version = f"{SPLIT_VERSION};{_splitter_version()}"
        return hashlib.sha1(f"{self.version}\0{text}".encode("utf-8")).hexdigest()

    def _connect(self):
        if not self.opened and self.path is not None:
            self.opened = True
            import sqlite3

            try:
                db = sqlite3.connect(self.path, timeout=1, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # a cache: a power cut may lose the last writes, no more
                db.execute("CREATE TABLE IF NOT EXISTS spans (key TEXT PRIMARY KEY, spans TEXT)")
                self.db = db
            except sqlite3.Error:
                self.db = None  # a read-only home: spans are computed, as before
        return self.db

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        found = self.memory.get(text)
        if found is not None:
            return found
        with self.lock:
            found = self._read(text)
        if found is None:
            found = _split(text)
            with self.lock:
                self._write(text, found)
        if len(self.memory) >= MEMORY_SPANS:
            self.memory.clear()
        self.memory[text] = found
        return found

    def _read(self, text: str):
        db = self._connect()
        if db is None:
            return None
        import sqlite3

        try:
            row = db.execute("SELECT spans FROM spans WHERE key = ?", (self._key(text),)).fetchone()
        except sqlite3.Error:
            return None
        try:
            numbers = [int(n) for n in row[0].split()] if row else None
        except (AttributeError, ValueError):
            return None  # not what _write writes: computed again
        if numbers is None or len(numbers) % 2 or any(not 0 <= n <= len(text) for n in numbers):
            return None
        return tuple(zip(numbers[0::2], numbers[1::2]))

    def _write(self, text: str, spans) -> None:
        if self._connect() is None:
            return
        self.pending[self._key(text)] = " ".join(f"{s} {e}" for s, e in spans)
        if len(self.pending) >= FLUSH_EVERY:
            self._flush()

    def flush(self) -> None:
        if self.pending:
            with self.lock:
                self._flush()

    def _flush(self) -> None:
        if not self.pending or self.db is None:
            self.pending.clear()
            return
        import sqlite3

        items, self.pending = list(self.pending.items()), {}
        try:
            self.db.execute("BEGIN")
            try:
                self.db.executemany("INSERT OR REPLACE INTO spans(key, spans) VALUES (?, ?)", items)
                self.db.execute("COMMIT")
            except sqlite3.Error:
                self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            pass  # busy or read-only: computed again next time


_SPANS = _SpanCache()
atexit.register(_SPANS.flush)  # what sentence_spans alone (not split_units) left pending


def _inherited_lead_in(chunk: Chunk) -> str:
    # a chunk that starts inside a list carries "Section › lead-in:" as its section
    return chunk.section.split(" › ", 1)[1] if " › " in chunk.section else ""


LABEL_END = re.compile(r"[.:]$")


def paragraph_label(text: str, spans) -> str:
    """The few words opening a paragraph that name its subject ("SEND. The number of
    children..."), which its sentences are read with: too short to quote, the label would
    otherwise be lost, and the paragraph's sentences with it ("our high needs deficit..."
    is about SEND only under the label)."""
    if len(spans) < 2:
        return ""
    first = text[spans[0][0]:spans[0][1]].strip(EMPHASIS_EDGE)
    words = re.findall(r"\w+", first)
    if not words or len(words) >= MIN_WORDS or not LABEL_END.search(first) or not first[:1].isupper():
        return ""
    return first[:-1].strip(EMPHASIS_EDGE)


def split_units(chunk: Chunk) -> list[Unit]:
    units: list[Unit] = []
    text = chunk.text
    for block in split_blocks(text):
        if block.kind in ("heading", "header"):
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
        spans = sentence_spans(text[block.start:block.end], block.start)
        if _annotates(text, spans, units):
            # "(Voting: 29 for, 6 against, 3 abstentions)" under a resolution belongs to it
            units[-1] = Unit(chunk, units[-1].start, spans[0][1], "sentence", units[-1].lead_in)
            continue
        label = paragraph_label(text, spans)
        units.extend(Unit(chunk, s, e, "sentence", label) for s, e in spans)
    _SPANS.flush()  # this chunk's new spans in one transaction (nothing to do when all were known)
    units = [_without_emphasis(u) for u in units]
    # a sentence of a few words is a form field ("Portfolio Holder Consulted Yes"), not a claim
    return [u for u in units if u.end > u.start and (u.kind == "item" or len(re.findall(r"\w+", u.text)) >= MIN_WORDS)]


def _annotates(text: str, spans: list[tuple[int, int]], units: list[Unit]) -> bool:
    """A paragraph that is one parenthesis, right after a sentence of the same chunk: a note
    on that sentence (a vote, "Appendix 1 refers"), not a statement of its own."""
    if len(spans) != 1 or not units or units[-1].kind != "sentence":
        return False
    body = text[spans[0][0]:spans[0][1]].strip()
    return body.startswith("(") and body.endswith(")") and ")" not in body[1:-1]


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
