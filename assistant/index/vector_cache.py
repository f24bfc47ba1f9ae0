"""Vectors remembered between calls and between runs.

Answering scores every sentence of the retrieved passages, and the same sentences,
guidance questions and evidence points come back question after question (a chat, a
draft's twenty-two questions, an evaluation run). ``CachedEmbeddings`` wraps an embedder
with a bounded in-memory cache and, when given a file, an SQLite store beside the index
(``<home>/index/vectors.sqlite``; safe to delete, it refills as questions are asked).
Ingest does not go through it: chunk vectors live in Chroma already.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MEMORY_LIMIT = 50_000  # vectors kept in memory (~75 MB at 384 dimensions)


def cached(embedder: Embeddings | None) -> Embeddings | None:
    """The embedder with a memory, unless it has one already (the index's has)."""
    if embedder is None or isinstance(embedder, CachedEmbeddings):
        return embedder
    return CachedEmbeddings(embedder)


class CachedEmbeddings(Embeddings):
    def __init__(self, inner: Embeddings, path: Path | None = None):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.db = None
        if path is not None:
            try:
                self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
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
