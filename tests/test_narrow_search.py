"""A narrow filter (a council, a document) on an index whose vectors are on a Chroma server
or too many for the in-memory matrix is searched exactly from the copy of its documents'
vectors in vectors.sqlite (matrix.search_documents): the same nearest chunks as an exact
search, and Chroma again whenever a selected document has no current copy."""

from __future__ import annotations

import numpy as np
import pytest

import assistant.index.matrix as matrix
from assistant.models import Filters
from tests.test_scale_search import exact, random_index


@pytest.fixture(scope="module")
def recorded_index(tmp_path_factory):
    """600 chunks with known vectors, each document's vectors copied as ingest copies them."""
    index, chunks, vectors = random_index(tmp_path_factory.mktemp("narrow") / "home", 12, record=True)
    yield index, chunks, vectors
    index.close()


NARROW = [
    Filters(councils=["Brookford District Council"]),
    Filters(councils=["Brookford District Council"], themes=[2, 3]),
    Filters(councils=["Ashton Borough Council"], kinds=["plan"]),
    Filters(document_ids=["doc03"]),  # 30 chunks: fewer than the pool
]


@pytest.mark.parametrize("filters", NARROW, ids=lambda f: str(f.model_dump(exclude_defaults=True)))
def test_a_narrow_filter_is_searched_exactly_from_the_copy(recorded_index, monkeypatch, filters):
    index, chunks, vectors = recorded_index
    monkeypatch.setattr(matrix, "open_matrix", lambda index: None)  # as with a Chroma server, or > MATRIX_MAX
    used = []
    original = matrix.search_documents
    monkeypatch.setattr(matrix, "search_documents", lambda *a: used.append(found := original(*a)) or found)
    rng = np.random.default_rng(3)
    for _ in range(5):
        query = vectors[rng.integers(len(vectors))] + rng.normal(scale=0.05, size=384).astype(np.float32)
        query /= np.linalg.norm(query)
        found = index.dense(query.tolist(), 40, filters)
        assert [cid for cid, _ in found] == exact(chunks, vectors, query, filters, 40)  # exact: the same order
        assert all(-1.0 <= score <= 1.0 for _, score in found)
    assert len(used) == 5 and all(u is not None for u in used)


def test_a_document_without_its_copy_sends_the_search_to_chroma(recorded_index, monkeypatch):
    index, chunks, vectors = recorded_index
    monkeypatch.setattr(matrix, "open_matrix", lambda index: None)
    filters = Filters(councils=["Castleby County Council"])
    query = vectors[5]
    assert matrix.search_documents(index, query.tolist(), 40, filters) is not None
    db = matrix._db(index.dir)
    with db:
        db.execute("UPDATE chunk_vectors SET ingested_at='older' WHERE document_id='doc02'")  # a Castleby document
    try:
        assert matrix.search_documents(index, query.tolist(), 40, filters) is None
        expected = exact(chunks, vectors, query, filters, 40)
        found = [cid for cid, _ in index.dense(query.tolist(), 40, filters)]  # Chroma answers
        assert len(set(found[:10]) & set(expected[:10])) >= 9 and len(found) == len(expected)
    finally:
        with db:
            db.execute("UPDATE chunk_vectors SET ingested_at='2024-07-01T00:00:02+00:00' WHERE document_id='doc02'")
        db.close()


def test_broad_filters_and_unknown_councils(recorded_index):
    index, _, vectors = recorded_index
    assert matrix.search_documents(index, vectors[0].tolist(), 40, Filters(kinds=["plan"])) is None  # too broad
    assert matrix.search_documents(index, vectors[0].tolist(), 40, Filters(themes=[1])) is None
    assert matrix.search_documents(index, vectors[0].tolist(), 40, Filters(councils=["Nowhere Council"])) == []


def test_a_lookup_of_named_chunks_does_not_walk_a_kind(recorded_index):
    from assistant.index.lexical import filter_sql

    index, chunks, _ = recorded_index
    where, params = filter_sql(Filters(kinds=["plan"], themes=[4]), lookup=True)
    plan = index.catalog.db.execute(
        f"EXPLAIN QUERY PLAN SELECT chunk_id FROM lexical_rows WHERE chunk_id IN (SELECT value FROM json_each(?)) "
        f"AND {where}", ['["doc00-00000"]', *params]).fetchall()
    assert "lexical_rows_by_kind" not in str(plan)
    ids = [c.id for c in chunks[:90]]
    assert index.lexical.passing_ids(ids, Filters(kinds=["plan"], themes=[4])) == \
        {c.id for c in chunks[:90] if c.kind == "plan" and 4 in c.themes}


def test_with_a_chroma_server_ingest_keeps_the_copy_and_a_council_is_searched_from_it(cli, tmp_path, monkeypatch):
    """End to end: `ingest --chroma-url` copies each document's vectors into vectors.sqlite,
    and `search --council` finds the same passages from the copy as from the server."""
    from tests.test_server_mode import BLABY, PLAN, _start_server, _stop

    server, url = _start_server(tmp_path / "chroma")
    try:
        home = tmp_path / "home"
        result = cli("--chroma-url", url, "ingest", PLAN, BLABY, "--json", home=home)
        assert result.code == 0, result.stderr
        db = matrix._db(home / "index")
        rows = db.execute("SELECT council, length(vectors), ids FROM chunk_vectors").fetchall()
        db.close()
        assert len(rows) == 2 and all(size and size == 384 * 4 * len(__import__("json").loads(ids))
                                      for _, size, ids in rows)
        args = ("--chroma-url", url, "search", "agency staff spend", "-k", "5", "--council", "Blaby", "--json")
        used = []
        original = matrix.search_documents
        monkeypatch.setattr(matrix, "search_documents", lambda *a: used.append(found := original(*a)) or found)
        from_copy = cli(*args, home=home)
        assert from_copy.code == 0, from_copy.stderr
        assert used and used[0] is not None
        monkeypatch.setattr(matrix, "search_documents", lambda *a: None)  # the server answers instead
        from_server = cli(*args, home=home)
        hits = from_copy.json["hits"]
        assert hits and all(h["council"] == "Blaby District Council" for h in hits)
        assert [(h["id"], h["dense_rank"]) for h in hits] == \
            [(h["id"], h["dense_rank"]) for h in from_server.json["hits"]]
    finally:
        _stop(server)


@pytest.mark.parametrize("filters", NARROW + [Filters(kinds=["plan"])],
                         ids=lambda f: str(f.model_dump(exclude_defaults=True)))
def test_a_large_index_scores_a_narrow_filters_rows_only_with_the_same_results(recorded_index, monkeypatch, filters):
    import assistant.index.lexical_search as lexical

    index, _, _ = recorded_index
    questions = ("passage budget", "passage 3 budget 7", "budget 12 passage 14")
    with index.reading():
        monkeypatch.setattr(lexical, "LARGE", 10**12)  # a small index: every posting scored, then filtered
        whole = [index.lexical.query(q, 40, filters) for q in questions]
        monkeypatch.setattr(lexical, "LARGE", 0)  # as at a million chunks: the filter's rows picked out first
        picked = [index.lexical.query(q, 40, filters) for q in questions]
    assert picked == whole and all(whole)


def test_a_row_kept_without_vectors_is_done_again_by_the_next_ingest(recorded_index):
    index, chunks, _ = recorded_index
    document = index.catalog.document("doc07")
    mine = [c for c in chunks if c.document_id == "doc07"]
    assert matrix.recorded(index, document)
    matrix.record_vectors(index.dir, document, mine, None)  # as a server index made by the previous version
    assert not matrix.recorded(index, document)
    matrix.record_document(index, document, mine)
    assert matrix.recorded(index, document)
