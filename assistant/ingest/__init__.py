"""Ingest: files -> pages -> chunks -> index, one document at a time.

Per document, the order of writes makes a crash harmless: new vectors go into Chroma
first, then the catalog switches to the new version in one transaction, then the old
vectors are deleted. Vectors the catalog does not list are orphans: searches ignore them
and the next ingest removes them (``reconcile``). An unchanged file (same content, same
metadata) is skipped; a changed file replaces its old chunks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from assistant.errors import AssistantError, UserError
from assistant.ingest.chunking import CHUNKER_VERSION
from assistant.models import Document, DocumentMeta

META_FIELDS = ("title", "council", "kind", "date", "origin")


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

    def as_dict(self) -> dict:
        data = {"path": self.path, "status": self.status, "message": self.message, "chunks": self.chunks}
        if self.document:
            data["document"] = self.document.model_dump(mode="json")
        return data


class Progress:
    """What ingest reports while it works; the CLI draws it as a progress bar."""

    def start(self, files: int) -> None: ...
    def file(self, path: Path) -> None: ...
    def advance(self) -> None: ...


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
            reconcile(index)
            progress.start(len(items))
            for item in items:
                progress.file(item.path)
                try:
                    results.append(_ingest_one(index, item, guidance, settings))
                except AssistantError as exc:
                    if not isinstance(exc, UserError):
                        raise  # a backend failure stops the run; what is done stays done
                    results.append(IngestResult(path=str(item.path), status="failed", message=str(exc)))
                progress.advance()
        finally:
            if any(r.status in ("added", "replaced") for r in results):
                index.rebuild_lexical()
            if all(r.status != "failed" for r in results):
                index.catalog.set_meta("chunker", CHUNKER_VERSION)
            index.close()
    return results


def _ingest_one(index, item: IngestItem, guidance, settings) -> IngestResult:
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import load_file
    from assistant.ingest.metadata import resolve_meta

    loaded = load_file(item.path, max_bytes=int(settings.max_file_mb * 1024 * 1024))
    source = str(item.path.resolve())
    meta = resolve_meta(item.path, loaded.pages, loaded.title, item.meta, item.given)
    doc_id = document_id(loaded.raw)
    previous = index.catalog.document_by_source(source)
    same_content = index.catalog.document(doc_id)
    if same_content and same_content.source != source and (previous is None or previous.id != doc_id):
        return IngestResult(path=str(item.path), status="unchanged", document=same_content, chunks=same_content.chunks,
                            message=f"same content as {same_content.source}, already indexed")
    if previous and previous.id == doc_id and all(getattr(previous, f) == getattr(meta, f) for f in META_FIELDS) \
            and index.catalog.get_meta("chunker") == CHUNKER_VERSION:
        return IngestResult(path=str(item.path), status="unchanged", document=previous, chunks=previous.chunks)
    document = Document(id=doc_id, source=source, pages=len(loaded.pages),
                        ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        **meta.model_dump())
    chunks = chunk_document(document, loaded.pages, guidance)
    if not chunks:
        raise UserError(f"{item.path}: no indexable text after cleaning. Check the file opens and has text.")
    document.chunks = len(chunks)
    vectors = index.base_embedder.embed_documents([c.embedding_text() for c in chunks])
    old_ids = index.catalog.chunk_ids(previous.id) if previous else set()
    index.store.upsert(chunks, vectors)
    index.catalog.replace_document(document, chunks, replaces=previous.id if previous else None)
    stale = sorted(old_ids - {c.id for c in chunks})
    if stale:
        index.store.delete(stale)
    return IngestResult(path=str(item.path), status="replaced" if previous else "added", document=document,
                        chunks=len(chunks))
