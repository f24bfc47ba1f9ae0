"""Nothing from a document, a file name, a manifest, a flag or a model reaches the terminal as
an escape sequence (issue 15): the real `assistant` CLI in a pseudo-terminal, over a document
whose text, file name and manifest values carry clear-screen, window-title, conceal, OSC 8
hyperlinks and C1 controls, and a scripted model server whose streamed reply carries them
too (split across tokens, with the API key). Links show their address. Also the sanitiser
and the stream guard on their own, against every way a reply can be cut into tokens."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import REPO, run_cli
from tests.openai_server import DUMMY_KEY, Reply, openai_server  # noqa: F401 - the fixture

CLEAR, HOME_CURSOR, CONCEAL = "\x1b[2J", "\x1b[H", "\x1b[8m"
TITLE = "\x1b]0;pwned-title\x07"  # set the window title (OSC 0, BEL-terminated)
TITLE_ST = "\x1b]2;pwned-title\x1b\\"  # the same, ST-terminated
C1_CLEAR = "\x9b2J"  # clear-screen with the 8-bit CSI


def osc8(url: str, text: str) -> str:
    return f"\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\"


FILE_NAME = f"anytown{TITLE}-plan{CLEAR}.txt"
DOCUMENT = f"""Anytown Borough Council
Productivity Plan 2024

Theme 2: Technology and data

We are moving housing repairs onto a shared case-management system{CLEAR}{TITLE} so that tenants can book and track repairs online from April 2025, through [the repairs portal](https://evil.example/portal).

Theme 3: Reducing wasteful spend

We cut the use of agency social workers from 40 to 12 posts by growing our own staff through a social work academy {osc8("https://evil.example/academy", "read more")}.
"""
MANIFEST_TITLE = f"Anytown plan {osc8('https://evil.example/title', 'click')} {CONCEAL}hidden\x1b[0m {C1_CLEAR}"
QUESTION = "What did Anytown say about housing repairs?"
INJECTED = (CLEAR, HOME_CURSOR, CONCEAL, "\x1b]0;", "\x1b]2;", "\x1b]8;", "\x1b[0m hidden")
# what the program itself may send: rich's colours and cursor show/hide, prompt_toolkit's cursor modes
OWN_SEQUENCE = re.compile(r"\x1b\[(?:[0-9;]*m|\?(?:12|25)[hl]|[0-9]*[AK]|2K)")


def toml_string(value: str) -> str:
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value) + '"'


def assert_inert(where: str, raw: bytes) -> str:
    """No escape sequence but the program's own, no BEL or C1, no key; the visible text back."""
    text = raw.decode("utf-8", errors="replace")
    for sequence in INJECTED:
        assert sequence not in text, f"{where}: {sequence!r} reached the terminal:\n{text!r}"
    leftover = OWN_SEQUENCE.sub("", text)
    assert "\x1b" not in leftover, f"{where}: an escape sequence reached the terminal: {leftover!r}"
    assert "\x07" not in text and not re.search("[\x80-\x9f]", text), f"{where}: BEL or a C1 control: {text!r}"
    assert DUMMY_KEY[8:-4] not in leftover, f"{where}: the API key reached the terminal"
    return re.sub(r"\s+", " ", leftover)


def run_in_terminal(home: Path, *args: str, env: dict | None = None, term: str = "xterm-256color") -> tuple[int, str]:
    child = pexpect.spawn(sys.executable, ["-m", "assistant", "--home", str(home), *args], cwd=str(REPO),
                          env={**os.environ, "TERM": term, "COLUMNS": "200", **(env or {})},
                          timeout=240, dimensions=(50, 200))
    raw = child.read()
    child.close()
    return child.exitstatus, assert_inert(" ".join(args[:2]), raw)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    """(home, folder): an empty home, and a folder with the hostile document and its manifest."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / FILE_NAME).write_text(DOCUMENT, encoding="utf-8")
    (folder / "manifest.toml").write_text(
        f"[[document]]\npath = {toml_string(FILE_NAME)}\ncouncil = \"Anytown Borough Council\"\n"
        f"title = {toml_string(MANIFEST_TITLE)}\nkind = \"plan\"\n", encoding="utf-8")
    (folder / f"broken{TITLE_ST}.pdf").write_bytes(b"%PDF-1.7 broken")
    return folder.parent / f"{folder.name}-home", folder


@pytest.mark.slow
def test_no_escape_sequence_reaches_the_terminal(hostile, openai_server):
    home, folder = hostile
    code, shown = run_in_terminal(home, "ingest", "--manifest", str(folder / "manifest.toml"))
    assert code == 0 and "1 added" in shown
    assert "click (https://evil.example/title) hidden" in shown  # the manifest's hidden link, shown

    code, shown = run_in_terminal(home, "ingest", str(folder / f"broken{TITLE_ST}.pdf"),
                                  "--title", f"Flagged {TITLE}title {osc8('https://evil.example/flag', 'x')}")
    assert code == 2 and "broken" in shown  # the failure names the file, escapes removed

    code, shown = run_in_terminal(home, "sources")
    assert code == 0 and "Anytown plan click (https://evil.example/title) hidden" in shown

    code, shown = run_in_terminal(home, "search", "housing repairs case-management system")
    assert code == 0 and "case-management system" in shown

    code, shown = run_in_terminal(home, "ask", QUESTION)
    assert code == 0 and "the repairs portal (https://evil.example/portal)" in shown  # a Markdown link, visible

    def reply(request) -> Reply:
        n = request.document_with("case-management system")
        text = (f"Anytown is moving housing repairs onto a shared case-management system [{n}]. {TITLE}{CLEAR}"
                f"Book at {osc8('https://evil.example/stream', 'the portal')} today. Your key is {DUMMY_KEY}.")
        cuts = sorted({5, text.index("\x1b]0;") + 3, text.index("the portal") + 4, text.index(DUMMY_KEY) + 9,
                       text.index(DUMMY_KEY) + 20, len(text) - 3})  # inside the sequences and the key
        return Reply(text, chunks=[text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])])

    openai_server.respond = reply
    code, shown = run_in_terminal(home, "ask", QUESTION, "--llm", "openai", env=openai_server.env)
    assert code == 0, shown
    streamed = shown.split("Draft reply, being written")[1].split("The checked answer:")[0]
    assert "the portal (https://evil.example/stream)" in streamed and "Your key is ***" in streamed
    assert "✗ unsupported: " in shown and "Your key is ***" in shown  # the model's lines, cleaned and redacted
    assert "case-management system" in shown.split("The checked answer:")[1]


@pytest.mark.slow
def test_no_escape_sequence_reaches_the_terminal_in_a_chat(hostile, openai_server):
    home, folder = hostile
    assert run_cli("ingest", "--manifest", folder / "manifest.toml", home=home).code == 0  # done already, or now

    def reply(request) -> str:
        if "Follow-up:" in request.prompt:
            return QUESTION
        n = request.document_with("case-management system")
        return (f"Anytown is moving housing repairs onto a shared case-management system [{n}].\n"
                f"{TITLE}{CLEAR}See {osc8('https://evil.example/chat', 'the portal')} {DUMMY_KEY}")

    openai_server.respond = reply
    # TERM=dumb: prompt_toolkit then sends no more than its cursor modes
    child = pexpect.spawn(sys.executable, ["-m", "assistant", "--home", str(home), "chat", "--llm", "openai"],
                          cwd=str(REPO), env={**os.environ, "TERM": "dumb", "PROMPT_TOOLKIT_NO_CPR": "1",
                                              **openai_server.env}, timeout=240, dimensions=(50, 200))
    seen = []
    try:
        for line, until in ((None, "› "), (QUESTION, "/open N"), ("/sources", "› "), ("/open 1", "› "),
                            ("/quit", pexpect.EOF)):
            if line:
                child.sendline(line)
            child.expect(until.encode() if isinstance(until, str) else until)
            seen.append(child.before + (child.after if isinstance(child.after, bytes) else b""))
    finally:
        child.close()
    shown = assert_inert("chat", b"".join(seen))
    assert "case-management system" in shown and "Anytown plan click (https://evil.example/title)" in shown
    assert "the portal (https://evil.example/chat)" in shown  # the unsupported line, link visible


# --- the sanitiser and the stream guard on their own -----------------------------------------
@pytest.mark.parametrize("raw, shown", [
    (f"a{CLEAR}{HOME_CURSOR}b", "ab"),
    (f"x{TITLE}y{TITLE_ST}z", "xyz"),
    (f"see {osc8('https://evil.example/x', 'click here')} now", "see click here (https://evil.example/x) now"),
    ("see \x1b]8;id=7;https://e.example/\x07https://e.example/\x1b]8;;\x07", "see https://e.example/"),
    (f"c1 \x9b31mred\x9b0m {C1_CLEAR}\x9d0;t\x9c end", "c1 red  end"),
    ("\x1bPq#0;2;0;0;0\x1b\\after \x1b_apc\x1b\\", "after "),
    ("over\rwrite, tab\tand\nnewline, bidi \u202eevil\u202c, lone \x1b", "over\nwrite, tab\tand\nnewline, bidi evil, lone "),
])
def test_clean_removes_sequences_and_shows_link_addresses(raw, shown):
    from assistant.text.safety import clean

    assert clean(raw) == shown


def test_redact_hides_configured_keys_and_key_shaped_tokens(monkeypatch):
    from assistant.text.safety import redact

    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "0123456789abcdef0123456789abcdef")
    text = ("azure 0123456789abcdef0123456789abcdef, sk-proj-AbC123dEf456GhI789jKl, Authorization: Bearer "
            "eyJhbGciOiJIUzI1NiJ9x, api_key=ZXhhbXBsZWtleTEyMzQ1Njc4OTA=; key themes and token 2024-25")
    assert redact(text) == "azure ***, sk-***, Authorization: Bearer ***, api_key=***; key themes and token 2024-25"
    assert redact("risk-based task-and-finish groups") == "risk-based task-and-finish groups"


def test_the_stream_guard_gives_the_same_text_however_the_reply_is_cut(monkeypatch):
    from assistant.text.safety import StreamGuard, terminal

    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    reply = (f"Repairs move online [1]. {TITLE}{CLEAR}Book at {osc8('https://evil.example/s', 'the portal')} "
             f"today, key {DUMMY_KEY} or Bearer abcdefghij0123456789xyz.{C1_CLEAR} Done")
    expected = terminal(reply)
    assert "the portal (https://evil.example/s)" in expected and DUMMY_KEY not in expected
    for size in range(1, 12):  # every cut into pieces of 1..11 characters, at every offset
        for offset in range(size):
            pieces = [reply[:offset]] + [reply[i:i + size] for i in range(offset, len(reply), size)]
            guard = StreamGuard()
            shown = "".join(guard.feed(p) for p in pieces) + guard.close()
            assert shown == expected, (size, offset)
    guard = StreamGuard()
    assert guard.feed("Repairs move online ") == "Repairs move online "  # plain words are not held back
