"""API keys never appear in output, errors, JSON, logs, transcripts or written files —
whether they come from the environment or config.toml, whether the command works or fails,
even when a server echoes the key back in its error message."""

from __future__ import annotations

import io
import logging
import socket
import sys
from pathlib import Path

import pytest

from assistant.cli.app import app
from tests.conftest import CORPUS, run_cli
from tests.openai_server import Reply, openai_server  # noqa: F401 - the fixture

OPENAI_ENV = "sk-test-envOPENAI-1111aaaa2222bbbb3333"
AZURE_ENV = "azenvKEY-4444cccc5555dddd6666"
OPENAI_CONFIG = "sk-test-cfgOPENAI-7777eeee8888ffff9999"
AZURE_CONFIG = "azcfgKEY-0000gggg1111hhhh2222"
SECRETS = (OPENAI_ENV, AZURE_ENV, OPENAI_CONFIG, AZURE_CONFIG)
QUESTION = "What barriers did Redditch cite?"


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        core = secret[8:-4]  # a masked key may show its first and last few characters, never the middle
        assert core not in text, f"an API key appears in {where}:\n{text}"


def echo_key(request) -> Reply:
    """A careless server: its error message repeats the credentials it was sent."""
    sent = " ".join(f"{k}={v}" for k, v in request.headers.items() if k.lower() in ("authorization", "api-key"))
    return Reply(status=401, error=f"Incorrect API key provided: {sent}")


def cited_reply(request) -> str:
    documents = request.documents()
    n = next(iter(documents)) if documents else 1
    return f"Redditch cited recruitment difficulties in ICT, planning and housing [{n}]."


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.fixture(params=["environment", "config.toml"])
def keyed(request, seeded_copy, openai_server, tmp_path):
    """(home, env): keys from the environment (config.toml keys overridden) or from config.toml only."""
    server_env = {"OPENAI_BASE_URL": openai_server.base_url, "AZURE_OPENAI_ENDPOINT": openai_server.url,
                  "AZURE_OPENAI_DEPLOYMENT": "gpt-test", "ASSISTANT_MODEL": "gpt-test",
                  "ASSISTANT_MAX_RETRIES": "0", "ASSISTANT_REQUEST_TIMEOUT": "5"}
    (seeded_copy / "config.toml").write_text(
        f'openai_api_key = "{OPENAI_CONFIG}"\nazure_api_key = "{AZURE_CONFIG}"\n', encoding="utf-8")
    if request.param == "environment":
        server_env.update({"OPENAI_API_KEY": OPENAI_ENV, "AZURE_OPENAI_API_KEY": AZURE_ENV})
    return seeded_copy, server_env


def invocations(tmp_path: Path) -> list[tuple[str, list[str], str, object]]:
    """(name, argv, stdin, server behaviour) for every command, working and failing."""
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7 broken")
    good = tmp_path / "note.md"
    good.write_text("# Note\n\nWe share a legal service with two neighbours.\n", encoding="utf-8")
    return [
        ("help", ["--help"], "", None),
        ("sources", ["sources", "--json"], "", None),
        ("search", ["search", "agency staff", "--json"], "", None),
        ("ingest ok", ["ingest", str(good), "--json"], "", None),
        ("ingest fails", ["ingest", str(bad)], "", None),
        ("ask extractive", ["ask", QUESTION, "--json"], "", None),
        ("ask openai ok", ["ask", QUESTION, "--llm", "openai", "--json"], "", cited_reply),
        ("ask openai streamed", ["ask", QUESTION, "--llm", "openai"], "", cited_reply),
        ("ask openai key refused", ["ask", QUESTION, "--llm", "openai"], "", echo_key),
        ("ask openai json refused", ["ask", QUESTION, "--llm", "openai", "--json"], "", echo_key),
        ("ask openai down", ["ask", QUESTION, "--llm", "openai", "--base-url", _dead_url()], "", None),
        ("ask azure refused", ["ask", QUESTION, "--llm", "azure"], "", echo_key),
        ("doctor", ["doctor"], "", echo_key),
        ("doctor json", ["doctor", "--json"], "", echo_key),
        ("chat", ["chat", "--llm", "openai"], f"{QUESTION}\n/save {tmp_path / 'transcript.md'}\n", cited_reply),
        ("chat refused", ["chat", "--llm", "openai"], f"{QUESTION}\n", echo_key),
        ("draft", ["draft", "--council", "Redditch", "--theme", "4", "--llm", "openai", "--json",
                   "--out", str(tmp_path / "draft.md")], "", cited_reply),
        ("eval fails", ["eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")], "", None),
        ("compare", ["compare", "--json"], "", None),
        ("serve refused", ["serve", "--host", "0.0.0.0"], "", None),  # no ASSISTANT_WEB_TOKEN: refused at once
        ("gaps", ["gaps", str(good), "--llm", "openai", "--out", str(tmp_path / "gaps.md")], "", cited_reply),
        ("gaps refused", ["gaps", str(good), "--llm", "openai", "--json"], "", echo_key),
    ]


def test_every_command_is_covered(tmp_path):
    covered = {argv[0] for _, argv, _, _ in invocations(tmp_path)}
    commands = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}
    assert commands <= covered, f"add the new command(s) {commands - covered} to invocations() in this file"


def test_keys_never_reach_output_json_logs_or_files(keyed, openai_server, tmp_path, monkeypatch, caplog):
    home, env = keyed
    caplog.set_level(logging.DEBUG)  # what an officer would see with debug logging switched on
    used_the_key = False
    for name, argv, stdin, behaviour in invocations(tmp_path):
        if name.startswith("draft") and "OPENAI_API_KEY" not in env:
            continue  # slow (~20 s); the config.toml keys reach the client as for ask and chat
        openai_server.replies.clear()
        openai_server.respond = behaviour
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        before = len(openai_server.requests)
        result = run_cli(*argv, home=home, env=env)
        assert "Traceback" not in result.stderr, f"{name}: {result.stderr}"
        assert_no_secret(f"{name} stdout", result.stdout)
        assert_no_secret(f"{name} stderr", result.stderr)
        sent = " ".join(str(r.headers) for r in openai_server.requests[before:])
        used_the_key |= any(secret in sent for secret in SECRETS)
        if behaviour is echo_key and name.startswith("ask"):
            assert result.code == 3, f"{name}: {result.code} {result.stderr}"
    assert used_the_key, "no request carried a key: the test did not exercise the keys"
    assert_no_secret("logs", caplog.text)
    assert (tmp_path / "transcript.md").is_file()
    assert (tmp_path / "draft.md").is_file() or "OPENAI_API_KEY" not in env
    for written in tmp_path.rglob("*"):  # transcripts, drafts, the index: nothing but config.toml holds a key
        if written.is_file() and written != home / "config.toml":
            assert_no_secret(str(written), written.read_bytes().decode("latin-1"))


@pytest.mark.parametrize("config", [
    f'openai_key = "{OPENAI_CONFIG}"\n',  # a misspelt setting name: pydantic would echo the value
    f'azure_api_key = ["{AZURE_CONFIG}"]\n',  # the right name, the wrong type
    f'openai_api_key = "{OPENAI_CONFIG}"\ntop_k = "many"\n',
    f'openai_api_key = "{OPENAI_CONFIG}\n',  # not valid TOML
])
def test_a_bad_config_file_is_reported_without_its_keys(cli, home, config):
    (home / "config.toml").write_text(config, encoding="utf-8")
    result = cli("sources", home=home, env={"OPENAI_API_KEY": OPENAI_ENV})
    assert result.code == 2
    assert str(home / "config.toml") in " ".join(result.stderr.split())
    assert_no_secret("the error", result.stdout + result.stderr)


def test_a_bad_environment_value_is_reported_without_the_keys(cli, home):
    result = cli("sources", home=home, env={"OPENAI_API_KEY": OPENAI_ENV, "AZURE_OPENAI_API_KEY": AZURE_ENV,
                                            "ASSISTANT_TOP_K": "lots"})
    assert result.code == 2 and "top_k" in result.stderr
    assert_no_secret("the error", result.stdout + result.stderr)


def test_the_secret_is_a_secret_in_settings_dumps(home):
    from assistant.settings import load_settings

    settings = load_settings(home, openai_api_key=OPENAI_ENV, azure_api_key=AZURE_ENV)
    for text in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert_no_secret("settings", text)
    assert settings.openai_api_key.get_secret_value() == OPENAI_ENV  # kept, only hidden


# --- a server that echoes the key in its reply (issue 15) -----------------------------------
def authorization(request) -> str:
    return next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")


def echo_in_reply(request) -> Reply:
    """A server whose streamed reply repeats the key it was sent, cut mid-key into pieces."""
    sent = authorization(request).removeprefix("Bearer ")
    n = request.document_with("Recruitment difficult") if request.documents() else 1
    text = (f"Redditch cited recruitment difficulties in ICT, planning and housing [{n}]. "
            f"Your key is {sent}; the header was Authorization: Bearer {sent}.")
    cuts = sorted({text.index(sent) + 5, text.index(sent) + 17, text.rindex(sent) + 11, len(text) - 2})
    return Reply(text, chunks=[text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])])


def test_a_key_echoed_in_the_streamed_reply_is_never_shown(seeded_copy, openai_server, monkeypatch, tmp_path):
    openai_server.respond = echo_in_reply
    env = {**openai_server.env, "OPENAI_API_KEY": OPENAI_ENV}
    for name, argv, stdin in [
        ("ask streamed", ["ask", QUESTION, "--llm", "openai"], ""),
        ("ask json", ["ask", QUESTION, "--llm", "openai", "--json"], ""),
        ("chat", ["chat", "--llm", "openai"], f"{QUESTION}\n/sources\n/save {tmp_path / 'chat.md'}\n"),
    ]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        result = run_cli(*argv, home=seeded_copy, env=env)
        assert result.code == 0, f"{name}: {result.stderr}"
        assert OPENAI_ENV in authorization(openai_server.chat_requests[-1])  # the key was sent, and echoed
        assert_no_secret(f"{name} stdout", result.stdout)
        assert_no_secret(f"{name} stderr", result.stderr)
        assert "Your key is ***" in result.stdout + result.stderr  # the rest of the reply is shown
    assert_no_secret("the transcript", (tmp_path / "chat.md").read_text(encoding="utf-8"))


def _html_server():
    """A server that answers every request 200 with a sign-in page (an HTML body, not the API)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = f"<!DOCTYPE html><html><body>Sign in. {OPENAI_ENV}</body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _page(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        do_GET = do_POST = _page

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("flags", [[], ["--no-stream"], ["--json"]])
def test_a_reply_that_is_not_the_api_exits_3_saying_so(seeded_home, flags):
    server = _html_server()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        result = run_cli("ask", QUESTION, "--llm", "openai", *flags, home=seeded_home,
                         env={"OPENAI_BASE_URL": url, "OPENAI_API_KEY": OPENAI_ENV, "ASSISTANT_MAX_RETRIES": "0"})
    finally:
        server.shutdown()
    assert result.code == 3, result.stderr
    message = " ".join(result.stderr.split())
    assert f"the server at {url} did not answer as an OpenAI-compatible API" in message
    assert "Check OPENAI_BASE_URL" in message and "Unexpected error" not in message
    assert_no_secret("the error", result.stdout + result.stderr)


@pytest.mark.parametrize("argv", [["ask", QUESTION], ["chat"], ["doctor", "--json"]])
def test_a_key_set_as_the_backend_name_is_not_echoed(seeded_home, monkeypatch, argv):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{QUESTION}\n"))
    result = run_cli(*argv, home=seeded_home, env={"ASSISTANT_LLM": OPENAI_ENV})
    assert result.code in (2, 3), result.stderr
    assert "ASSISTANT_LLM" in result.stdout + result.stderr  # says which setting is wrong
    assert OPENAI_ENV[:12] not in result.stdout + result.stderr  # never the value, not even in part
