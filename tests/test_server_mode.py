"""Chroma client/server mode against a real `chroma run` server on 127.0.0.1: the vectors
live on the server, the catalog and the BM25 index stay in the home, and every command
works as it does with the embedded store."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CORPUS

CHROMA = Path(sys.executable).parent / "chroma"
PLAN = CORPUS / "documents" / "redditch-productivity-plan-2024.txt"
BLABY = CORPUS / "documents" / "blaby-cabinet-executive-report-2024-06-24.txt"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_heartbeat(url: str, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if server.poll() is not None:
            raise RuntimeError(f"chroma run exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chroma run did not answer on {url} within {seconds}s:\n{log.read_text(errors='replace')}")


def _start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir.parent / f"chroma-{port}.log"
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        _wait_for_heartbeat(url, server, log)
    except Exception:
        server.kill()
        raise
    return server, url


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    assert CHROMA.exists(), f"{CHROMA}: the chromadb wheel ships this server; reinstall chromadb"
    server, url = _start_server(tmp_path_factory.mktemp("chroma-server") / "data")
    yield url
    _stop(server)


@pytest.fixture(scope="module")
def server_home(chroma_server, tmp_path_factory):
    """A home whose vectors are on the server: the Redditch plan and the Blaby report."""
    from tests.conftest import run_cli

    home = tmp_path_factory.mktemp("server-home") / "home"
    result = run_cli("--chroma-url", chroma_server, "ingest", PLAN, BLABY, "--json", home=home)
    assert result.code == 0, result.stderr
    return home


def _server_collection(url: str, home: Path):
    """The home's collection, read straight from the server with Chroma's own client."""
    import chromadb
    from chromadb.config import Settings

    from assistant.index.catalog import Catalog
    from assistant.index.store import COLLECTION

    catalog = Catalog(home / "index" / "catalog.sqlite")
    name = f"{COLLECTION}_{catalog.index_id()}"
    chunk_ids = catalog.chunk_ids()
    catalog.close()
    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
    return client.get_collection(name), chunk_ids


def test_vectors_live_on_the_server_and_the_home_keeps_catalog_and_bm25(chroma_server, server_home):
    collection, chunk_ids = _server_collection(chroma_server, server_home)
    assert len(chunk_ids) > 20
    assert set(collection.get(include=[])["ids"]) == chunk_ids
    index_dir = server_home / "index"
    assert not (index_dir / "chroma").exists()  # nothing embedded locally
    assert (index_dir / "catalog.sqlite").is_file()
    import sqlite3

    db = sqlite3.connect(index_dir / "catalog.sqlite")  # the lexical index lives in the catalog
    assert {r[0] for r in db.execute("SELECT chunk_id FROM lexical_rows")} == chunk_ids
    db.close()


def test_search_fuses_server_vectors_with_local_bm25(cli, chroma_server, server_home):
    result = cli("--chroma-url", chroma_server, "search", "agency staff spend", "-k", "5", "--json", home=server_home)
    assert result.code == 0, result.stderr
    hits = result.json["hits"]
    assert hits and all(h["source"] in (str(PLAN), str(BLABY)) for h in hits)
    assert any(h["dense_rank"] for h in hits), "no dense ranks: the server's vectors were not searched"
    assert any(h["lexical_rank"] for h in hits), "no lexical ranks: BM25 does not work in server mode"


def test_ask_answers_from_the_server_with_citations(cli, chroma_server, server_home):
    # the environment variable works as the flag does
    result = cli("ask", "What barriers did Blaby cite?", "--json", home=server_home,
                 env={"ASSISTANT_CHROMA_URL": chroma_server})
    assert result.code == 0, result.stderr
    answer = result.json
    assert not answer["refused"]
    assert answer["citations"] and {c["council"] for c in answer["citations"]} == {"Blaby District Council"}
    blaby_text = BLABY.read_text(encoding="utf-8")
    assert all(" ".join(c["quote"].split()) in " ".join(blaby_text.split()) for c in answer["citations"])


def test_two_homes_on_one_server_keep_their_own_vectors(cli, chroma_server, server_home, tmp_path):
    before, _ = _server_collection(chroma_server, server_home)
    count_before = before.count()
    other = tmp_path / "other-home"
    note = tmp_path / "note.md"
    note.write_text("# Othertown\n\nOthertown shares a revenues and benefits service with its neighbour.\n",
                    encoding="utf-8")
    result = cli("--chroma-url", chroma_server, "ingest", note, "--council", "Othertown Council", home=other)
    assert result.code == 0, result.stderr
    # the second home's ingest reconciles its own collection and leaves the first one's alone
    after, chunk_ids = _server_collection(chroma_server, server_home)
    assert after.count() == count_before == len(chunk_ids)
    mine = cli("--chroma-url", chroma_server, "search", "shares a revenues and benefits service", "--json",
               home=other).json["hits"]
    assert [h["council"] for h in mine] == ["Othertown Council"]


def test_a_server_that_is_not_running_exits_3_naming_it(cli, server_home):
    url = f"http://127.0.0.1:{_free_port()}"
    result = cli("--chroma-url", url, "search", "agency staff", home=server_home)
    assert result.code == 3
    assert url in result.stderr and "chroma run" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_that_stops_mid_session_exits_3(cli, tmp_path):
    server, url = _start_server(tmp_path / "data")
    home = tmp_path / "home"
    try:
        assert cli("--chroma-url", url, "ingest", BLABY, home=home).code == 0
    finally:
        _stop(server)
    result = cli("--chroma-url", url, "ask", "What barriers did Blaby cite?", home=home)
    assert result.code == 3, result.stderr
    assert url in result.stderr and "Traceback" not in result.stderr


def test_losing_the_server_mid_command_is_a_backend_error(tmp_path):
    from assistant.errors import BackendUnavailable
    from assistant.index.store import ChromaStore
    from assistant.models import Filters

    server, url = _start_server(tmp_path / "data")
    try:
        store = ChromaStore(url=url, collection="plan_assistant_test")
    finally:
        _stop(server)
    with pytest.raises(BackendUnavailable, match="lost the Chroma server at " + url):
        store.query([0.1] * 384, 5, Filters())


@pytest.mark.slow
def test_a_server_restarted_empty_is_refused_until_ingest_restores_the_vectors(cli, tmp_path):
    """The server's data went (a container restarted without its volume): searching on
    with BM25 alone would quietly answer worse, so search and ask say so (exit 3), and
    the next ingest puts the vectors back."""
    from assistant.index import open_index
    from tests.conftest import settings_for

    server, url = _start_server(tmp_path / "data")
    home = tmp_path / "home"
    try:
        assert cli("--chroma-url", url, "ingest", BLABY, home=home).code == 0
    finally:
        _stop(server)
    server, url = _start_server(tmp_path / "empty-data")  # the same home, a server with no data
    try:
        index = open_index(settings_for(home, chroma_url=url))
        try:
            vectors, chunks = index.vector_health()
        finally:
            index.close()
        assert vectors == 0 and chunks > 10
        for command in (["search", "agency staff"], ["ask", "What barriers did Blaby cite?"]):
            result = cli("--chroma-url", url, *command, home=home)
            assert result.code == 3, result.stderr
            assert f"0 vectors for {chunks} chunks" in result.stderr and "assistant ingest" in result.stderr
            assert "Traceback" not in result.stderr
        assert cli("--chroma-url", url, "ingest", BLABY, home=home).code == 0  # unchanged, but vectors restored
        result = cli("--chroma-url", url, "search", "agency staff", "--json", home=home)
        assert result.code == 0, result.stderr
        assert any(h["dense_rank"] for h in result.json["hits"])
    finally:
        _stop(server)


def test_a_store_caught_mid_change_is_read_again_then_reported_busy(cli, chroma_server, server_home, monkeypatch):
    """Chroma's own errors while another process writes ("Error finding id") are not a
    crash: the search reads again, and if the store keeps failing says the index is being
    updated (exit 3). The fault is injected in Chroma's client: it cannot be timed from outside."""
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    real_query, failures = Collection.query, []

    def flaky(self, *args, **kwargs):
        if len(failures) < allowed_failures:
            failures.append(1)
            raise InternalError("Error executing plan: Internal error: Error finding id")
        return real_query(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "query", flaky)
    allowed_failures = 2
    result = cli("--chroma-url", chroma_server, "search", "agency staff spend", "--json", home=server_home)
    assert result.code == 0, result.stderr
    assert len(failures) == 2 and result.json["hits"]

    allowed_failures = 10**6
    result = cli("--chroma-url", chroma_server, "search", "agency staff spend", home=server_home)
    assert result.code == 3
    assert "the index is being updated; try again in a moment" in result.stderr
    assert "Traceback" not in result.stderr
