"""Sentence splits are remembered (assistant/text/sentences.py): the spans read back from
<home>/index/sentences.sqlite are the ones pysbd gives, ingest fills the file, and a warm
answer then never imports pysbd (tests/test_latency_paths.py); a home whose file cannot be
written still answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.text import sentences
from assistant.text.blocks import split_blocks

REPO = Path(__file__).resolve().parent.parent


def blocks_of_the_corpus(limit: int = 300) -> list[str]:
    texts = []
    for path in sorted((REPO / "corpus" / "documents").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts += [text[b.start:b.end] for b in split_blocks(text) if b.kind != "heading"]
    texts += ["", "   ", "No full stop", "Line one\nline two. And e.g. this one i.e. that.\n\n  Trailing.  "]
    return texts[:limit] + texts[-4:]


@pytest.fixture
def fresh_cache(monkeypatch):
    cache = sentences._SpanCache()
    monkeypatch.setattr(sentences, "_SPANS", cache)
    return cache


def test_spans_read_back_from_the_file_are_pysbds(tmp_path, fresh_cache, monkeypatch):
    texts = blocks_of_the_corpus()
    expected = [list(sentences._split(t)) for t in texts]
    sentences.keep_spans_in(tmp_path / "sentences.sqlite")
    assert [sentences.sentence_spans(t) for t in texts] == expected  # computed, then written
    assert [sentences.sentence_spans(t, 7) for t in texts] == [[(s + 7, e + 7) for s, e in x] for x in expected]
    sentences._SPANS.flush()

    again = sentences._SpanCache()  # another process: nothing in memory
    monkeypatch.setattr(sentences, "_SPANS", again)
    monkeypatch.setattr(sentences, "_split", lambda text: pytest.fail(f"split again: {text[:40]!r}"))
    sentences.keep_spans_in(tmp_path / "sentences.sqlite")
    assert [sentences.sentence_spans(t) for t in texts] == expected


def test_a_damaged_row_is_computed_again(tmp_path, fresh_cache):
    import sqlite3

    text = "The council saves £1m. It shares services with its neighbours."
    sentences.keep_spans_in(tmp_path / "sentences.sqlite")
    right = sentences.sentence_spans(text)
    sentences._SPANS.flush()
    with sqlite3.connect(tmp_path / "sentences.sqlite") as db:
        db.execute("UPDATE spans SET spans = '0 999 x'")
    fresh = sentences._SpanCache()
    fresh.use(tmp_path / "sentences.sqlite")
    assert list(fresh.spans(text)) == right


def test_without_a_writable_file_spans_are_computed(tmp_path, fresh_cache):
    sentences.keep_spans_in(tmp_path / "no" / "such" / "folder" / "sentences.sqlite")
    text = "First sentence here. Second one there."
    assert sentences.sentence_spans(text) == list(sentences._split(text))
    sentences._SPANS.flush()
