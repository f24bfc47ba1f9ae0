"""Ingest: files -> pages -> chunks -> index, one document at a time.

Per document, the order of writes makes a crash harmless: new vectors go into Chroma
first, then the catalog switches to the new version in one transaction, then the old
vectors are deleted. Vectors the catalog does not list are orphans: searches ignore them
and the next ingest removes them (``reconcile``). An unchanged file (same content, same
metadata) is skipped; a changed file replaces its old chunks.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from assistant.errors import UserError
from assistant.ingest.chunking import CHUNKER_VERSION
from assistant.models import Document, DocumentMeta

META_FIELDS = ("title", "council", "kind", "date", "origin")
MIN_COVERAGE = 0.9  # below this share of the loaded text kept, ingest warns (shipped, dev and eval corpora: >= 0.98)


@dataclass
class IngestItem:
    path: Path
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    given: set[str] = field(default_factory=set)  # which meta fields the officer set


@dataclass
class IngestResult:
    path: str
    status: str  # added | replaced | unchanged | failed
    message: str = ""
    document: Document | None = None
    chunks: int = 0
    coverage: float = 1.0  # share of the loaded text that was indexed (chunking.Chunked.coverage)
    flagged: int = 0  # chunks that address an AI assistant (evidence.injection)
    warnings: list[str] = field(default_factory=list)  # the ingest output shows these loudly

    def as_dict(self) -> dict:
        data = {"path": self.path, "status": self.status, "message": self.message, "chunks": self.chunks,
                "coverage": round(self.coverage, 4), "flagged_chunks": self.flagged, "warnings": self.warnings}
        if self.document:
            data["document"] = self.document.model_dump(mode="json")
        return data


class Progress:
    """What ingest reports while it works; the CLI draws it as a progress bar."""

    def start(self, files: int) -> None: ...
    def file(self, path: Path) -> None: ...
    def advance(self) -> None: ...
    def ocr_page(self, path: Path, page: int, done: int, total: int) -> None: ...  # a scanned page was read


def document_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def reconcile(index) -> int:
    """Remove vectors an interrupted ingest left without a catalog entry; returns how many."""
    orphans = sorted(index.store.ids() - index.catalog.chunk_ids())
    if orphans:
        index.store.delete(orphans)
    missing = index.catalog.chunk_ids() - index.store.ids()
    if missing:  # the catalog lists chunks whose vectors were lost: embed them again
        chunks = list(index.catalog.chunks(sorted(missing)).values())
        index.store.upsert(chunks, index.base_embedder.embed_documents([c.embedding_text() for c in chunks]))
    return len(orphans)


def ingest(settings, items: list[IngestItem], progress: Progress | None = None,
           lock_wait: Callable[[str], None] | None = None) -> list[IngestResult]:
    from assistant.guidance import load_guidance
    from assistant.index import open_index
    from assistant.index.embeddings import embedder_name
    from assistant.index.locking import index_lock

    progress = progress or Progress()
    guidance = load_guidance(settings.guidance_path())
    results: list[IngestResult] = []
    with index_lock(settings.index_dir, on_wait=lock_wait):
        index = open_index(settings)
        try:
            embedder = index.base_embedder
            if not index.catalog.get_meta("embedder"):
                index.catalog.set_meta("embedder", embedder_name(embedder))
            if not index.catalog.documents():
                # every document will be chunked by this version: after a crash, the rerun skips those done
                index.catalog.set_meta("chunker", CHUNKER_VERSION)
            progress.start(len(items))
            with ThreadPoolExecutor(1, thread_name_prefix="ingest-read") as reader:
                for result in _ingest_all(index, items, reader, guidance, settings, progress):
                    results.append(result)
        finally:
            if any(r.status in ("added", "replaced") for r in results):
                index.rebuild_lexical()
            if all(r.status != "failed" for r in results):
                index.catalog.set_meta("chunker", CHUNKER_VERSION)
            index.close()
    return results


def _ingest_all(index, items: list[IngestItem], reader: ThreadPoolExecutor, guidance, settings,
                progress: Progress) -> Iterator[IngestResult]:
    """Each file is read, chunked and split into sentences on the reader thread, and chromadb is
    imported there too (~2 s). The index (catalog, store) is used on this thread only, and
    writes are made in order."""
    from assistant.index.vector_cache import prepare_answers

    # Reading the next file while this one is embedded (the model runs outside Python's global
    # lock) pays only with a core the model leaves idle: on 2 cores it slowed the model more
    # than it saved (bench/run.py ingest, 40 files: 59.6 s read ahead, 54.6 s not).
    ahead_ok = (os.cpu_count() or 1) > getattr(index.base_embedder, "threads", 0)

    def read(item):
        future = reader.submit(_read, item, settings, guidance, progress)
        if not ahead_ok:
            wait([future])  # a failure is raised where the file is ingested, as with reading ahead
        return future

    ahead = read(items[0]) if items else None
    chroma = reader.submit(importlib.import_module, "chromadb")
    reconciled = False

    def before_writing() -> None:  # vectors an interrupted ingest left go before any new ones
        nonlocal reconciled
        if not reconciled:
            chroma.result()
            reconcile(index)
            reconciled = True

    for n, item in enumerate(items):
        progress.file(item.path)
        current, ahead = ahead, read(items[n + 1]) if n + 1 < len(items) else None
        try:
            result = _ingest_one(index, item, current.result(), before_writing)
        except UserError as exc:
            result = IngestResult(path=str(item.path), status="failed", message=str(exc))
        # a backend failure (not a UserError) stops the run; what is done stays done
        yield result
        prepare_answers(index, result, progress)  # the first answer's vectors, now
        progress.advance()
    before_writing()


@dataclass
class _Read:
    """A file loaded, chunked and checked: everything ingest does before it needs the index."""
    loaded: object
    meta: DocumentMeta
    document: Document
    chunked: object
    flagged: int
    warnings: list[str]


def _read(item: IngestItem, settings, guidance, progress: Progress | None) -> _Read:
    from assistant.index.vector_cache import answer_texts
    from assistant.ingest.chunking import chunk_pages
    from assistant.ingest.loaders import load_file
    from assistant.ingest.metadata import resolve_meta

    ocr_page = getattr(progress, "ocr_page", None)  # progress objects without it just skip OCR steps
    loaded = load_file(item.path, max_bytes=int(settings.max_file_mb * 1024 * 1024),
                       on_ocr_page=(lambda n, done, total: ocr_page(item.path, n, done, total)) if ocr_page else None)
    meta = resolve_meta(item.path, loaded.pages, loaded.title, item.meta, item.given,
                        file_date=loaded.date, file_council=loaded.council, running=loaded.running)
    document = Document(id=document_id(loaded.raw), source=str(item.path.resolve()), pages=len(loaded.pages),
                        ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        **meta.model_dump())
    chunked = chunk_pages(document, loaded.pages, guidance)
    flagged, warnings = _check_chunks(item.path, chunked)
    if not meta.council and meta.kind != "guidance":
        warnings.append(f"{item.path.name}: no council is named in its opening pages or its file name, so it is "
                        "indexed as no council's: questions and --council naming its council will not find it, "
                        "and gap checks may offer its text as a peer's. Ingest it again with --council \"Name of "
                        "Council\" (or in a manifest).")
    answer_texts(chunked.chunks)  # the sentence splits, remembered for prepare_answers
    return _Read(loaded, meta, document, chunked, flagged, warnings)


def _ingest_one(index, item: IngestItem, read: _Read, before_writing: Callable[[], None]) -> IngestResult:
    loaded, meta, document, chunked = read.loaded, read.meta, read.document, read.chunked
    previous = index.catalog.document_by_source(document.source)
    same_content = index.catalog.document(document.id)
    if same_content and same_content.source != document.source and (previous is None or previous.id != document.id):
        return IngestResult(path=str(item.path), status="unchanged", document=same_content, chunks=same_content.chunks,
                            message=f"same content as {same_content.source}, already indexed")
    chunks = chunked.chunks
    # same bytes can give new chunks: scanned pages skipped last time are OCR'd once Tesseract is installed
    if previous and previous.id == document.id and all(getattr(previous, f) == getattr(meta, f) for f in META_FIELDS) \
            and index.catalog.get_meta("chunker") == CHUNKER_VERSION \
            and index.catalog.chunk_ids(previous.id) == {c.id for c in chunks}:
        return IngestResult(path=str(item.path), status="unchanged", document=previous, chunks=previous.chunks,
                            coverage=chunked.coverage, flagged=read.flagged)
    if not chunks:
        raise UserError(f"{item.path}: no indexable text after cleaning. Check the file opens and has text.")
    document.chunks = len(chunks)
    vectors = index.base_embedder.embed_documents([c.embedding_text() for c in chunks])
    before_writing()
    old_ids = index.catalog.chunk_ids(previous.id) if previous else set()
    index.store.upsert(chunks, vectors)
    index.catalog.replace_document(document, chunks, replaces=previous.id if previous else None)
    stale = sorted(old_ids - {c.id for c in chunks})
    if stale:
        index.store.delete(stale)
    return IngestResult(path=str(item.path), status="replaced" if previous else "added", document=document,
                        chunks=len(chunks), message=" ".join(loaded.warnings), coverage=chunked.coverage,
                        flagged=read.flagged, warnings=read.warnings)


def _check_chunks(path: Path, chunked) -> tuple[int, list[str]]:
    """What the officer must hear about a document's chunks: text lost in chunking, and
    passages that address an AI assistant (indexed as data; answers citing them say so)."""
    from assistant.evidence.injection import addresses_ai, matches

    warnings = []
    name = Path(path).name
    if chunked.coverage < MIN_COVERAGE:
        example = f" For example, on p. {chunked.lost[0][0]} \"{chunked.lost[0][1][:80]}\" was read as a heading." \
            if chunked.lost else ""
        warnings.append(f"{name}: only {chunked.coverage:.0%} of the text loaded was indexed; the rest cannot be "
                        f"found or quoted.{example} Check the document's layout (one paragraph per line, headings on "
                        "lines of their own), or report it.")
    flagged = [c for c in chunked.chunks if addresses_ai(c.text)]
    if flagged:
        pages = sorted({c.page for c in flagged})
        where = f"p. {pages[0]}" if len(pages) == 1 else "pp. " + ", ".join(map(str, pages))
        phrase = matches(flagged[0].text)[0]
        warnings.append(f"{name}: passage{'s' if len(flagged) > 1 else ''} on {where} address"
                        f"{'' if len(flagged) > 1 else 'es'} an AI assistant (\"{phrase}\"); "
                        f"{'they are' if len(flagged) > 1 else 'it is'} indexed as data and will be flagged when cited.")
    return len(flagged), warnings
