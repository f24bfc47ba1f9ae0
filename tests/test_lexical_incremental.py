"""The lexical index is kept up to date one document at a time, in the catalog's own
transactions: after any mix of adds, replacements and removals its BM25 scores and IDF
weights are those of an index built from scratch (bm25s, which the whole-rebuild index
used), and adding a document writes in proportion to that document, not to the index."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.index.catalog import Catalog
from assistant.index.lexical import tokenize
from assistant.index.lexical_search import LexicalReader
from assistant.models import Chunk, Document, Filters

WORDS = ("agency spend workforce recruitment retention digital transformation procurement savings shared services "
         "waste fleet leisure housing benefits planning licensing democratic council tax collection arrears "
         "apprenticeships vacancy sickness absence overtime interim consultants contract management energy "
         "buildings estate disposal income fees charges commercial investment property broadband customer "
         "contact channel shift automation robotic process telephony complaints members scrutiny cabinet").split()
COUNCILS = ["Ashcombe Borough Council", "Brackley District Council", "Carrow County Council"]
QUERIES = ["agency spend on interim consultants", "digital transformation and automation of customer contact",
           "waste fleet energy savings", "council tax arrears collection", "apprenticeships to fill vacancy",
           "shared services procurement contract management savings", "leisure housing planning"]


def _document(n: int, version: int = 0, chunks: int = 8) -> tuple[Document, list[Chunk]]:
    rng = random.Random(n * 1000 + version)
    council = COUNCILS[n % len(COUNCILS)]
    doc = Document(id=f"doc{n:04d}v{version}", source=f"/docs/{n}.txt", title=f"Report {n}", council=council,
                   kind="plan" if n % 2 else "minutes", pages=1, chunks=chunks)
    weights = 1 / np.arange(1, len(WORDS) + 1)  # Zipf-like: frequencies differ a lot between words
    items = []
    for p in range(chunks):
        words = rng.choices(WORDS, weights=weights, k=rng.randint(20, 90))
        items.append(Chunk(id=f"{doc.id}-{p:03d}", document_id=doc.id, position=p, text=" ".join(words), page=1,
                           section=f"Part {p % 3}", themes=[1 + (n + p) % 4], council=council, kind=doc.kind,
                           title=doc.title))
    return doc, items


def _bm25s_reference(catalog: Catalog):
    import bm25s

    chunks = list(catalog.iter_chunks())
    retriever = bm25s.BM25()
    retriever.index(tokenize([c.embedding_text() for c in chunks]), show_progress=False)
    return retriever, chunks


def _assert_same_ranking(found: list[tuple[str, float]], reference: list[tuple[str, float]]) -> None:
    """Same chunks with the same scores; chunks with equal scores may come in either order."""
    assert len(found) == len(reference)
    assert np.allclose([s for _, s in found], [s for _, s in reference], rtol=1e-5)
    boundary = reference[-1][1]
    assert {c for c, s in found if s > boundary + 1e-5} == {c for c, s in reference if s > boundary + 1e-5}


@pytest.fixture
def catalog(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    yield catalog
    catalog.close()


def test_after_adds_replacements_and_removals_scores_equal_a_fresh_bm25(catalog):
    for n in range(60):
        catalog.replace_document(*_document(n))
    for n in range(0, 60, 4):  # a new version of every fourth document
        doc, chunks = _document(n, version=1, chunks=5)
        catalog.replace_document(doc, chunks, replaces=f"doc{n:04d}v0")
    for n in range(1, 60, 7):
        catalog.remove_document(f"doc{n:04d}v0")
    rows = catalog.db.execute("SELECT rows - dead, dead FROM lexical_segments").fetchall()
    # merged as the log-structured policy says: 60 documents and 15 replacements wrote 75
    # segments; no size class is left holding FANOUT of them and none is mostly removed rows
    from collections import Counter

    from assistant.index.lexical import FANOUT, _size_class
    # not rebuilt whole (more than one segment), and logarithmic in the rows: at most FANOUT - 1
    # segments in each size class up to the whole index's
    assert 1 < len(rows) <= (FANOUT - 1) * (_size_class(sum(live for live, _ in rows)) + 1)
    assert max(Counter(_size_class(live) for live, _ in rows).values()) < FANOUT
    assert all(dead <= live for live, dead in rows)

    reader = LexicalReader(catalog.db)
    retriever, chunks = _bm25s_reference(catalog)
    assert reader.chunk_count() == len(chunks) == catalog.count_chunks()
    for query in QUERIES:
        scores = retriever.get_scores(tokenize([query])[0])
        top = np.argsort(-scores, kind="stable")[:20]
        _assert_same_ranking(reader.query(query, 20), [(chunks[i].id, float(scores[i])) for i in top])

    stems = set(tokenize([" ".join(WORDS)])[0]) | {"neverseenstem"}
    indptr = retriever.scores["indptr"]
    df = {s: int(indptr[i + 1] - indptr[i]) for s, i in retriever.vocab_dict.items() if i + 1 < len(indptr)}
    n = len(chunks)
    expected = {s: np.log(1 + (n - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in stems}
    got = reader.idf(stems)
    assert got.keys() == expected.keys() and all(np.isclose(got[s], expected[s]) for s in stems)
    assert reader.has_all(["agenc", "spend"]) and not reader.has_all(["agenc", "neverseenstem"])


def test_filtered_queries_return_only_chunks_that_pass(catalog):
    for n in range(30):
        catalog.replace_document(*_document(n))
    reader = LexicalReader(catalog.db)
    chunks = {c.id: c for c in catalog.iter_chunks()}
    for filters in (Filters(councils=[COUNCILS[1]]), Filters(kinds=["plan"], themes=[2]),
                    Filters(document_ids=["doc0007v0"])):
        found = reader.query("agency spend workforce savings", 15, filters)
        assert found, filters
        for chunk_id, _ in found:
            chunk = chunks[chunk_id]
            assert not filters.councils or chunk.council in filters.councils
            assert not filters.kinds or chunk.kind in filters.kinds
            assert not filters.themes or set(chunk.themes) & set(filters.themes)
            assert not filters.document_ids or chunk.document_id in filters.document_ids
        assert len(found) == min(15, reader.allowed_count(filters))


def test_adding_a_document_writes_in_proportion_to_it_not_to_the_index(catalog):
    for n in range(250):  # 2,000 chunks
        catalog.replace_document(*_document(n))
    catalog.rebuild_lexical(force=True)  # one segment holds them all
    (big, big_rows), = catalog.db.execute("SELECT id, rows FROM lexical_segments").fetchall()
    big_blobs = catalog.db.execute("SELECT term, data FROM lexical_postings WHERE segment=?", (big,)).fetchall()
    index_bytes = sum(len(data) for _, data in big_blobs)

    def postings() -> dict[int, int]:
        return dict(catalog.db.execute("SELECT rowid, length(data) FROM lexical_postings").fetchall())

    written, own = [], []
    for n in range(250, 290):
        doc, chunks = _document(n)
        before = postings()
        catalog.replace_document(doc, chunks)
        written.append(sum(size for rowid, size in postings().items() if rowid not in before))
        stems = tokenize([c.embedding_text() for c in chunks])
        own.append(10 * sum(len(set(t)) for t in stems))  # its postings: 10 bytes a (chunk, stem)
    # each posting is written once, then again by each merge of its segment: a few times
    # in all (log-structured), never the whole index
    assert sum(written) < 4 * sum(own)
    assert max(written) < index_bytes / 10
    # the segment holding the 2,000 earlier chunks was not rewritten
    assert tuple(catalog.db.execute("SELECT rows FROM lexical_segments WHERE id=?", (big,)).fetchone()) == (big_rows,)
    after = catalog.db.execute("SELECT term, data FROM lexical_postings WHERE segment=?", (big,)).fetchall()
    assert [tuple(r) for r in after] == [tuple(r) for r in big_blobs]


def test_an_index_made_by_the_previous_version_is_indexed_once_on_open(cli, seeded_copy):
    import sqlite3

    path = seeded_copy / "index" / "catalog.sqlite"
    db = sqlite3.connect(path)
    with db:  # what the previous version left: no lexical tables, and its BM25 files beside the catalog
        for table in ("lexical_postings", "lexical_segments", "lexical_terms", "lexical_rows"):
            db.execute(f"DROP TABLE {table}")
        db.execute("DELETE FROM meta WHERE key LIKE 'lexical%'")
    db.close()
    (seeded_copy / "index" / "bm25-7-123").mkdir()
    (seeded_copy / "index" / "bm25.current").write_text("bm25-7-123", encoding="utf-8")

    first = cli("search", "agency staff spend", "--json", home=seeded_copy)
    assert first.code == 0, first.stderr
    assert "Building the lexical index of" in first.stderr
    assert any(h["lexical_rank"] for h in first.json["hits"])
    assert not list((seeded_copy / "index").glob("bm25*"))
    again = cli("search", "agency staff spend", "--json", home=seeded_copy)
    assert again.code == 0 and "Building" not in again.stderr
    assert [h["id"] for h in again.json["hits"]] == [h["id"] for h in first.json["hits"]]


def test_a_change_in_how_text_is_stemmed_rebuilds_before_the_next_write(catalog):
    """Removing a document lowers the frequencies of the stems its text gives now: if this
    version stems differently from the one that indexed it, the index is rebuilt first."""
    from assistant.index.lexical import fingerprint

    for n in range(10):
        catalog.replace_document(*_document(n))
    catalog.set_meta("lexical_fingerprint", "an older stemmer")
    told: list[str] = []
    catalog.notice = told.append
    doc, chunks = _document(3, version=1)
    catalog.replace_document(doc, chunks, replaces="doc0003v0")
    assert told and "Building the lexical index of 80 chunks" in told[0]
    assert catalog.get_meta("lexical_fingerprint") == fingerprint()
    retriever, indexed = _bm25s_reference(catalog)
    scores = retriever.get_scores(tokenize([QUERIES[0]])[0])
    top = np.argsort(-scores, kind="stable")[:10]
    _assert_same_ranking(LexicalReader(catalog.db).query(QUERIES[0], 10), [(indexed[i].id, float(scores[i])) for i in top])


def _format_1(blob: bytes) -> bytes:
    """A posting list as lexical format 1 wrote it: rows, lengths and counts, 10 bytes a posting."""
    from assistant.index.posting_lists import unpack

    return b"".join(a.tobytes() for a in unpack(blob))


def test_an_index_in_the_previous_lexical_format_is_rebuilt_on_open(cli, seeded_copy):
    """Format 2 added a header to each posting list (its largest count and smallest length,
    the bounds the top-k search prunes with) and a block directory, and sorted its rows: an
    index written in format 1 is rebuilt, saying so, the first time this version opens it."""
    import sqlite3

    first = cli("search", "agency staff spend", "--json", home=seeded_copy)
    assert first.code == 0, first.stderr
    db = sqlite3.connect(seeded_copy / "index" / "catalog.sqlite")
    with db:  # as format 1 left it: rows, lengths and counts only, and its version in meta
        db.executemany("UPDATE lexical_postings SET data=? WHERE rowid=?",
                       [(_format_1(data), rowid) for rowid, data in
                        db.execute("SELECT rowid, data FROM lexical_postings").fetchall()])
        db.execute("UPDATE meta SET value='1' WHERE key='lexical'")
    db.close()
    upgraded = cli("search", "agency staff spend", "--json", home=seeded_copy)
    assert upgraded.code == 0, upgraded.stderr
    assert "Building the lexical index of" in upgraded.stderr
    assert [(h["id"], h["lexical_rank"]) for h in upgraded.json["hits"]] == \
        [(h["id"], h["lexical_rank"]) for h in first.json["hits"]]
    again = cli("search", "agency staff spend", "--json", home=seeded_copy)
    assert again.code == 0 and "Building" not in again.stderr


def test_a_posting_list_in_another_format_is_an_error_not_a_wrong_answer(catalog):
    """Should another version rewrite the lists after this one checked the format, a query
    stops with a message instead of reading the bytes the wrong way."""
    from assistant.errors import UserError

    for n in range(5):
        catalog.replace_document(*_document(n))
    with catalog.db:
        catalog.db.executemany("UPDATE lexical_postings SET data=? WHERE rowid=?",
                               [(_format_1(data), rowid) for rowid, data in
                                catalog.db.execute("SELECT rowid, data FROM lexical_postings").fetchall()])
    with pytest.raises(UserError, match="another version"):
        LexicalReader(catalog.db).query(QUERIES[0], 10)
    assert not catalog.db.in_transaction
