"""Filtered dense search takes one of three ways by how many chunks the filters keep
(Chroma's own filter, unfiltered neighbours filtered here, or an exact comparison with the
few chunks kept); each must find the same nearest chunks as an exact search does."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import assistant.index as index_module
from assistant.models import Chunk, Document, Filters

COUNCILS = ["Ashton Borough Council", "Brookford District Council", "Castleby County Council"]
KINDS = ["plan", "minutes", "report", "guidance"]


def random_index(home, seed: int, record: bool = False):
    """A real catalog, Chroma store and keyword index of 600 chunks (20 documents of 3 councils
    and 4 kinds) with known random vectors; ``record`` also keeps each document's vectors as
    ingest does. Returns (index, chunks, vectors)."""
    import assistant.index.matrix as matrix
    from assistant.index import open_index
    from tests.conftest import settings_for

    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(600, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = open_index(settings_for(home))
    chunks: list[Chunk] = []
    for d in range(20):
        council, kind = COUNCILS[d % 3], KINDS[d % 4]
        document = Document(id=f"doc{d:02d}", source=f"/docs/{d}.txt", title=f"Document {d}", council=council,
                            kind=kind, pages=1, chunks=30, ingested_at=f"2024-07-01T00:00:{d:02d}+00:00")
        mine = [Chunk(id=f"doc{d:02d}-{p:05d}", document_id=document.id, position=p, text=f"passage {d} {p} budget",
                      page=1, themes=[1 + (p % 4)] + ([4] if p % 3 == 0 else []), council=council, kind=kind)
                for p in range(30)]
        index.store.upsert(mine, vectors[len(chunks):len(chunks) + 30])
        index.catalog.replace_document(document, mine)
        if record:
            matrix.record_document(index, document, mine)
        chunks += mine
    index.rebuild_lexical()
    return index, chunks, vectors


@pytest.fixture(scope="module")
def index_with_vectors(tmp_path_factory):
    index, chunks, vectors = random_index(tmp_path_factory.mktemp("scale") / "home", 11)
    yield index, chunks, vectors
    index.close()


def exact(chunks, vectors, query, filters: Filters, pool: int) -> list[str]:
    def passes(c: Chunk) -> bool:
        return ((not filters.councils or c.council in filters.councils)
                and (not filters.kinds or c.kind in filters.kinds)
                and (not filters.document_ids or c.document_id in filters.document_ids)
                and (not filters.themes or bool(set(c.themes) & set(filters.themes))))

    scores = vectors @ query
    order = [i for i in np.argsort(-scores) if passes(chunks[i])]
    return [chunks[i].id for i in order[:pool]]


FILTERS = [
    Filters(),
    Filters(kinds=["plan", "minutes", "report"]),  # most chunks
    Filters(themes=[4]),
    Filters(councils=["Brookford District Council"], themes=[2, 3]),
    Filters(document_ids=["doc03"]),  # 30 chunks: fewer than the pool
]


@pytest.mark.parametrize("way", ["exact comparison", "filtered here", "chroma filter"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f.model_dump(exclude_defaults=True)))
def test_each_way_finds_the_nearest_passing_chunks(index_with_vectors, monkeypatch, way, filters):
    index, chunks, vectors = index_with_vectors
    if way != "exact comparison":
        monkeypatch.setattr(index_module, "EXACT_MAX", 0)
    if way == "chroma filter":
        monkeypatch.setattr(index_module, "OVERFETCH_MAX", 0)
    rng = np.random.default_rng(zlib.crc32(way.encode()))  # str hash() differs between runs
    for _ in range(5):
        query = vectors[rng.integers(len(vectors))] + rng.normal(scale=0.05, size=384).astype(np.float32)
        query /= np.linalg.norm(query)
        expected = exact(chunks, vectors, query, filters, 40)
        found = [cid for cid, _ in index.dense(query.tolist(), 40, filters)]
        # HNSW is approximate: the first ten may differ by one near-tie
        assert len(set(found[:10]) & set(expected[:10])) >= 9
        assert len(set(found) & set(expected)) >= 0.9 * len(expected)
        assert len(found) == len(expected)


def test_a_filter_nothing_passes_finds_nothing(index_with_vectors):
    index, _, vectors = index_with_vectors
    assert index.dense(vectors[0].tolist(), 40, Filters(councils=["Nowhere Council"])) == []
