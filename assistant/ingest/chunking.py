"""Pages -> chunks that respect headings and lists, keep their page number, and carry
the section they sit under and the guidance themes they speak to.

A chunk's text is always a contiguous, verbatim slice of its page, so any quote taken
from a chunk is verbatim in the source.

How it works: each page is read line by line into blocks (a heading, a list item, a
paragraph); blocks are packed into chunks of about TARGET_CHARS within one section; a
block too long for one chunk is split by LangChain's RecursiveCharacterTextSplitter.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from assistant.guidance import Guidance, tag_themes
from assistant.models import Chunk, Document, Page

# Bump when loading or chunking changes, so the next ingest re-chunks documents it would skip.
CHUNKER_VERSION = "7"
TARGET_CHARS = 500
MAX_CHARS = 800

BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣–]|\(?[a-z0-9]{1,3}[.)])\s+")
NUMBERED_HEADING = re.compile(
    r"^\s*(?:(?:section|part|theme|appendix|annex)\s+[\w.]+|\d+(?:\.\d+)*\.?|[A-Z]\.)\s*[:.\-–—]?\s+\S",
    re.IGNORECASE,
)
TERMINAL = ".,;:"


@dataclass
class Block:
    start: int  # offsets in the page text
    end: int
    kind: str  # heading | item | para
    level: int = 2  # heading level
    lead_in: str = ""  # for list items: the line introducing the list


def _is_heading(line: str, prev_blank: bool, next_line: str) -> tuple[bool, int]:
    s = line.strip()
    if not s or "\t" in s or len(s) > 200:
        return False, 0
    if s.startswith("#"):
        return True, len(s) - len(s.lstrip("#"))
    next_starts_block = not next_line.strip() or next_line.strip()[:1].isupper() or bool(BULLET.match(next_line))
    if not (prev_blank and next_starts_block):
        return False, 0
    words = s.split()
    letters = [c for c in s if c.isalpha()]
    if letters and len(s) <= 80 and all(c.isupper() for c in letters) and len(letters) >= 4:
        return True, 2
    numbered = NUMBERED_HEADING.match(s)
    if BULLET.match(s) and not numbered:
        return False, 0
    body = s[numbered.end() - 1:] if numbered else s
    one_sentence = len(re.findall(r"[.?!]\s+[A-Z]", body)) == 0
    if numbered and one_sentence:
        label = s.split()[0].rstrip(".:")
        sub_numbered = "." in label
        if s[-1] not in TERMINAL or (not sub_numbered and len(s) <= 200):
            return True, 2 + label.count(".")
    if s.endswith("?") and len(s) <= 160 and one_sentence:
        return True, 3
    bare = s.rstrip(" -–")
    if len(bare) <= 80 and len(words) <= 12 and bare[-1] not in TERMINAL and s[0].isupper():
        # title-case: most words that are not short function words start with a capital
        significant = [w for w in words if w.isalpha() and len(w) > 3]
        capitalised = sum(1 for w in significant if w[0].isupper())
        if capitalised * 2 > len(significant) or len(words) <= 2:
            return True, 3
    return False, 0


def split_blocks(text: str) -> list[Block]:
    """Read a page into heading, list-item and paragraph blocks (with offsets)."""
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    blocks: list[Block] = []
    lead_in = ""
    lead_in_indent = -1  # indentation of the list item that opened the current list (-1: a paragraph did)
    block_start = True  # the previous line was blank, a heading, or ended a sentence
    prev_blank = True
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            block_start = prev_blank = True
            continue
        start = offsets[i] + (len(line) - len(line.lstrip()))
        end = offsets[i] + len(line.rstrip())
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        in_list = bool(lead_in) and not prev_blank and bool(BULLET.match(line))  # "...themes:\n1. How you..."
        is_heading, level = (False, 0) if in_list else _is_heading(line, block_start, next_line)
        if is_heading:
            blocks.append(Block(start, end, "heading", level=level))
            lead_in = ""
        elif BULLET.match(line):
            indent = len(line) - len(line.lstrip())
            if lead_in and lead_in_indent >= 0 and indent <= lead_in_indent:
                lead_in = ""  # a sibling of the item that opened the list, not one of its items
            blocks.append(Block(start, end, "item", lead_in=lead_in))
        elif blocks and blocks[-1].kind in ("para", "item") and (
                (not prev_blank and not block_start)
                # a sentence broken by a blank line (a page break in the source) goes on in lower case
                or (prev_blank and stripped[:1].islower() and text[blocks[-1].end - 1] not in ".!?:;")):
            blocks[-1].end = end  # a wrapped line continues its paragraph or list item
        else:
            blocks.append(Block(start, end, "para"))
            lead_in = ""
        last = blocks[-1]
        body = text[last.start:last.end].rstrip(" -–")
        if body.endswith(":"):
            # the sentence that introduces a list: "...the following four themes:"
            body = BULLET.sub("", body, count=1) if last.kind == "item" else body
            sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", body.strip())
            # the introducing sentence, with the one before it when it is as short as "Examples include:"
            lead_in = " ".join(sentences[-2:]) if len(sentences[-1].split()) < 5 else sentences[-1]
            lead_in_indent = len(line) - len(line.lstrip()) if last.kind == "item" else -1
        elif last.kind == "para":
            lead_in = ""
        prev_blank = False
        block_start = is_heading or stripped[-1] in ".:?!"
    return blocks


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


def chunk_document(document: Document, pages: list[Page], guidance: Guidance) -> list[Chunk]:
    chunks: list[Chunk] = []
    headings: list[tuple[int, str]] = []  # (level, text) stack carried across pages

    def section_name() -> str:
        return headings[-1][1] if headings else ""

    for page in pages:
        text = page.text
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
                title = text[block.start:block.end].strip().lstrip("#").strip()
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
            ))
    return chunks
