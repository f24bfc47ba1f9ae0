"""Lexical search: BM25 (bm25s, English stemming by PyStemmer), kept beside the vector
store under <home>/index/. Rebuilt from the catalog after each ingest, and whenever the
catalog has changed since it was built (its generation number differs)."""

from __future__ import annotations

import json
import os
import shutil
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.models import Chunk, Filters

POINTER = "bm25.current"


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class LexicalIndex:
    def __init__(self, retriever, ids: list[str], attrs: dict, generation: int):
        self.retriever = retriever
        self.ids = ids
        self.generation = generation
        self.council = np.array(attrs["council"], dtype=object)
        self.kind = np.array(attrs["kind"], dtype=object)
        self.document_id = np.array(attrs["document_id"], dtype=object)
        self.themes = np.array(attrs["themes"], dtype=np.int64)  # bit t set: theme t

    @cached_property
    def rows(self) -> dict[str, int]:
        """Chunk id -> its row in the attribute arrays."""
        return {chunk_id: row for row, chunk_id in enumerate(self.ids)}

    # --- build / load -------------------------------------------------------------
    @classmethod
    def build(cls, chunks: list[Chunk], generation: int) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25()
        if chunks:
            retriever.index(tokenize([c.embedding_text() for c in chunks]), show_progress=False)
        attrs = {
            "council": [c.council for c in chunks],
            "kind": [c.kind for c in chunks],
            "document_id": [c.document_id for c in chunks],
            "themes": [sum(1 << t for t in set(c.themes)) for c in chunks],
        }
        return cls(retriever if chunks else None, [c.id for c in chunks], attrs, generation)

    def save(self, index_dir: Path) -> None:
        """Write beside the old copy, then switch a pointer file: never half-written."""
        target = index_dir / f"bm25-{self.generation}-{os.getpid()}"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(target), show_progress=False)
        meta = {"ids": self.ids, "generation": self.generation, "attrs": {
            "council": self.council.tolist(), "kind": self.kind.tolist(),
            "document_id": self.document_id.tolist(), "themes": self.themes.tolist()}}
        (target / "chunks.json").write_text(json.dumps(meta), encoding="utf-8")
        # A search that finds the saved copy stale saves its own, maybe while an ingest saves
        # a newer one: each writes its own temporary pointer and removes only older copies.
        tmp = index_dir / f"{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(target.name, encoding="utf-8")
        os.replace(tmp, index_dir / POINTER)
        for old in index_dir.glob("bm25-*-*"):
            if old != target and int(old.name.split("-")[1]) <= self.generation:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, index_dir: Path) -> "LexicalIndex | None":
        import bm25s

        pointer = index_dir / POINTER
        if not pointer.is_file():
            return None
        folder = index_dir / pointer.read_text(encoding="utf-8").strip()
        try:
            meta = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
            retriever = bm25s.BM25.load(str(folder), show_progress=False) if meta["ids"] else None
        except (OSError, ValueError, KeyError):
            return None  # damaged: the caller rebuilds it from the catalog
        return cls(retriever, meta["ids"], meta["attrs"], meta["generation"])

    def idf(self, stems: set[str]) -> dict[str, float]:
        """Inverse document frequency of each stem (BM25's formula); a stem no chunk has
        gets the highest weight."""
        import math

        n = len(self.ids)
        weights = {}
        vocabulary = self.retriever.vocab_dict if self.retriever is not None else {}
        indptr = self.retriever.scores["indptr"] if self.retriever is not None else None
        for stem in stems:
            token = vocabulary.get(stem)
            df = int(indptr[token + 1] - indptr[token]) if token is not None else 0
            weights[stem] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return weights

    # --- search -------------------------------------------------------------------
    def mask(self, filters: Filters) -> np.ndarray | None:
        if filters.is_empty():
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.councils:
            keep &= np.isin(self.council, list(filters.councils))
        if filters.kinds:
            keep &= np.isin(self.kind, list(filters.kinds))
        if filters.document_ids:
            keep &= np.isin(self.document_id, list(filters.document_ids))
        if filters.themes:
            bits = sum(1 << t for t in filters.themes)
            keep &= (self.themes & bits) != 0
        return keep

    def query(self, text: str, k: int, filters: Filters) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; only chunks with a score above zero."""
        if self.retriever is None or k <= 0:
            return []
        tokens = tokenize([text])[0]
        if not tokens:
            return []
        scores = self.retriever.get_scores(tokens)
        keep = self.mask(filters)
        if keep is not None:
            scores = np.where(keep, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
