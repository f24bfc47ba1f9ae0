"""The catalog: which documents and chunks are in the index (SQLite, one transaction per
document). It is the record of truth: the vector store is built from it, and a chunk the
store holds that the catalog does not is an orphan of an interrupted ingest, removed on the
next ingest and never returned by a search. The lexical index (lexical.py) lives in the same
file and changes in the same transaction as the chunks it indexes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.index import lexical
from assistant.models import Chunk, Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT, council TEXT, kind TEXT,
  date TEXT, origin TEXT, pages INTEGER, chunks INTEGER, ingested_at TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
  id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  position INTEGER, text TEXT, page INTEGER, section TEXT, themes TEXT,
  council TEXT, kind TEXT, title TEXT, source TEXT, date TEXT, ocr INTEGER DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

CHUNK_FIELDS = ("id", "document_id", "position", "text", "page", "section", "themes", "council", "kind", "title",
                "source", "date", "ocr")
DOC_FIELDS = ("id", "source", "title", "council", "kind", "date", "origin", "pages", "chunks", "ingested_at")


def _chunk_row(chunk: Chunk) -> tuple:
    data = chunk.model_dump()
    data["themes"] = ",".join(str(t) for t in chunk.themes)
    data["ocr"] = int(chunk.ocr)
    return tuple(data[f] for f in CHUNK_FIELDS)


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
    data = dict(row)
    data["themes"] = [int(t) for t in (data["themes"] or "").split(",") if t]
    data["ocr"] = bool(data.get("ocr"))
    return Chunk(**data)


class Catalog:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.notice = None  # called with a message before slow work (the Index prints it)
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA + lexical.SCHEMA)  # no write when the tables exist
            if "ocr" not in {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}:
                self.db.execute("ALTER TABLE chunks ADD COLUMN ocr INTEGER DEFAULT 0")  # an index from before OCR
            if self.get_meta("lexical") != lexical.VERSION and not self.count_chunks():
                self.set_meta("lexical", lexical.VERSION)  # a new (or emptied) catalog: nothing to index
        except sqlite3.OperationalError as exc:  # read-only or locked: an older version's catalog needs new tables
            self.db.close()
            from assistant.errors import BackendUnavailable, UserError

            if "locked" in str(exc):
                raise BackendUnavailable(f"{path} stayed locked by another process for a minute; try again in a "
                                         "moment.") from exc
            raise UserError(f"{path}: cannot open the index ({exc}). Check the folder is writable (an index made "
                            "by an earlier version is upgraded in place on first use).") from exc

    def _lexical_ready_for_writes(self) -> None:
        if not self.lexical_current() or self.get_meta("lexical_fingerprint") != lexical.fingerprint():
            chunks = self.count_chunks()
            if chunks and self.notice:
                self.notice(f"Building the lexical index of {chunks} chunks in {self.path.parent} (once, after an "
                            "upgrade)...")
            self.rebuild_lexical(force=True)

    def lexical_current(self) -> bool:
        """Whether the lexical index matches this version's layout (else rebuild_lexical)."""
        return self.get_meta("lexical") == lexical.VERSION

    def rebuild_lexical(self, force: bool = False) -> int:
        """Index every chunk again, in one transaction, unless the lexical index is current
        (another process may have just done it); returns how many chunks were indexed."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if self.lexical_current() and not force:
                return 0
            return lexical.rebuild(self.db, (self.document_chunks(d) for (d,) in
                                             self.db.execute("SELECT id FROM documents ORDER BY id").fetchall()))

    def close(self) -> None:
        self.db.close()

    # --- meta ---------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def index_id(self) -> str:
        """A random id made once per catalog: names this index's collection on a shared
        Chroma server, so two homes on one server never see (or delete) each other's vectors."""
        import uuid

        if self.get_meta("index_id"):  # read only: this may run inside a reader's snapshot
            return self.get_meta("index_id")
        self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('index_id', ?)", (uuid.uuid4().hex[:16],))
        return self.get_meta("index_id")

    def generation(self) -> int:
        """Bumped on every change, so derived indexes know when they are stale."""
        return int(self.get_meta("generation", "0"))

    # --- documents ------------------------------------------------------------------
    def ocr_pages(self) -> dict[str, list[int]]:
        """Per document, the pages whose text was read by OCR."""
        pages: dict[str, list[int]] = {}
        for row in self.db.execute("SELECT DISTINCT document_id, page FROM chunks WHERE ocr = 1 ORDER BY page"):
            pages.setdefault(row[0], []).append(row[1])
        return pages

    def documents(self) -> list[Document]:
        rows = self.db.execute("SELECT * FROM documents ORDER BY council, title").fetchall()
        return [Document(**{k: (v if v is not None else "") for k, v in dict(r).items()}) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return Document(**{k: (v if v is not None else "") for k, v in dict(row).items()}) if row else None

    def document_by_source(self, source: str) -> Document | None:
        row = self.db.execute("SELECT id FROM documents WHERE source=?", (source,)).fetchone()
        return self.document(row[0]) if row else None

    def replace_document(self, document: Document, chunks: list[Chunk], replaces: str | None = None) -> None:
        """Put a document and its chunks in, removing ``replaces`` (an older version), in
        one transaction: a reader sees the old version or the new, never half of one; the
        lexical index changes in the same transaction."""
        tokens = lexical.tokenize([c.embedding_text() for c in chunks]) if chunks else []
        self._lexical_ready_for_writes()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for old in {replaces, document.id} - {None}:
                lexical.remove_document(self.db, old)
                self.db.execute("DELETE FROM chunks WHERE document_id=?", (old,))
                self.db.execute("DELETE FROM documents WHERE id=?", (old,))
            self.db.execute(
                f"INSERT INTO documents({','.join(DOC_FIELDS)}) VALUES ({','.join('?' * len(DOC_FIELDS))})",
                tuple(getattr(document, f) for f in DOC_FIELDS),
            )
            self.db.executemany(
                f"INSERT INTO chunks({','.join(CHUNK_FIELDS)}) VALUES ({','.join('?' * len(CHUNK_FIELDS))})",
                [_chunk_row(c) for c in chunks],
            )
            lexical.add_chunks(self.db, chunks, tokens)
            self.set_meta("generation", str(self.generation() + 1))

    def remove_document(self, doc_id: str) -> None:
        self._lexical_ready_for_writes()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            lexical.remove_document(self.db, doc_id)
            self.db.execute("DELETE FROM chunks WHERE document_id=?", (doc_id,))
            self.db.execute("DELETE FROM documents WHERE id=?", (doc_id,))
            self.set_meta("generation", str(self.generation() + 1))

    # --- chunks -------------------------------------------------------------------
    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id:
            rows = self.db.execute("SELECT id FROM chunks WHERE document_id=?", (doc_id,))
        else:
            rows = self.db.execute("SELECT id FROM chunks")
        return {r[0] for r in rows}

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            rows = self.db.execute(f"SELECT * FROM chunks WHERE id IN ({','.join('?' * len(batch))})", batch)
            found.update({r["id"]: _chunk_from_row(r) for r in rows})
        return found

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        rows = self.db.execute("SELECT * FROM chunks WHERE document_id=? ORDER BY position", (doc_id,))
        return [_chunk_from_row(r) for r in rows]

    def iter_chunks(self):
        """All chunks in a stable order (document, position)."""
        for row in self.db.execute("SELECT * FROM chunks ORDER BY document_id, position"):
            yield _chunk_from_row(row)

    def count_chunks(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def councils(self, kinds: list[str] | None = None) -> list[str]:
        """Councils with documents (of these kinds, if given)."""
        if kinds:
            rows = self.db.execute(
                f"SELECT DISTINCT council FROM documents WHERE council != '' AND kind IN ({','.join('?' * len(kinds))}) "
                "ORDER BY council", kinds)
        else:
            rows = self.db.execute("SELECT DISTINCT council FROM documents WHERE council != '' ORDER BY council")
        return [r[0] for r in rows]
