"""What makes answers fast, checked as behaviour: ingest embeds what answering needs (the
first question after an ingest embeds only itself), dense search over a small local index
is exact and agrees with the vector store, follows every change of the catalog, and a
repeated question from the CLI loads neither Chroma nor the model."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.index import open_index
from assistant.index.matrix import open_matrix, search_index
from assistant.ingest import IngestItem, Progress, ingest
from assistant.models import Filters
from assistant.settings import load_settings


def cached_vectors(home: Path) -> int:
    with sqlite3.connect(home / "index" / "vectors.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]


def test_the_first_question_after_an_ingest_embeds_only_itself(cli, seeded_copy):
    before = cached_vectors(seeded_copy)
    result = cli("ask", "Which workforce barriers to productivity did the councils report, in brief?", "--json",
                 home=seeded_copy)
    assert result.code == 0, result.stderr
    assert not result.json["refused"] and result.json["citations"]
    assert cached_vectors(seeded_copy) == before + 1  # the question; every sentence was ready

    result = cli("ask", "What did Redditch say about its use of agency staff, briefly?", "--json", home=seeded_copy)
    assert result.code == 0, result.stderr
    assert cached_vectors(seeded_copy) == before + 3  # the question, and its topic without "Redditch"


class Recorder(Progress):
    def __init__(self):
        self.labels: list[str] = []

    def describe(self, label: str) -> None:
        self.labels.append(label)


def plan(folder: Path, council: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{council.split()[0].lower()}-plan.md"
    path.write_text(f"# {council} Productivity Plan\n\n## Barriers\n\n{text}\n", encoding="utf-8")
    return path


BARRIERS = ("Recruitment of planning officers is our hardest barrier, and agency staff cost us £1.2m last year. "
            "Single-year funding settlements stop us from planning beyond the next budget, which limits investment "
            "in digital services.")


def test_ingest_shows_it_embeds_sentences_and_exact_search_follows_the_catalog(home, tmp_path):
    settings = load_settings(home)
    progress = Recorder()
    first = plan(tmp_path / "docs", "Ashford Borough Council", BARRIERS)
    [result] = ingest(settings, [IngestItem(first)], progress)
    assert result.status == "added"
    assert any(label.endswith("embedding sentences") for label in progress.labels)

    index = open_index(settings)
    try:
        question = index.embedder.embed_query("agency staff costs")
        assert {cid for cid, _ in search_index(index, question, 10, Filters())} == \
            index.catalog.chunk_ids(result.document.id)
    finally:
        index.close()

    second = plan(tmp_path / "docs", "Thornbury District Council",
                  "We share a planning service with two neighbours. Agency staff costs fell by a third.")
    [added] = ingest(settings, [IngestItem(second)])
    index = open_index(settings)
    try:
        found = search_index(index, index.embedder.embed_query("agency staff costs"), 10, Filters())
        assert {c for c, _ in found} == index.catalog.chunk_ids()  # both documents, at once
        only = search_index(index, index.embedder.embed_query("agency staff costs"), 10,
                            Filters(councils=["Thornbury District Council"]))
        assert {c for c, _ in only} == index.catalog.chunk_ids(added.document.id)
    finally:
        index.close()

    # vectors.sqlite lost: searches ask Chroma, and answer the same
    (home / "index" / "vectors.sqlite").unlink()
    for stale in (home / "index" / "matrix").iterdir():
        stale.unlink()
    index = open_index(settings)
    try:
        assert open_matrix(index) is None
        hits = index.search("agency staff costs", Filters(), k=5)
        assert {h.chunk.document_id for h in hits} == {result.document.id, added.document.id}
    finally:
        index.close()
    # ...until the next ingest, which fills in what it finds missing, unchanged files too
    results = ingest(settings, [IngestItem(first), IngestItem(second)])
    assert {r.status for r in results} == {"unchanged"}
    index = open_index(settings)
    try:
        assert open_matrix(index) is not None and len(open_matrix(index)) == index.catalog.count_chunks()
    finally:
        index.close()


def test_exact_search_agrees_with_the_vector_stores_own_vectors(seeded_home):
    from assistant.index.lexical import passes

    index = open_index(load_settings(seeded_home))
    try:
        assert open_matrix(index) is not None
        chunks = index.catalog.chunks(sorted(index.catalog.chunk_ids()))
        councils = sorted({c.council for c in chunks.values() if c.council})
        cases = [Filters(), Filters(councils=councils[:1]), Filters(kinds=["guidance"]), Filters(themes=[4]),
                 Filters(councils=councils[-1:], themes=[1, 2])]
        for question in ("What barriers did peer councils cite?", "digital transformation and data",
                         "How will the council reduce wasteful spend?"):
            vector = index.embedder.embed_query(question)
            for filters in cases:
                allowed = [cid for cid, chunk in chunks.items() if passes(filters, chunk)]
                expected = index.store.nearest_among(vector, allowed, 15)  # Chroma's vectors, compared one by one
                found = search_index(index, vector, 15, filters)
                assert [c for c, _ in found] == [c for c, _ in expected], (question, filters)
                assert all(abs(a[1] - b[1]) < 1e-5 for a, b in zip(found, expected))
    finally:
        index.close()


def test_a_chroma_server_keeps_its_searches(seeded_home):
    settings = load_settings(seeded_home, chroma_url="http://127.0.0.1:9")  # never contacted
    index = open_index(settings)
    try:
        assert open_matrix(index) is None
        assert search_index(index, [0.0] * 384, 5, Filters()) is None
    finally:
        index.close()


WHAT_LOADED = """
import sys
from assistant.cli.app import main
sys.argv = ["assistant", "--home", sys.argv[1], "ask", "What barriers did peer councils cite?", "--json"]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(sorted(m for m in ("chromadb", "onnxruntime", "langchain_core", "pysbd", "rich.markdown")
             if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.slow
def test_a_repeated_question_loads_neither_chroma_nor_the_model(cli, seeded_copy):
    """Nor the sentence splitter (ingest remembered every passage's sentences in
    <home>/index/sentences.sqlite) nor the Markdown renderer (--json)."""
    assert (seeded_copy / "index" / "sentences.sqlite").exists()
    assert cli("ask", "What barriers did peer councils cite?", home=seeded_copy).code == 0
    done = subprocess.run([sys.executable, "-c", WHAT_LOADED, str(seeded_copy)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert '"citations"' in done.stdout
