"""Pages -> chunks that respect headings and lists, keep their page number, and carry
the section they sit under and the guidance themes they speak to.

A chunk's text is always a contiguous, verbatim slice of its page, so any quote taken
from a chunk is verbatim in the source.

How it works: each page is read line by line into blocks (a heading, a list item, a
paragraph: assistant/text/blocks.py); blocks are packed into chunks of about TARGET_CHARS
within one section; a block too long for one chunk is split by LangChain's
RecursiveCharacterTextSplitter. chunk_pages counts how much of the loaded text it kept
(Chunked.coverage), so that ingest can warn when text was lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from assistant.guidance import Guidance, tag_themes
from assistant.models import Chunk, Document, Page
from assistant.text.blocks import heading_title, reads_as_statement, split_blocks

# Bump when loading or chunking changes, so the next ingest re-chunks documents it would skip.
CHUNKER_VERSION = "11"
TARGET_CHARS = 500
MAX_CHARS = 800


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one over-long block at paragraph, sentence, line or word boundaries. Sentences come
    before lines: a line break inside a block is where a PDF wrapped the text ("…competitive
    bidding for" / "funding is costly…"), and a cut there leaves two halves of a sentence."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=TARGET_CHARS, chunk_overlap=0, add_start_index=True, strip_whitespace=True,
        separators=["\n\n", ". ", "; ", "\n", ", ", " ", ""], keep_separator="end",
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
    # of those, the ones kept: in a chunk, or in a heading (stored as its chunks' section, or a
    # heading with nothing under it, such as a report's cover sheet); a "heading" that reads as
    # a sentence is not counted: it was loaded as text but can never be quoted
    kept_chars: int
    lost: list[tuple[int, str]] = field(default_factory=list)  # (page number, text) of such headings

    @property
    def coverage(self) -> float:
        """The share of what was loaded that was kept: 1.0 when nothing was lost."""
        return self.kept_chars / self.loaded_chars if self.loaded_chars else 1.0


def _visible(text: str) -> int:
    return len(text) - sum(1 for c in text if c.isspace())


def chunk_document(document: Document, pages: list[Page], guidance: Guidance) -> list[Chunk]:
    return chunk_pages(document, pages, guidance).chunks


def chunk_pages(document: Document, pages: list[Page], guidance: Guidance) -> Chunked:
    """Chunk a document's pages, counting how much of their text the chunks keep."""
    chunks: list[Chunk] = []
    headings: list[tuple[int, str]] = []  # (level, text) stack carried across pages
    loaded = kept = 0
    lost: list[tuple[int, str]] = []

    def section_name() -> str:
        return headings[-1][1] if headings else ""

    for page in pages:
        text = page.text
        loaded += _visible(text)
        spans: list[tuple[int, int, str]] = []  # (start, end, section)
        current: list[int] | None = None  # [start, end]
        current_section = section_name()
        context = ""

        def flush():
            nonlocal current
            if current:
                spans.append((current[0], current[1], context or current_section))
            current = None

        for block in split_blocks(text):
            if block.kind == "heading":
                flush()
                title = heading_title(text[block.start:block.end])
                if reads_as_statement(title):
                    lost.append((page.number, title))
                else:
                    kept += _visible(text[block.start:block.end])
                while headings and headings[-1][0] >= block.level:
                    headings.pop()
                headings.append((block.level, title))
                current_section = section_name()
                context = ""
                continue
            if block.end - block.start > MAX_CHARS:
                flush()
                for s, e in _split_long(text, block.start, block.end):
                    spans.append((s, e, current_section))
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
        for start, end, section in spans:
            body = text[start:end]
            if not body.strip():
                continue
            kept += _visible(body)
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
    return Chunked(chunks, loaded, kept, lost)
