"""The lexical index's own tokenizer gives bm25s's tokens exactly (the stems a BM25 index
built by bm25s would hold: indexes built before it stay valid), faster."""

import time
from pathlib import Path

import bm25s
import Stemmer

from assistant.index import lexical

REPO = Path(__file__).resolve().parent.parent


def texts() -> list[str]:
    found = []
    for path in sorted((REPO / "corpus").rglob("*")):
        if path.suffix in (".txt", ".md", ".toml") and path.is_file():
            found += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return found + ["", "a", "The", "I", "Don't stop: e-mail, co-operation, naïve café, £1.2m, 2024/25, x2",
                    "ÉCOLE Straße İstanbul ﬁnance", "the and of", "Councils' councillors COUNCIL council's"]


def test_the_same_tokens_as_bm25s():
    sample = texts()
    assert len(sample) > 200
    expected = bm25s.tokenize(sample, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False,
                              show_progress=False)
    assert lexical.tokenize(sample) == [list(t) for t in expected]
    assert lexical.STOPWORDS == frozenset(bm25s.stopwords.STOPWORDS_EN)


def test_many_short_texts_are_cheap():
    short = [f"evidence point {n} about agency staff and recruitment" for n in range(200)]
    start = time.process_time()
    for text in short:
        lexical.tokenize([text])
    assert time.process_time() - start < 0.5  # bm25s.tokenize: ~2 ms a call
