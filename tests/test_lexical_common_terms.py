"""BM25 with "common terms" (lexical_search.COMMON): a question's stems held by many chunks are
only looked up for the chunks that hold one of its rare stems. Those chunks get exactly
full BM25's scores, so they come in full BM25's order; a question of common words only, or
a narrowly filtered one, is scored in full as before."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index import lexical_search
from assistant.index.catalog import Catalog
from assistant.index.lexical import tokenize
from assistant.index.lexical_search import LexicalReader
from assistant.models import Filters

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """~2,000 chunks of the shipped plans' sentences (bench/synthetic.py), 40 councils, some
    documents replaced and some removed (dead rows in the postings)."""
    sys.path.insert(0, str(REPO))
    from bench import synthetic

    documents, _ = synthetic.corpus(2000, synthetic.passages(400), chunks_per_document=50)
    catalog = Catalog(tmp_path_factory.mktemp("common") / "catalog.sqlite")
    for document, chunks in documents:
        catalog.replace_document(document, chunks)
    for document, chunks in documents[::7]:  # a new version: the old rows stay in the postings, dead
        changed = document.model_copy(update={"id": document.id + "b"})
        catalog.replace_document(changed, [c.model_copy(update={"id": c.id + "b", "document_id": changed.id})
                                           for c in chunks[:30]], replaces=document.id)
    for document, _ in documents[3::11]:
        catalog.remove_document(document.id)
    yield catalog
    catalog.close()


def questions() -> list[str]:
    path = REPO / "eval" / "datasets" / "qa.jsonl"
    return [json.loads(line)["question"] for line in path.open() if line.strip()]


def _split(reader: LexicalReader, tokens: list[str]) -> tuple[set[str], set[str]]:
    df, n = reader.document_frequencies(tokens), reader.chunk_count()
    return {t for t in df if df[t] <= lexical_search.COMMON * n}, {t for t in df if df[t] > lexical_search.COMMON * n}


def test_rows_with_a_rare_stem_get_exactly_full_bm25_scores(catalog):
    reader = LexicalReader(catalog.db)
    split = 0
    for question in questions():
        tokens = tokenize([question])[0]
        rare, common = _split(reader, tokens)
        rows, values = reader.scores(tokens)
        full_rows, full_values = reader.scores(tokens, common_terms=False)
        if not rare or not common:  # nothing to split: full BM25
            assert np.array_equal(rows, full_rows) and np.array_equal(values, full_values)
            continue
        split += 1
        holding_rare = set(reader.scores(sorted(rare), common_terms=False)[0].tolist())
        assert set(rows.tolist()) == holding_rare  # every chunk with a rare stem, and only those
        full = dict(zip(full_rows.tolist(), full_values.tolist()))
        assert [full[r] for r in rows.tolist()] == values.tolist()  # the same floats, not just close
    assert split >= 20  # the questions do mix rare and common stems on this index


def test_top_k_is_full_bm25s_among_chunks_with_a_rare_stem(catalog, monkeypatch):
    reader = LexicalReader(catalog.db)
    checked = 0
    for question in questions():
        tokens = tokenize([question])[0]
        rare, common = _split(reader, tokens)
        if not rare or not common:
            continue
        found = reader.query(question, 40)
        monkeypatch.setattr(lexical_search, "COMMON", 2.0)  # nothing is common: today's full scoring
        full = reader.query(question, 10_000)
        monkeypatch.undo()
        holding_rare = {catalog_id for catalog_id, in catalog.db.execute(
            "SELECT chunk_id FROM lexical_rows WHERE row IN (SELECT value FROM json_each(?))",
            (json.dumps(reader.scores(sorted(rare), common_terms=False)[0].tolist()),))}
        expected = [(c, s) for c, s in full if c in holding_rare][:40]
        assert found[:len(expected)] == expected  # ids, scores and order identical
        if len(expected) < 40:  # then the chunks with common words only, in full BM25's order
            assert found[len(expected):] == [(c, s) for c, s in full if c not in holding_rare][:40 - len(expected)]
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("question", ["How the council plans services", "council plan"])
def test_a_question_of_common_words_only_is_scored_as_before(catalog, monkeypatch, question):
    reader = LexicalReader(catalog.db)
    rare, common = _split(reader, tokenize([question])[0])
    assert common and not rare
    found = reader.query(question, 40)
    monkeypatch.setattr(lexical_search, "COMMON", 2.0)
    assert found == reader.query(question, 40) and len(found) == 40


def test_a_narrow_filter_is_scored_in_full_as_before(catalog, monkeypatch):
    reader = LexicalReader(catalog.db)
    council = catalog.db.execute("SELECT council FROM lexical_rows LIMIT 1").fetchone()[0]
    filters = Filters(councils=[council])
    for question in questions()[:30]:
        found = reader.query(question, 40, filters)
        monkeypatch.setattr(lexical_search, "COMMON", 2.0)
        assert found == reader.query(question, 40, filters)
        monkeypatch.undo()
