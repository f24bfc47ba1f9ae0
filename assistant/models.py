"""The data the pipeline passes along: documents, chunks, search hits, citations, answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

KINDS = ("guidance", "plan", "corporate-plan", "minutes", "report", "draft", "other")


class Page(BaseModel):
    """One page of a loaded file, numbered from 1. Files without pages are one page."""

    number: int
    text: str
    ocr: bool = False  # the text was read from a scanned image by OCR


class DocumentMeta(BaseModel):
    """What an officer says about a document (flags, manifest) or what we infer."""

    title: str = ""
    council: str = ""
    kind: str = "other"
    date: str = ""
    origin: str = ""


class Document(DocumentMeta):
    id: str  # stable: hash of the file's content
    source: str  # absolute path of the file
    pages: int
    chunks: int = 0
    ingested_at: str = ""


class Chunk(BaseModel):
    id: str  # stable: document id + position + text hash
    document_id: str
    position: int
    text: str  # verbatim text of the page it comes from
    page: int
    section: str = ""  # nearest heading above the chunk
    themes: list[int] = Field(default_factory=list)  # guidance themes (1-4) it speaks to
    council: str = ""
    kind: str = "other"
    title: str = ""
    source: str = ""
    date: str = ""
    ocr: bool = False  # its page was read by OCR (cite as "p. 3, OCR")

    def embedding_text(self) -> str:
        """What the embedder sees: the text with its document and section as context."""
        context = " | ".join(part for part in (self.title, self.section) if part)
        return f"{context}\n{self.text}" if context else self.text


class Filters(BaseModel):
    councils: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    themes: list[int] = Field(default_factory=list)
    document_ids: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.councils or self.kinds or self.themes or self.document_ids)


class SearchHit(BaseModel):
    chunk: Chunk
    score: float  # fused (RRF) score
    dense_rank: int | None = None
    lexical_rank: int | None = None


class Citation(BaseModel):
    n: int
    chunk_id: str
    source: str
    title: str
    council: str
    kind: str
    page: int
    section: str = ""
    quote: str  # verbatim span of the chunk that supports the statement
    ocr: bool = False  # the page was read by OCR: cited as "p. 3, OCR"

    @property
    def where(self) -> str:
        return f"p. {self.page}, OCR" if self.ocr else f"p. {self.page}"


class Answer(BaseModel):
    question: str
    answer: str  # carries [n] markers
    refused: bool
    backend: str
    citations: list[Citation] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    searched: str = ""  # what was searched, said when refusing
    sentences_total: int = 0
    sentences_supported: int = 0
    unsupported: list[str] = Field(default_factory=list)  # sentences dropped or flagged

    def contract(self) -> dict:
        """The stable `ask --json` object (DESIGN.md section 5), plus additive fields."""
        data = self.model_dump(mode="json")
        data["citations"] = [
            {k: c[k] for k in ("n", "chunk_id", "source", "title", "council", "kind", "page", "section", "quote", "ocr")}
            for c in data["citations"]
        ]
        return data
