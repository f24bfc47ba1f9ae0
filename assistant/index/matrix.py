"""Exact dense search over a local index's chunk vectors, without Chroma.

Importing chromadb costs about 0.8 s of CPU, most of a warm ``assistant ask``. For an
embedded index (not --chroma-url) of up to MATRIX_MAX chunks, a question is compared with
every chunk vector at once instead (numpy; ~20 ms at 100k chunks): exact, so never worse
than Chroma's approximate (HNSW) neighbours, with the same filters applied here.

The vectors are copied from Chroma at ingest, one row per document in
``<home>/index/vectors.sqlite`` (``record_document``), and gathered on first use into a
snapshot ``<home>/index/matrix/g<generation>.npy`` that later commands map from disk.
Anything that does not match the catalog (a snapshot of another generation, a document
without its row, vectors.sqlite deleted) makes ``search_index`` return None, and the
caller asks Chroma as before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import numpy as np

RETRY_S = 10  # after a miss, seconds before looking for the vectors again
MATRIX_MAX = 250_000  # chunks; ~370 MB of float32 at 384 dimensions, ~50 ms a query on 2 cores
SCHEMA = """CREATE TABLE IF NOT EXISTS chunk_vectors (
  document_id TEXT PRIMARY KEY, ingested_at TEXT, council TEXT, kind TEXT,
  ids TEXT, themes TEXT, vectors BLOB)"""


def _db(index_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(index_dir / "vectors.sqlite", timeout=10, isolation_level=None)
    db.execute(SCHEMA)
    return db


def _theme_bits(themes) -> int:
    return sum(1 << t for t in themes if 0 <= t < 31)


# --- at ingest -------------------------------------------------------------------------
def recorded(index, document) -> bool:
    """Whether this version of the document was prepared (its row is there, with its
    vectors: a row without them, e.g. from a version that kept none with a Chroma server,
    is done again by the next ingest)."""
    try:
        db = _db(index.dir)
        try:
            row = db.execute("SELECT ingested_at, vectors IS NOT NULL FROM chunk_vectors WHERE document_id=?",
                             (document.id,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == document.ingested_at and bool(row[1])


def record_document(index, document, chunks) -> None:
    """Copy the document's chunk vectors from the vector store (with a Chroma server too:
    a narrow filter is searched from this copy, see ``search_documents``). A store that
    lacks some leaves the document without vectors, and exact search off until it is
    ingested again."""
    vectors = None
    ids = [c.id for c in chunks]
    if len(ids) <= MATRIX_MAX:
        found = index.store.collection.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(found["ids"], found["embeddings"]))
        if all(i in by_id for i in ids):
            vectors = [by_id[i] for i in ids]
    record_vectors(index.dir, document, chunks, vectors)


def record_vectors(index_dir: Path, document, chunks, vectors) -> None:
    """Write the document's row: its chunks' ids, themes and vectors (None: not known)."""
    blob = None if vectors is None else np.asarray(vectors, dtype=np.float32).tobytes()
    try:
        db = _db(index_dir)
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO chunk_vectors VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (document.id, document.ingested_at, document.council, document.kind,
                            json.dumps([c.id for c in chunks]), json.dumps([_theme_bits(c.themes) for c in chunks]),
                            blob))
        finally:
            db.close()
    except sqlite3.Error:
        pass  # busy or read-only: searches ask Chroma


# --- at search ---------------------------------------------------------------------------
class VectorMatrix:
    """Chunk vectors (rows normalised), their ids and what the filters look at."""

    def __init__(self, vectors: np.ndarray, ids: list[str], documents: list[str], councils: list[str],
                 kinds: list[str], doc_of: np.ndarray, themes: np.ndarray):
        self.vectors, self.ids = vectors, ids
        self.documents, self.councils, self.kinds = documents, councils, kinds  # per document
        self.doc_of, self.themes = doc_of, themes  # per chunk: document number, theme bits
        self._rows: dict[str, int] | None = None
        self._masks: dict[tuple, np.ndarray | None] = {}  # a search asks with the same filters 1 + expansions times

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, filters=None, allowed_ids=None) -> np.ndarray | None:
        """Which chunks pass ``filters`` (a models.Filters) and are among ``allowed_ids``;
        None for all of them."""
        keep = None
        if filters is not None:
            key = (tuple(filters.councils), tuple(filters.kinds), tuple(filters.document_ids), tuple(filters.themes))
            if key not in self._masks:
                if len(self._masks) >= 64:
                    self._masks.clear()
                self._masks[key] = self._filter_mask(filters)
            keep = self._masks[key]
        if allowed_ids is not None:
            if self._rows is None:
                self._rows = {cid: i for i, cid in enumerate(self.ids)}
            allowed = np.zeros(len(self.ids), dtype=bool)
            allowed[[self._rows[c] for c in allowed_ids if c in self._rows]] = True
            keep = allowed if keep is None else keep & allowed
        return keep

    def _filter_mask(self, filters) -> np.ndarray | None:
        keep = None
        docs = np.ones(len(self.documents), dtype=bool)
        if filters.councils:
            docs &= np.isin(self.councils, list(filters.councils))
        if filters.kinds:
            docs &= np.isin(self.kinds, list(filters.kinds))
        if filters.document_ids:
            docs &= np.isin(self.documents, list(filters.document_ids))
        if not docs.all():
            keep = docs[self.doc_of]
        if filters.themes:
            themed = (self.themes & _theme_bits(filters.themes)) != 0
            keep = themed if keep is None else keep & themed
        return keep

    def search(self, vector, k: int, allowed_ids=None, filters=None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks that pass, best first."""
        if k <= 0 or not self.ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = self.vectors @ query
        keep = self.mask(filters, allowed_ids)
        if keep is not None:
            candidates = np.flatnonzero(keep)
            scores = scores[candidates]
        else:
            candidates = None
        k = min(k, len(scores))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # best first; ties in index order
        rows = top if candidates is None else candidates[top]
        return [(self.ids[r], float(scores[t])) for r, t in zip(rows, top)]


def _snapshot_paths(index_dir: Path, generation: int) -> tuple[Path, Path]:
    folder = index_dir / "matrix"
    return folder / f"g{generation}.npy", folder / f"g{generation}.json"


def _load_snapshot(index_dir: Path, generation: int) -> VectorMatrix | None:
    npy, meta = _snapshot_paths(index_dir, generation)
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        vectors = np.load(npy, mmap_mode="r")
    except (OSError, ValueError):
        return None
    if vectors.shape[0] != len(info["ids"]):
        return None
    return VectorMatrix(vectors, info["ids"], info["documents"], info["councils"], info["kinds"],
                        np.asarray(info["doc_of"], dtype=np.int32), np.asarray(info["themes"], dtype=np.int32))


def _build(index_dir: Path, documents) -> VectorMatrix | None:
    """Gather the catalog's documents' rows; None if any is missing or out of date."""
    try:
        db = _db(index_dir)
    except sqlite3.Error:
        return None
    try:
        rows = {r[0]: r for r in db.execute("SELECT document_id, ingested_at, council, kind, ids, themes, vectors "
                                            "FROM chunk_vectors WHERE document_id IN (SELECT value FROM json_each(?))",
                                            (json.dumps([d.id for d in documents]),))}
    except sqlite3.Error:
        return None
    finally:
        db.close()
    parts, ids, doc_of, themes = [], [], [], []
    for number, document in enumerate(documents):
        row = rows.get(document.id)
        if row is None or row[1] != document.ingested_at or row[6] is None:
            return None
        row_ids = json.loads(row[4])
        part = np.frombuffer(row[6], dtype=np.float32)
        if len(row_ids) != document.chunks or part.size % max(len(row_ids), 1):
            return None
        parts.append(part.reshape(len(row_ids), -1) if row_ids else part.reshape(0, 0))
        ids += row_ids
        doc_of += [number] * len(row_ids)
        themes += json.loads(row[5])
    parts = [p for p in parts if p.size]
    if not parts or len({p.shape[1] for p in parts}) != 1:
        return None
    vectors = np.concatenate(parts)
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    return VectorMatrix(vectors, ids, [d.id for d in documents], [d.council for d in documents],
                        [d.kind for d in documents], np.asarray(doc_of, dtype=np.int32),
                        np.asarray(themes, dtype=np.int32))


def _save(index_dir: Path, generation: int, matrix: VectorMatrix) -> None:
    npy, meta = _snapshot_paths(index_dir, generation)
    try:
        npy.parent.mkdir(exist_ok=True)
        for path, write in ((npy, lambda f: np.save(f, matrix.vectors)),
                            (meta, lambda f: f.write(json.dumps({
                                "ids": matrix.ids, "documents": matrix.documents, "councils": matrix.councils,
                                "kinds": matrix.kinds, "doc_of": matrix.doc_of.tolist(),
                                "themes": matrix.themes.tolist()}).encode("utf-8")))):
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with open(temporary, "wb") as f:
                write(f)
            os.replace(temporary, path)  # the .json last: a reader needs both
        for old in npy.parent.iterdir():  # older generations' snapshots (a newer one may be another reader's)
            number = old.name[1:].split(".", 1)[0]
            if old.suffix in (".npy", ".json") and number.isdigit() and int(number) < generation:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # read-only or busy home: this process still has the matrix in memory


def open_matrix(index) -> VectorMatrix | None:
    """The index's current vector matrix, or None when Chroma must answer (server mode,
    too many chunks, vectors not recorded)."""
    if index.settings.chroma_url:
        return None
    generation = index.catalog.generation()
    cached = index.__dict__.get("_vector_matrix")
    # a miss is retried after a while: ingest writes a document's vectors just after the
    # catalog lists it, and a long-running process (chat, the web app) should pick them up
    if cached is not None and cached[0] == generation and (cached[1] is not None or time.monotonic() < cached[2]):
        return cached[1]
    matrix = _load_snapshot(index.dir, generation)
    if matrix is None:
        documents = index.catalog.documents()
        if sum(d.chunks or 0 for d in documents) > MATRIX_MAX:
            matrix = None
        else:
            matrix = _build(index.dir, documents)
            if matrix is not None and index.catalog.generation() == generation:  # no ingest meanwhile
                _save(index.dir, generation, matrix)
    index.__dict__["_vector_matrix"] = (generation, matrix, time.monotonic() + RETRY_S)
    return matrix


def search_documents(index, vector, pool: int, filters) -> list[tuple[str, float]] | None:
    """Exact search among the chunks of the documents a narrow filter selects (a council,
    a document), from their rows in vectors.sqlite: for an index whose vectors are on a
    Chroma server or too many for the matrix. Chroma's own metadata filters cost 0.1-0.3 s
    a query at 100k-1M chunks (bench/search_1m.py); reading a council's ~2,500 vectors here
    takes milliseconds. None (ask Chroma) when the filter selects no document by council,
    kind or id, or when a selected document has no current row."""
    where, params = [], []
    for column, values in (("council", filters.councils), ("kind", filters.kinds), ("id", filters.document_ids)):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += list(values)
    if not where or not (filters.councils or filters.document_ids):
        return None  # a kind or a theme alone keeps too much of the index
    documents = [_Selected(*row) for row in index.catalog.db.execute(
        f"SELECT id, ingested_at, chunks, council, kind FROM documents WHERE {' AND '.join(where)}", params)]
    if not documents:
        return []
    if sum(d.chunks or 0 for d in documents) > MATRIX_MAX:
        return None
    matrix = _build(index.dir, documents)
    return None if matrix is None else matrix.search(vector, pool, filters=filters)


class _Selected:
    """What _build reads of a catalog document."""

    def __init__(self, id, ingested_at, chunks, council, kind):  # noqa: A002 - the catalog's column names
        self.id, self.ingested_at, self.chunks, self.council, self.kind = id, ingested_at, chunks, council, kind


def search_index(index, vector, pool: int, filters) -> list[tuple[str, float]] | None:
    """Hook for ``Index.dense``: the ``pool`` nearest chunks that pass ``filters``, by exact
    search, or None when Chroma must answer."""
    matrix = open_matrix(index)
    return None if matrix is None else matrix.search(vector, pool, filters=filters)
