"""Vectors remembered between calls and between runs.

Answering scores every sentence of the retrieved passages, and the same sentences,
guidance questions and evidence points come back question after question (a chat, a
draft's twenty-two questions, an evaluation run). ``CachedEmbeddings`` wraps an embedder
with a bounded in-memory cache and, when given a file, an SQLite store beside the index
(``<home>/index/vectors.sqlite``; safe to delete, it refills as questions are asked).

So that the first answer after an ingest is as fast as the next, ingest fills it too
(``prepare_answers``, once per document): the texts answering embeds for a chunk — each
sentence and list item, with its lead-in, and the clauses of long ones (the strings
``UnitMatrix`` in assistant/evidence/scoring.py embeds; tests/test_latency_paths.py checks
that the first question after an ingest embeds only itself) — and the guidance's questions
and evidence points. The chunk vectors themselves live in Chroma, and are copied for the
exact search of small local indexes (matrix.py).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict
from pathlib import Path

import numpy as np

MEMORY_LIMIT = 50_000  # vectors kept in memory (~75 MB at 384 dimensions)


def cached(embedder):
    """The embedder with a memory, unless it has one already (the index's has)."""
    if embedder is None or isinstance(embedder, CachedEmbeddings):
        return embedder
    return CachedEmbeddings(embedder)


class CachedEmbeddings:
    """LangChain's ``Embeddings`` methods, remembered (no langchain_core import: see embeddings.py)."""

    def __init__(self, inner, path: Path | None = None):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.db = None
        if path is not None:
            try:
                self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")  # a cache: a power cut may lose the last writes, no more
                self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
            except sqlite3.Error:
                self.db = None  # a read-only home still answers, from memory

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\0{text}".encode("utf-8")).hexdigest()

    def _remember(self, key: str, vector: np.ndarray) -> None:
        self.memory[key] = vector
        self.memory.move_to_end(key)
        while len(self.memory) > MEMORY_LIMIT:
            self.memory.popitem(last=False)

    def _load(self, keys: list[str]) -> None:
        if self.db is None or not keys:
            return
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            try:
                rows = self.db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(batch))})",
                                       batch).fetchall()
            except sqlite3.Error:
                return
            for key, blob in rows:
                self._remember(key, np.frombuffer(blob, dtype=np.float32))

    def _store(self, items: list[tuple[str, np.ndarray]]) -> None:
        if self.db is None or not items:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO vectors(key, vector) VALUES (?, ?)",
                                    [(k, v.astype(np.float32).tobytes()) for k, v in items])
        except sqlite3.Error:
            pass  # busy or read-only: the vectors stay in memory

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        self._load([k for k in dict.fromkeys(keys) if k not in self.memory])
        todo = {k: t for k, t in zip(keys, texts) if k not in self.memory}
        if todo:
            fresh = [np.asarray(v, dtype=np.float32) for v in self.inner.embed_documents(list(todo.values()))]
            for key, vector in zip(todo, fresh):
                self._remember(key, vector)
            self._store(list(zip(todo, fresh)))
        found = {k: self.memory[k] for k in dict.fromkeys(keys)}
        return [found[k].tolist() for k in keys]

    def embed_query(self, text: str) -> list[float]:
        # every embedder we offer (MiniLM, OpenAI, sentence-transformers) embeds a query
        # as it embeds a document, so one cache serves both
        return self.embed_documents([text])[0]

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


# --- at ingest: what the first answer will need ----------------------------------------
PREPARE_BATCH = 512  # texts per embedder call, so the progress bar moves on long documents


def answer_texts(chunks) -> list[str]:
    """The texts answering embeds to score these chunks' sentences (``evidence.scoring.UnitMatrix``)."""
    from assistant.text.sentences import clauses, is_lead_in, split_units

    texts: list[str] = []
    for chunk in chunks:
        for unit in split_units(chunk):
            if not is_lead_in(unit):
                texts += [unit.text, unit.in_full(), *clauses(unit)]
    return list(dict.fromkeys(texts))


def guidance_texts(settings) -> list[str]:
    """The guidance's questions and evidence points, embedded for every question asked."""
    from assistant.guidance import load_guidance

    guidance = load_guidance(settings.guidance_path())
    return list(dict.fromkeys(t for q in guidance.questions() for t in (q.text, *q.evidence)))


def precompute_units(index, chunks, progress=None, label: str = "") -> int:
    """Embed, into the index's vector cache, what answering will embed for these chunks
    and for the guidance; returns how many texts that is (cached ones are not redone)."""
    texts = answer_texts(chunks) + guidance_texts(index.settings)
    describe = getattr(progress, "describe", None)  # the CLI's bar has it; ingest's base Progress not
    if describe:
        describe(f"{label[:28]}: embedding sentences" if label else "embedding sentences")
    for start in range(0, len(texts), PREPARE_BATCH):
        index.embedder.embed_documents(texts[start:start + PREPARE_BATCH])
    return len(texts)


def prepare_answers(index, result, progress=None) -> None:
    """After ingest has indexed (or skipped) one document: cache the vectors its first
    answers will need, and copy its chunk vectors for exact search (matrix.py). A document
    done before is skipped in milliseconds; one indexed before this existed is filled in."""
    from assistant.index.matrix import record_document, recorded

    document = getattr(result, "document", None)
    if document is None or result.status not in ("added", "replaced", "unchanged"):
        return
    if recorded(index, document):
        return
    chunks = index.catalog.document_chunks(document.id)
    if not chunks:
        return
    precompute_units(index, chunks, progress, label=document.title or document.source)
    record_document(index, document, chunks)
