"""Pages -> chunks that respect headings and lists, keep their page number, and carry
the section they sit under and the guidance themes they speak to.

A chunk's text is always a contiguous, verbatim slice of its page, so any quote taken
from a chunk is verbatim in the source.

How it works: each page is read line by line into blocks (a heading, a list item, a
paragraph: assistant/text/blocks.py); blocks are packed into chunks of about TARGET_CHARS
within one section; a block too long for one chunk is split by LangChain's
RecursiveCharacterTextSplitter. Headings with nothing under them (a report's cover sheet)
become chunks of their own, and chunk_pages counts how much of the loaded text the chunks
keep (Chunked.coverage), so that ingest can warn when text was lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from assistant.guidance import Guidance, tag_themes
from assistant.models import Chunk, Document, Page
from assistant.text.blocks import Block, heading_title, reads_as_statement, split_blocks

# Bump when loading or chunking changes, so the next ingest re-chunks documents it would skip.
CHUNKER_VERSION = "8"
TARGET_CHARS = 500
MAX_CHARS = 800


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one over-long block at paragraph, line, sentence or word boundaries."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=TARGET_CHARS, chunk_overlap=0, add_start_index=True, strip_whitespace=True,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""], keep_separator="end",
    )
    spans = []
    for doc in splitter.create_documents([text[start:end]]):
        s = start + doc.metadata["start_index"]
        spans.append((s, s + len(doc.page_content)))
    return spans


def chunk_id(document_id: str, position: int, text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{document_id}-{position:05d}-{digest}"


@dataclass
class Chunked:
    chunks: list[Chunk]
    loaded_chars: int  # non-white-space characters of the loaded pages
    # of those, the ones a search can find: in a chunk, or in a heading stored as its chunks'
    # section; a "heading" that reads as a sentence is not counted (it is never quoted)
    indexed_chars: int
    lost: list[tuple[int, str]] = field(default_factory=list)  # (page number, text) of headings read from sentences

    @property
    def coverage(self) -> float:
        """The share of what was loaded that can be found: 1.0 when nothing was lost."""
        return self.indexed_chars / self.loaded_chars if self.loaded_chars else 1.0


@dataclass
class _Heading:
    level: int
    title: str
    page: int  # index in the document's pages
    block: Block
    seq: int  # the block's place in the document
    section_before: str  # the section in force before the run of headings it is in
    carried: bool = False  # some chunk sits under it (its words go with the chunk as its section)


def _visible(text: str) -> int:
    return len(text) - sum(1 for c in text if c.isspace())


def chunk_document(document: Document, pages: list[Page], guidance: Guidance) -> list[Chunk]:
    return chunk_pages(document, pages, guidance).chunks


def _orphan_spans(orphans: list[_Heading]) -> list[tuple[int, int, int, str]]:
    """Headings with nothing under them (a report's cover sheet: "Date of meeting: 10 July
    2024", "Report author: ..."; a heading cut off at the end of a file) as (page, start, end,
    section) spans of consecutive headings. They are indexed as chunks of their own so their
    words can be found; sentences.split_units still reads them as headings, not as points."""
    spans: list[tuple[int, int, int, str]] = []
    previous: _Heading | None = None
    for heading in sorted(orphans, key=lambda h: h.seq):
        if previous and previous.seq + 1 == heading.seq and previous.page == heading.page:
            page, start, _, section = spans[-1]
            spans[-1] = (page, start, heading.block.end, section)
        else:
            spans.append((heading.page, heading.block.start, heading.block.end, heading.section_before))
        previous = heading
    return spans


def chunk_pages(document: Document, pages: list[Page], guidance: Guidance) -> Chunked:
    """Chunk a document's pages, counting how much of their text the chunks keep."""
    spans: list[tuple[int, int, int, str]] = []  # (page index, start, end, section)
    headings: list[_Heading] = []  # the open headings, outermost first, carried across pages
    every_heading: list[_Heading] = []
    seq = 0

    def section_name() -> str:
        return headings[-1].title if headings else ""

    for index, page in enumerate(pages):
        text = page.text
        current: list[int] | None = None  # [start, end]
        current_section = section_name()
        context = ""
        run_section: str | None = None  # while headings follow headings: the section before the first

        def add(start: int, end: int, section: str) -> None:
            spans.append((index, start, end, section))
            for heading in headings:  # the chunk's section and the headings it sits under
                heading.carried = True

        def flush():
            nonlocal current
            if current:
                add(current[0], current[1], context or current_section)
            current = None

        for block in split_blocks(text):
            seq += 1
            if block.kind == "heading":
                flush()
                if run_section is None:
                    run_section = current_section
                while headings and headings[-1].level >= block.level:
                    headings.pop()
                heading = _Heading(block.level, heading_title(text[block.start:block.end]), index, block, seq,
                                   run_section)
                headings.append(heading)
                every_heading.append(heading)
                current_section = section_name()
                context = ""
                continue
            run_section = None
            if block.end - block.start > MAX_CHARS:
                flush()
                for s, e in _split_long(text, block.start, block.end):
                    add(s, e, current_section)
                continue
            if current and block.end - current[0] > TARGET_CHARS:
                flush()
                # a chunk that starts inside a list says which list it continues
                context = f"{current_section} › {block.lead_in}" if block.kind == "item" and block.lead_in else ""
            if current is None:
                current = [block.start, block.end]
            else:
                current[1] = block.end
        flush()
    orphans = [h for h in every_heading if not h.carried]
    spans.extend(_orphan_spans(orphans))
    chunks: list[Chunk] = []
    for index, start, end, section in sorted(spans):
        page = pages[index]
        body = page.text[start:end]
        if not body.strip():
            continue
        position = len(chunks)
        chunks.append(Chunk(
            id=chunk_id(document.id, position, body),
            document_id=document.id,
            position=position,
            text=body,
            page=page.number,
            section=section,
            themes=tag_themes(body, section, guidance),
            council=document.council,
            kind=document.kind,
            title=document.title,
            source=document.source,
            date=document.date,
            ocr=page.ocr,
        ))
    loaded = sum(_visible(p.text) for p in pages)
    indexed = sum(_visible(c.text) for c in chunks)
    lost = []
    for heading in every_heading:
        text = pages[heading.page].text[heading.block.start:heading.block.end]
        statement = reads_as_statement(text)
        if heading.carried and not statement:
            indexed += _visible(text)  # stored as its chunks' section: found with them
        elif statement:
            lost.append((pages[heading.page].number, heading.title))
            if not heading.carried:
                indexed -= _visible(text)  # in an orphan chunk, but a heading there too: never quoted
    return Chunked(chunks, loaded, indexed, lost)
