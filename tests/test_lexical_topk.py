"""The keyword top k without scoring every posting (lexical_topk.py, MaxScore) is full BM25's
top k: the same chunks, the same float scores, the same order (ties: the earlier indexed
first), on an index with common and rare words, exact duplicates (ties), filters, and
documents added, replaced and removed one at a time (dead postings, merged segments)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index import lexical_search
from assistant.index.catalog import Catalog
from assistant.index.lexical import passes, tokenize
from assistant.index.lexical_search import LexicalReader
from assistant.index.lexical_topk import top_rows
from assistant.models import Chunk, Document, Filters

REPO = Path(__file__).resolve().parent.parent
COMMON = "council plan services productivity".split()  # in most chunks, as in the plans
WORDS = ("agency spend workforce recruitment retention digital transformation procurement savings shared "
         "waste fleet leisure housing benefits planning licensing democratic tax collection arrears "
         "apprenticeships vacancy sickness absence overtime interim consultants contract management energy "
         "buildings estate disposal income fees charges commercial investment property broadband customer "
         "contact channel shift automation robotic process telephony complaints members scrutiny cabinet").split()
RARE = "kiosk drone lidar biochar".split()  # in a few chunks each
COUNCILS = ["Ashcombe Borough Council", "Brackley District Council", "Carrow County Council", "Dunmere Council"]
QUESTIONS = ["council plan services", "How does the council plan to improve services productivity?",
             "agency spend on interim consultants", "digital transformation of customer contact",
             "council tax arrears collection plan", "waste fleet energy savings", "kiosk", "drone lidar survey",
             "council services kiosk", "plan productivity biochar waste", "shared services procurement contract",
             "members scrutiny of the cabinet plan", "council council plan", "neverseenword council"]


def _text(n: int, p: int, version: int) -> str:
    rng = random.Random((n * 1000 + version) * 100 + p)
    words = rng.choices(WORDS, weights=1 / np.arange(1, len(WORDS) + 1), k=rng.randint(10, 70))  # Zipf-like
    words += [w for w in COMMON if rng.random() < 0.8] * rng.randint(1, 3)
    words += [w for w in RARE if rng.random() < 0.02]
    rng.shuffle(words)
    return " ".join(words)


def _document(n: int, version: int = 0, chunks: int = 12) -> tuple[Document, list[Chunk]]:
    council = COUNCILS[n % len(COUNCILS)]
    doc = Document(id=f"doc{n:04d}v{version}", source=f"/docs/{n}.txt", title=f"Report {n}", council=council,
                   kind="plan" if n % 3 else "minutes", pages=1, chunks=chunks)
    items = []
    for p in range(chunks):
        # every fifth chunk is the previous document's: exact ties across documents
        text = _text(n - 1, p, version) if p % 5 == 4 else _text(n, p, version)
        items.append(Chunk(id=f"{doc.id}-{p:03d}", document_id=doc.id, position=p, text=text, page=1,
                           section=f"Part {p % 3}", themes=[1 + (n + p) % 4], council=council, kind=doc.kind,
                           title="Report"))
    return doc, items


@pytest.fixture(autouse=True)
def pruned(monkeypatch):
    """Every question through the top-k search: on an index this small, a question's few
    postings would be scored in full (lexical_search.FULL)."""
    monkeypatch.setattr(lexical_search, "FULL", 0)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """~2,400 chunks added one document at a time, then replacements and removals: dead
    postings in several segments, some merged since."""
    catalog = Catalog(tmp_path_factory.mktemp("topk") / "catalog.sqlite")
    for n in range(200):
        catalog.replace_document(*_document(n))
    for n in range(0, 200, 9):  # new versions: the old rows stay in the postings, dead
        doc, chunks = _document(n, version=1, chunks=7)
        catalog.replace_document(doc, chunks, replaces=f"doc{n:04d}v0")
    for n in range(5, 200, 13):
        catalog.remove_document(f"doc{n:04d}v0")
    yield catalog
    catalog.close()


def _full_bm25(catalog: Catalog, reader: LexicalReader, question: str, k: int, filters: Filters):
    """The k best by scoring every chunk: live chunks passing the filters, by score, then row."""
    rows, scores = reader.scores(tokenize([question])[0])
    chunks = {c.id: c for c in catalog.iter_chunks()}
    live = dict(catalog.db.execute("SELECT row, chunk_id FROM lexical_rows").fetchall())
    ranked = sorted((-s, r) for r, s in zip(rows.tolist(), scores.tolist()) if r in live)
    return [(live[r], -s) for s, r in ranked if passes(filters, chunks[live[r]])][:k]


def test_the_index_has_dead_postings_and_merged_segments(catalog):
    segments = catalog.db.execute("SELECT COUNT(*), SUM(dead), MAX(rows) FROM lexical_segments").fetchone()
    assert segments[0] > 1 and segments[1] > 0 and segments[2] > 12  # several, some rows dead, some merged


def test_every_list_is_ascending_within_its_bounds(catalog):
    """As written and as merged (dead rows dropped, lists joined): the bounds the search
    prunes with hold for every posting."""
    from assistant.index.posting_lists import HEADER, unpack

    for (data,) in catalog.db.execute("SELECT data FROM lexical_postings"):
        rows, lengths, tf = unpack(data)
        most_tf, least_length = HEADER.unpack_from(data)
        assert bool((rows[1:] > rows[:-1]).all())
        assert (int(tf.max()), int(lengths.min())) == (most_tf, least_length)


@pytest.mark.parametrize("k", [1, 3, 10, 40, 300])
def test_top_k_is_full_bm25s(catalog, k):
    reader = LexicalReader(catalog.db)
    for question in QUESTIONS:
        assert reader.query(question, k) == _full_bm25(catalog, reader, question, k, Filters()), question


@pytest.mark.parametrize("filters", [Filters(councils=[COUNCILS[1]]), Filters(themes=[2]),
                                     Filters(kinds=["minutes"], themes=[1, 3]),
                                     Filters(councils=[COUNCILS[0], COUNCILS[2]], kinds=["plan"])],
                         ids=lambda f: str(f.model_dump(exclude_defaults=True)))
@pytest.mark.parametrize("narrow", [20000, 0], ids=["listed", "pruned"])
def test_filtered_top_k_is_full_bm25s(catalog, monkeypatch, filters, narrow):
    """A narrow filter's chunks are scored in full; a broad one's (NARROW 0: every filter,
    as at a million chunks) come from the pruned search, asked for more rows."""
    monkeypatch.setattr(lexical_search, "NARROW", narrow)
    reader = LexicalReader(catalog.db)
    for question in QUESTIONS:
        for k in (5, 40):
            assert reader.query(question, k, filters) == _full_bm25(catalog, reader, question, k, filters), question


def test_few_postings_are_scored_in_full_with_the_same_results(catalog, monkeypatch):
    reader = LexicalReader(catalog.db)
    asked = []
    monkeypatch.setattr(lexical_search, "top_rows", lambda *a: asked.append(a) or top_rows(*a))
    pruned = [reader.query(question, 10) for question in QUESTIONS]
    assert len(asked) >= len(QUESTIONS) - 1  # (one question has no stem the index holds)
    monkeypatch.setattr(lexical_search, "FULL", 10**9)
    asked.clear()
    assert [reader.query(question, 10) for question in QUESTIONS] == pruned and not asked


def test_too_few_passing_rows_asks_again(catalog, monkeypatch):
    """With no spare rows asked for, the first search's best are mostly filtered out: it is
    asked again, for more, and still gives full BM25's top k."""
    monkeypatch.setattr(lexical_search, "NARROW", 0)
    monkeypatch.setattr(lexical_search, "SPARE", 0.0)
    asked = []
    original = lexical_search.top_rows
    monkeypatch.setattr(lexical_search, "top_rows", lambda *a: asked.append(a[2]) or original(*a))
    reader = LexicalReader(catalog.db)
    filters = Filters(councils=[COUNCILS[3]], themes=[4])
    assert reader.query("council plan services", 20, filters) == \
        _full_bm25(catalog, reader, "council plan services", 20, filters)
    assert asked[:2] == [20, 80]


def test_the_search_prunes(catalog):
    """Most questions leave most chunks unscored: the test above compares a pruned search."""
    reader = LexicalReader(catalog.db)
    pruned = 0
    for question in QUESTIONS:
        with reader._snapshot():
            stems, mean_length = reader._stems(tokenize([question])[0])
            rows, scores, was_pruned = top_rows(stems, mean_length, 10)
        if not stems:
            continue
        full_rows, full_scores = reader.scores(tokenize([question])[0])
        assert len(rows) >= min(10, len(full_rows))
        if was_pruned:
            pruned += 1
            assert len(rows) < len(full_rows) / 4
            full = dict(zip(full_rows.tolist(), full_scores.tolist()))
            assert [full[r] for r in rows.tolist()] == scores.tolist()  # the same floats, not just close
            left_out = [v for r, v in full.items() if r not in set(rows.tolist())]
            assert max(left_out) < min(scores)  # (so the 10 best, and every row tied with them, are in)
    assert pruned >= len(QUESTIONS) // 2


def test_results_stay_exact_as_documents_come_and_go(tmp_path):
    """Bounds are written with each list and never updated: they hold as the mean length,
    the IDFs and the segments change."""
    catalog = Catalog(tmp_path / "catalog.sqlite")
    reader = LexicalReader(catalog.db)
    for _ in _documents_come_and_go(catalog):
        for question in QUESTIONS[:8]:
            assert reader.query(question, 10) == _full_bm25(catalog, reader, question, 10, Filters())
    catalog.close()


def _documents_come_and_go(catalog: Catalog):
    """Adds (and merges), removals and replacements, a pause every tenth document."""
    for step in range(60):
        catalog.replace_document(*_document(step, chunks=4 + step % 9))
        if step % 7 == 6:
            catalog.remove_document(f"doc{step - 3:04d}v0")
        if step % 9 == 8:
            doc, chunks = _document(step - 4, version=1, chunks=6)
            catalog.replace_document(doc, chunks, replaces=f"doc{step - 4:04d}v0")
        if step % 10 == 9:
            yield step


@pytest.mark.parametrize("cache_bytes", [1 << 30, 40_000])
def test_a_reader_that_keeps_posting_lists_answers_as_a_new_one_as_documents_come_and_go(tmp_path, monkeypatch,
                                                                                        cache_bytes):
    """A long-lived reader (chat, the web app) keeps the posting lists it has read: after
    adds, merges, replacements and removals, and with lists evicted to stay within its
    budget, it answers as a reader that has read nothing yet."""
    monkeypatch.setattr(lexical_search, "CACHE_FROM", 0)
    monkeypatch.setattr(lexical_search, "CACHE_BYTES", cache_bytes)
    catalog = Catalog(tmp_path / "catalog.sqlite")
    reader = LexicalReader(catalog.db)
    for _ in _documents_come_and_go(catalog):
        for question in QUESTIONS[:8]:
            fresh = LexicalReader(catalog.db)
            assert reader.query(question, 10) == fresh.query(question, 10)
            assert reader.query(question, 10, Filters(councils=[COUNCILS[1]])) == \
                fresh.query(question, 10, Filters(councils=[COUNCILS[1]]))
    assert 0 < reader._cached_bytes <= cache_bytes
    catalog.close()


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """~2,000 chunks of the shipped plans' sentences (bench/synthetic.py), 40 councils, some
    documents replaced and some removed: the vocabulary of the real questions."""
    sys.path.insert(0, str(REPO))
    from bench import synthetic

    documents, _ = synthetic.corpus(2000, synthetic.passages(400), chunks_per_document=50)
    catalog = Catalog(tmp_path_factory.mktemp("plans") / "catalog.sqlite")
    for document, chunks in documents:
        catalog.replace_document(document, chunks)
    for document, chunks in documents[::7]:
        changed = document.model_copy(update={"id": document.id + "b"})
        catalog.replace_document(changed, [c.model_copy(update={"id": c.id + "b", "document_id": changed.id})
                                           for c in chunks[:30]], replaces=document.id)
    for document, _ in documents[3::11]:
        catalog.remove_document(document.id)
    yield catalog
    catalog.close()


def test_the_eval_questions_get_full_bm25s_top_40(plans, monkeypatch):
    path = REPO / "eval" / "datasets" / "qa.jsonl"
    questions = [json.loads(line)["question"] for line in path.open() if line.strip()]
    reader = LexicalReader(plans.db)
    council = plans.db.execute("SELECT council FROM lexical_rows LIMIT 1").fetchone()[0]
    for question in questions:
        assert reader.query(question, 40) == _full_bm25(plans, reader, question, 40, Filters()), question
    monkeypatch.setattr(lexical_search, "NARROW", 0)
    for question in questions[::3]:
        for filters in (Filters(councils=[council]), Filters(kinds=["plan"])):
            assert reader.query(question, 40, filters) == _full_bm25(plans, reader, question, 40, filters), question


def test_a_posting_list_is_written_sorted_with_its_bounds_and_finds_its_rows():
    from assistant.index import posting_lists

    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(50_000, 3_000, replace=False)).astype(np.int32)
    lengths, tf = rng.integers(5, 300, len(rows)).astype(np.int32), rng.integers(1, 9, len(rows)).astype(np.uint16)
    blob = posting_lists.pack(rows[::-1], lengths[::-1], tf[::-1])  # (rows sorted when written)
    assert [a.tolist() for a in posting_lists.unpack(blob)] == [rows.tolist(), lengths.tolist(), tf.tolist()]
    listed = posting_lists.PostingList.of(blob)
    assert (listed.most_tf, listed.least_length, listed.first, listed.last) == \
        (int(tf.max()), int(lengths.min()), int(rows[0]), int(rows[-1]))
    for needles in (rows[::97], np.sort(rng.choice(50_000, 40, replace=False)), rows[-3:] + 1,
                    np.array([rows[0] - 1, rows[-1] + 1])):
        needles = np.asarray(needles, dtype=np.int32)
        hit, counts, found_lengths = listed.find(needles)
        expected = np.flatnonzero(np.isin(needles, rows))
        at = rows.searchsorted(needles[expected])
        assert hit.tolist() == expected.tolist()
        assert counts.tolist() == tf[at].tolist() and found_lengths.tolist() == lengths[at].tolist()
    with pytest.raises(posting_lists.StaleFormat):  # format 1: 10 bytes a posting, no header
        posting_lists.unpack(b"".join(a.tobytes() for a in posting_lists.unpack(blob)))


def test_merges_that_drop_removed_rows_or_interleave_keep_lists_ascending_and_bounds_exact(tmp_path, monkeypatch):
    """A segment that loses rows drops to a smaller size class and is merged with newer
    segments while one in between stays: its rows and theirs interleave. The merged lists
    are sorted, their bounds those of the rows kept, and the top k still full BM25's."""
    from assistant.index import lexical
    from assistant.index.posting_lists import HEADER, unpack

    packed = {"sorted here": 0, "unsorted": 0}
    original = lexical.pack

    def pack(rows, lengths, tf, bounds=None):
        if bounds is None:
            packed["sorted here"] += 1
            packed["unsorted"] += not bool((rows[1:] > rows[:-1]).all())
        return original(rows, lengths, tf, bounds)

    monkeypatch.setattr(lexical, "pack", pack)
    catalog = Catalog(tmp_path / "catalog.sqlite")
    for n in range(160):
        catalog.replace_document(*_document(n, chunks=4))
        if n == 63:
            for gone in range(12):
                catalog.remove_document(f"doc{gone:04d}v0")
    for gone in range(70, 120):
        catalog.remove_document(f"doc{gone:04d}v0")
    for n in range(160, 260):
        catalog.replace_document(*_document(n, chunks=4))
    assert packed["sorted here"] and packed["unsorted"]
    for (data,) in catalog.db.execute("SELECT data FROM lexical_postings"):
        rows, lengths, tf = unpack(data)
        assert bool((rows[1:] > rows[:-1]).all())
        assert (int(tf.max()), int(lengths.min())) == HEADER.unpack_from(data)
    reader = LexicalReader(catalog.db)
    for question in QUESTIONS:
        assert reader.query(question, 10) == _full_bm25(catalog, reader, question, 10, Filters()), question
    catalog.close()
