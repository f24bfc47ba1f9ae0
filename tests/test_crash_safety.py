"""kill -9 during an ingest, and two ingests at once, with real `assistant ingest`
subprocesses. After a crash the index opens, holds only whole documents, never returns
an orphan vector, and a rerun completes the work."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.slow
FILES = 24

# Runs the real CLI, but sends itself SIGKILL at a chosen point: the exact moment a crash
# would hurt most. argv: POINT N CLI-ARGS... (die the N+1-th time POINT is reached).
SELF_KILL = r"""
import os, signal, sys
point, n = sys.argv[1], int(sys.argv[2])
sys.argv = ["assistant", *sys.argv[3:]]
seen = 0

def die_on(owner, name, when=lambda *a, **k: True):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        global seen
        if when(*args, **kwargs):
            seen += 1
            if seen > n:
                if point == "lexical-merge":  # segments merged inside the catalog transaction, not committed
                    original(*args, **kwargs)
                os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    setattr(owner, name, wrapper)

from assistant.index.catalog import Catalog
if point == "after-vectors":  # a document's vectors are in Chroma, its catalog transaction not begun
    die_on(Catalog, "replace_document")
elif point == "in-transaction":  # inside the catalog transaction: chunks inserted, not committed
    die_on(Catalog, "set_meta", when=lambda self, key, value: key == "generation")
elif point == "lexical-merge":
    import assistant.index.lexical as lexical
    die_on(lexical, "merge")
from assistant.cli.app import main
main()
"""


def _env() -> dict:
    return {**os.environ, "COLUMNS": "400", "ORT_DISABLE_TELEMETRY": "1"}


def _write_corpus(folder: Path, count: int = FILES) -> list[Path]:
    """Distinct council documents of several chunks each, from the shipped texts; file i
    carries the word marker{i}x, found in no other file."""
    paragraphs = [p.strip() for f in sorted((CORPUS / "documents").glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        rng = random.Random(i)
        body = "\n\n".join(rng.sample(paragraphs, 3))
        path = folder / f"council-{i:02d}-plan.md"
        path.write_text(f"# Testborough {i} Productivity Plan\n\nThe marker{i}x appears in this plan only.\n\n{body}\n",
                        encoding="utf-8")
        files.append(path)
    return files


def _ingest_process(home: Path, folder: Path, kill_at: str | None = None, after: int = 0) -> subprocess.Popen:
    args = ["--home", str(home), "ingest", str(folder), "--council", "Testborough Council", "--json"]
    command = [sys.executable, "-c", SELF_KILL, kill_at, str(after), *args] if kill_at else \
        [sys.executable, "-m", "assistant", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _catalog_rows(home: Path, sql: str) -> list[tuple]:
    path = home / "index" / "catalog.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        db.close()


def _vector_ids(home: Path) -> set[str]:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(home / "index" / "chroma"), settings=Settings(anonymized_telemetry=False))
    from assistant.index.store import COLLECTION

    return set(client.get_collection(COLLECTION).get(include=[])["ids"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The generated files, and how many chunks each has when ingested without a crash."""
    from tests.conftest import run_cli

    folder = tmp_path_factory.mktemp("crash-corpus") / "plans"
    _write_corpus(folder)
    reference = run_cli("ingest", folder, "--council", "Testborough Council", "--json",
                        home=tmp_path_factory.mktemp("reference") / "home")
    assert reference.code == 0, reference.stderr
    return folder, {Path(r["path"]).name: r["chunks"] for r in reference.json["results"]}


def _assert_only_whole_documents(cli, home: Path, expected: dict[str, int]) -> list[str]:
    """The index opens; each listed document has exactly its chunks; returns their file names."""
    result = cli("sources", "--json", home=home)
    assert result.code == 0, result.stderr
    stored = dict(_catalog_rows(home, "SELECT document_id, COUNT(*) FROM chunks GROUP BY document_id"))
    names = []
    for document in result.json["documents"]:
        name = Path(document["source"]).name
        assert document["chunks"] == expected[name] == stored[document["id"]], f"{name} is partial"
        names.append(name)
    assert sum(stored.values()) == sum(expected[n] for n in names)  # no chunk without its document
    return names


def _assert_search_returns_no_orphans(cli, home: Path, committed: list[str]) -> None:
    catalog_ids = {r[0] for r in _catalog_rows(home, "SELECT id FROM chunks")}
    for i in range(FILES):
        result = cli("search", f"marker{i}x appears in this plan only", "-k", "10", "--json", home=home)
        assert result.code == 0, result.stderr
        for hit in result.json["hits"]:
            assert hit["id"] in catalog_ids
            assert Path(hit["source"]).name in committed


def _rerun_completes(cli, home: Path, folder: Path, expected: dict[str, int], committed: list[str]) -> None:
    rerun = cli("ingest", folder, "--council", "Testborough Council", "--json", home=home)
    assert rerun.code == 0, rerun.stderr
    status = {Path(r["path"]).name: r["status"] for r in rerun.json["results"]}
    assert all(status[name] == "unchanged" for name in committed), "whole documents were redone"
    assert sorted(_assert_only_whole_documents(cli, home, expected)) == sorted(expected)
    assert _vector_ids(home) == {r[0] for r in _catalog_rows(home, "SELECT id FROM chunks")}  # orphans removed
    hits = cli("search", "marker5x", "--json", home=home).json["hits"]  # BM25 is current: it knows the new words
    assert [Path(h["source"]).name for h in hits if h["lexical_rank"]] == ["council-05-plan.md"]


@pytest.mark.parametrize("kill_at, after", [("after-vectors", 3), ("in-transaction", 3), ("lexical-merge", 0)])
def test_kill_9_at_the_worst_moment_leaves_whole_documents(cli, corpus, tmp_path, kill_at, after):
    folder, expected = corpus
    home = tmp_path / "home"
    process = _ingest_process(home, folder, kill_at=kill_at, after=after)
    _, stderr = process.communicate(timeout=240)
    assert process.returncode == -signal.SIGKILL, stderr

    committed = _assert_only_whole_documents(cli, home, expected)
    if kill_at == "lexical-merge":  # the first merge comes with the fourth document or a later one
        assert 3 <= len(committed) < FILES
    else:
        assert len(committed) == 3
        if kill_at == "after-vectors":  # the dying document's vectors are in Chroma without a catalog entry
            assert _vector_ids(home) - {r[0] for r in _catalog_rows(home, "SELECT id FROM chunks")}
    _assert_search_returns_no_orphans(cli, home, committed)
    _rerun_completes(cli, home, folder, expected, committed)


def test_kill_9_from_outside_mid_run_then_rerun_completes(cli, corpus, tmp_path):
    folder, expected = corpus
    home = tmp_path / "home"
    process = _ingest_process(home, folder)
    give_up = time.monotonic() + 120
    while not _catalog_rows(home, "SELECT COUNT(*) FROM documents HAVING COUNT(*) >= 2"):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < give_up, "the ingest never committed two documents"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    committed = _assert_only_whole_documents(cli, home, expected)
    assert 2 <= len(committed) < FILES
    _assert_search_returns_no_orphans(cli, home, committed)
    _rerun_completes(cli, home, folder, expected, committed)


def test_concurrent_ingests_are_serialised_by_the_lock(cli, corpus, tmp_path):
    folder, expected = corpus
    home = tmp_path / "home"
    extra = tmp_path / "late" / "late-report.md"
    extra.parent.mkdir()
    extra.write_text("# Late report\n\nThe late report says the lateword9 appears once.\n", encoding="utf-8")

    first = _ingest_process(home, folder)
    give_up = time.monotonic() + 120
    while not _catalog_rows(home, "SELECT COUNT(*) FROM documents HAVING COUNT(*) >= 1"):
        assert first.poll() is None, first.stderr.read()
        assert time.monotonic() < give_up
        time.sleep(0.01)
    second = _ingest_process(home, extra.parent)
    _, second_err = second.communicate(timeout=240)
    finished_first = first.poll() is not None  # the second could only write once the first let go
    _, first_err = first.communicate(timeout=240)

    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert f"Another ingest (pid {first.pid}) is writing to {home / 'index'}; waiting for it to finish" in second_err
    assert "Traceback" not in second_err
    assert finished_first
    names = _assert_only_whole_documents(cli, home, {**expected, "late-report.md": 1})
    assert len(names) == FILES + 1


def test_a_rerun_that_changes_nothing_still_removes_what_the_crash_left(cli, corpus, tmp_path):
    """Orphan vectors go even when every file named is already indexed (nothing is written)."""
    folder, expected = corpus
    home = tmp_path / "home"
    process = _ingest_process(home, folder, kill_at="after-vectors", after=2)
    _, stderr = process.communicate(timeout=240)
    assert process.returncode == -signal.SIGKILL, stderr
    committed = _assert_only_whole_documents(cli, home, expected)
    catalog_ids = {r[0] for r in _catalog_rows(home, "SELECT id FROM chunks")}
    assert _vector_ids(home) - catalog_ids  # the dying document's vectors

    rerun = cli("ingest", *[folder / name for name in committed], "--council", "Testborough Council", "--json",
                home=home)
    assert rerun.code == 0, rerun.stderr
    assert {r["status"] for r in rerun.json["results"]} == {"unchanged"}
    assert _vector_ids(home) == catalog_ids
