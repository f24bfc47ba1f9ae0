"""`assistant chat`: a scripted session over piped stdin, the REPL in a pseudo-terminal,
follow-ups made standalone, slash commands, and errors that do not end the session."""

import io
import os
import re
import subprocess
import sys

import pexpect
import pytest

from assistant.chat.followup import Previous, rewrite
from assistant.ingest.loaders import load_file
from tests.conftest import REPO
from tests.openai_server import openai_server  # noqa: F401 - the fixture

COUNCILS = ["Blaby District Council", "Government (DLUHC)", "Redditch Borough Council",
            "Sandwell Metropolitan Borough Council", "Unnamed county council"]
PEERS = Previous("What barriers did peer councils cite?", [], across=True, cited=10)
REDDITCH = Previous("What did Redditch say about agency and consultant spend?", ["Redditch Borough Council"], cited=4)
ECHO = re.compile(r"^(?:[\w ·]+ )?› (.+)$", re.MULTILINE)  # the prompt echoed before each piped line


def chat(cli, home, script: str, monkeypatch, *flags, env=None):
    """The real CLI in-process, with ``script`` as its (non-terminal) stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    return cli("chat", *flags, home=home, env=env)


def turns(stdout: str) -> dict[str, str]:
    """What followed each echoed line, up to the next one: {line: output}."""
    marks = list(ECHO.finditer(stdout))
    return {m.group(1): stdout[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(stdout)]
            for i, m in enumerate(marks)}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the done-when session: five turns over piped stdin, through the installed entry point ---
SCRIPT = """\
What barriers did peer councils cite?
which of those mention recruitment?
/council Redditch
What did they say about agency and consultant spend?
/save chat.md
"""


def test_scripted_five_turn_session_over_piped_stdin(seeded_home, tmp_path):
    result = subprocess.run([sys.executable, "-m", "assistant", "--home", str(seeded_home), "chat"],
                            input=SCRIPT, capture_output=True, text=True, cwd=tmp_path, timeout=600,
                            env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr
    out = turns(result.stdout)
    assert list(out) == [line for line in SCRIPT.splitlines()]  # every line echoed, in order

    barriers = out["What barriers did peer councils cite?"]
    assert re.search(r"Redditch Borough Council — \d+ points", barriers)  # grouped by council, with counts
    assert "Blaby District Council — 1 point" in barriers
    assert "Recruitment difficult" in barriers and "single year settlements" in barriers
    assert re.search(r"^\[1\] .+ — Redditch Borough Council, p\. 1$", barriers, re.MULTILINE)  # compact sources

    narrowed = out["which of those mention recruitment?"]
    assert "↳ within answer 1's sources: Which mention recruitment?" in narrowed
    assert "Recruitment difficult" in narrowed
    assert "single year settlements" not in narrowed and "Blaby" not in narrowed

    assert "Filters: Redditch" in out["/council Redditch"]
    assert "Redditch › What did they say about agency and consultant spend?" in result.stdout  # the prompt shows it

    agency = out["What did they say about agency and consultant spend?"]
    assert "↳ read as: What did Redditch say about agency and consultant spend?" in agency
    assert "hiring agency workers" in agency
    assert "Blaby" not in agency and "Sandwell" not in agency

    assert "Saved 3 answer(s) with their sources to chat.md" in out["/save chat.md"]
    saved = (tmp_path / "chat.md").read_text(encoding="utf-8")
    assert [h for h in re.findall(r"^## (.+)$", saved, re.MULTILINE)] == [
        "1. What barriers did peer councils cite?", "2. which of those mention recruitment?",
        "3. What did they say about agency and consultant spend?"]
    assert "*Within answer 1's sources: Which mention recruitment?*" in saved
    assert "*Read as: What did Redditch say about agency and consultant spend?*" in saved
    assert re.search(r"\*\*Redditch Borough Council\*\* — \d+ points", saved)
    # every [n] of every answer has a source line whose quote is verbatim on the cited page
    for section in re.split(r"^## ", saved, flags=re.MULTILINE)[1:]:
        answer_text, _, source_lines = section.partition("Sources:")
        sources = re.findall(r"^- \[(\d+)\] .+?, p\. (\d+).*: “(.+)” \(`(.+)`\)$", source_lines, re.MULTILINE)
        assert sources and {n for n, *_ in sources} == set(re.findall(r"\[(\d+)\]", answer_text))
        for _, page, quote, source in sources:
            assert squash(quote) in squash(load_file(source).pages[int(page) - 1].text)


# --- follow-ups, offline ------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["and what about Blaby?", "What about Blaby?", "Blaby?", "same for blaby",
                                   "how about Blaby District Council", "And Blaby, then?", "what did Blaby say?"])
def test_a_follow_up_naming_a_council_asks_the_previous_question_of_it(typed):
    peers = rewrite(typed, PEERS, COUNCILS)
    assert (peers.question, peers.councils, peers.narrow) == (
        "What barriers did Blaby cite?", ["Blaby District Council"], False)
    redditch = rewrite(typed, REDDITCH, COUNCILS)
    assert redditch.question == "What did Blaby say about agency and consultant spend?"
    assert redditch.councils == ["Blaby District Council"]


def test_a_follow_up_names_a_council_as_questions_do_by_short_name_initials_or_abbreviation():
    known = ["Cherwell District Council", "Tonbridge and Malling Borough Council", "West Lindsey District Council",
             "West Oxfordshire District Council", "Oxfordshire County Council"]
    previous = Previous(question="What did Cherwell decide about its productivity plan?",
                        councils=["Cherwell District Council"])
    for typed, council, name in [("and what about WLDC?", "West Lindsey District Council", "West Lindsey"),
                                 ("and Tonbridge?", "Tonbridge and Malling Borough Council", "Tonbridge and Malling"),
                                 ("and West Oxon?", "West Oxfordshire District Council", "West Oxfordshire")]:
        found = rewrite(typed, previous, known)
        assert (found.question, found.councils) == (f"What did {name} decide about its productivity plan?", [council])
        previous = Previous(question=found.question, councils=found.councils)


def test_a_council_without_a_distinctive_name_is_filtered_by_name():
    found = rewrite("and the county council?", REDDITCH, COUNCILS)
    assert found.question == "What did the county council say about agency and consultant spend?"
    assert found.councils == ["Unnamed county council"]


@pytest.mark.parametrize("typed, question", [
    ("which of those mention recruitment?", "Which mention recruitment?"),
    ("Which of these mention recruitment?", "Which mention recruitment?"),
    ("Do any of them mention recruitment?", "Do any mention recruitment?"),
    ("Of those, which are about recruitment?", "Which are about recruitment?"),
    ("which ones talk about recruitment", "Which talk about recruitment"),
    ("and among those, which mention recruitment?", "Which mention recruitment?"),
])
def test_which_of_those_narrows_to_the_previous_answers_sources(typed, question):
    found = rewrite(typed, PEERS, COUNCILS)
    assert found.narrow and found.question == question
    # the next follow-up builds on the narrowed question with its context
    assert found.standalone.startswith("What barriers did peer councils cite — ")


@pytest.mark.parametrize("typed, previous, question, councils", [
    ("what about recruitment?", REDDITCH, "What did Redditch say about recruitment?", ["Redditch Borough Council"]),
    ("and agency staff?", PEERS, "What did peer councils say about agency staff?", []),
    ("what about recruitment in Blaby?", PEERS, "What did Blaby say about recruitment?", ["Blaby District Council"]),
    ("What did they say about recruitment?", REDDITCH, "What did Redditch say about recruitment?",
     ["Redditch Borough Council"]),
    ("How do they measure productivity?", PEERS, "How do peer councils measure productivity?", []),
    ("and theme 2?", PEERS, "What barriers did peer councils cite under theme 2?", []),
    ("what about theme 3 for Blaby", REDDITCH, "What did Blaby say about agency and consultant spend under theme 3?",
     ["Blaby District Council"]),
])
def test_a_follow_up_keeps_the_previous_scope(typed, previous, question, councils):
    found = rewrite(typed, previous, COUNCILS)
    assert (found.question, found.councils, found.narrow) == (question, councils, False)


@pytest.mark.parametrize("typed, question", [
    ("What did Sandwell say about agency spend?", "What did Sandwell say about agency spend?"),
    ("and how do councils measure productivity?", "How do councils measure productivity?"),
    ("What did councils say about their workforce?", "What did councils say about their workforce?"),
    ("When was the deadline for submitting productivity plans?",
     "When was the deadline for submitting productivity plans?"),
])
def test_a_question_that_stands_alone_is_left_alone(typed, question):
    found = rewrite(typed, REDDITCH, COUNCILS)
    assert (found.question, found.councils, found.narrow, found.followup) == (question, [], False, False)


def test_nothing_to_narrow_is_a_clear_error():
    from assistant.errors import UserError

    with pytest.raises(UserError, match="no cited answer"):
        rewrite("which of those mention recruitment?", Previous("What did Leeds say?", cited=0), COUNCILS)


# --- commands and errors, in-process ---------------------------------------------------------
def test_errors_in_one_turn_are_printed_and_the_session_goes_on(cli, seeded_home, monkeypatch):
    script = "/open 1\nwhich of those mention recruitment?\n/council Nowhere\n/kind memo\n/theme 7\n" \
             "/frobnicate\n/save /no/such/folder/chat.md\n/llm gpt\n/llm openai\n" \
             "What did Redditch say about agency and consultant spend?\n"
    result = chat(cli, seeded_home, script, monkeypatch)
    assert result.code == 0
    errors = result.stderr
    assert "there is no answer yet. Ask a question first." in errors
    assert "no cited answer to narrow down" in errors
    assert "unknown council 'Nowhere'. Known councils: Blaby District Council" in errors
    assert "unknown kind 'memo'. Use one of: guidance, plan" in errors
    assert "there is no theme 7; the guidance has themes 1, 2, 3, 4." in errors
    assert "unknown command '/frobnicate'. Commands: /help, /council" in errors
    assert "the folder /no/such/folder does not exist" in errors
    assert "unknown backend 'gpt'. Use one of: extractive, openai, azure." in errors
    assert "--llm openai needs an API key: set OPENAI_API_KEY" in errors
    answered = turns(result.stdout)["What did Redditch say about agency and consultant spend?"]
    assert "hiring agency workers" in answered and "extractive · /sources" in answered  # still offline


def test_a_session_that_cannot_start_says_why(cli, home, seeded_home, monkeypatch):
    empty = chat(cli, home, "What barriers did peer councils cite?\n", monkeypatch)
    assert empty.code == 2 and "is empty. Add documents first: assistant ingest --shipped" in empty.stderr
    unknown = chat(cli, seeded_home, "", monkeypatch, "--council", "Leeds")
    assert unknown.code == 2 and "unknown council 'Leeds'" in unknown.stderr
    no_key = chat(cli, seeded_home, "What barriers did peer councils cite?\n", monkeypatch, "--llm", "openai")
    assert no_key.code == 3 and "OPENAI_API_KEY" in no_key.stderr and no_key.stdout == ""


def test_council_switch_sources_and_open(cli, seeded_home, monkeypatch):
    # Blaby's documents say nothing of agency or consultant spend (the old question drew a
    # refusal once answers stopped padding); funding is what both councils speak to
    script = "What did Redditch say about funding settlements?\nand what about Blaby?\n/sources\n/open 1\n"
    result = chat(cli, seeded_home, script, monkeypatch)
    assert result.code == 0, result.stderr
    out = turns(result.stdout)
    blaby = out["and what about Blaby?"]
    assert "↳ read as: What did Blaby say about funding settlements?" in blaby
    assert "Redditch" not in blaby.split("\n", 2)[2]  # Blaby's documents only, or a refusal naming them
    sources = out["/sources"]
    cited = re.findall(r"^\[(\d+)\] .+ — (.+?), p\. \d+", sources, re.MULTILINE)
    assert cited and {council for _, council in cited} == {"Blaby District Council"}
    assert re.search(r"^    “.+”$", sources, re.MULTILINE) and "blaby-cabinet-executive-report" in sources
    opened = out["/open 1"]
    assert opened.startswith("\n[1] ") and "Blaby District Council, p. 1" in opened
    first_quote = re.search(r"^    “(.+)”$", sources, re.MULTILINE).group(1)
    assert squash(first_quote)[:60] in squash(opened)  # the passage itself, in its context


def test_filters_clear_help_and_quit(cli, seeded_home, monkeypatch):
    script = ("/council redditch, blaby\n/kind plan\n/theme 4\nWhat barriers were cited?\n/council off\n/kind off\n"
              "/theme off\n/clear\n/help\n/quit\nWhat barriers did peer councils cite?\n")
    result = chat(cli, seeded_home, script, monkeypatch)
    assert result.code == 0, result.stderr
    out = turns(result.stdout)
    assert "Filters: Redditch · Blaby · plan · theme 4" in out["/theme 4"]
    cited = re.findall(r"^\[[\d–]+\] .+ — (.+?), p\. \d+$", out["What barriers were cited?"], re.MULTILINE)
    assert cited and set(cited) <= {"Redditch Borough Council", "Blaby District Council"}
    assert "No filters: searching every document." in out["/theme off"]
    assert "Conversation cleared" in out["/clear"]
    assert "/open N" in out["/help"] and "which of those mention recruitment?" in out["/help"]
    assert "What barriers did peer councils cite?" not in out  # /quit ended the session


def test_draft_and_gaps_from_the_chat(cli, seeded_home, monkeypatch, tmp_path):
    own = tmp_path / "our-draft.md"
    own.write_text("# Anytown Borough Council: Productivity Plan 2024\n\n## Theme 4: Barriers\n\n"
                   "Single-year funding settlements and competitive bidding stop us planning ahead.\n",
                   encoding="utf-8")
    script = f"/draft\n/council Redditch\n/theme 4\n/draft {tmp_path}/plan.md\n/gaps {own}\n"
    result = chat(cli, seeded_home, script, monkeypatch)
    assert result.code == 0, result.stderr
    assert "/draft works on one council: set it first, e.g. /council Redditch." in result.stderr
    out = turns(result.stdout)
    assert re.search(r"Draft written to .+plan\.md \(\d+ words, \d+ citations\)", out[f"/draft {tmp_path}/plan.md"])
    plan = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert "## Theme 4" in plan and "## Theme 1" not in plan  # the /theme filter
    assert "Recruitment difficult in some areas" in plan and "## Sources" in plan
    report = out[f"/gaps {own}"]
    assert "our-draft.md:" in report and "of the guidance's questions" in report
    assert re.search(r"^Theme 1: .+ — missing$", report, re.MULTILINE)
    assert re.search(r"^  1\.2 missing \(0\.\d\d\) How do you measure productivity", report, re.MULTILINE)
    assert "peers: " in report and "Redditch" not in report  # the /council is left out of the peers


# --- with a language model: condensed follow-ups and streaming -------------------------------
def test_llm_condenses_follow_ups_and_streams_answers(cli, seeded_home, monkeypatch, openai_server):
    def respond(request):
        if "Follow-up:" in request.prompt:
            return "What barriers did Blaby cite?"
        if "single year settlements" in request.prompt and "Blaby" in request.prompt.split("Question:")[-1]:
            n = request.document_with("single year settlements")
            return (f"**Blaby District Council**\n- Productivity is often stifled through the approach to funding "
                    f"through single year settlements [{n}].\n")
        n = request.document_with("Recruitment difficult in some areas")
        return f"**Redditch Borough Council**\n- Recruitment is difficult in some areas, i.e. ICT, planning and housing [{n}].\n"

    openai_server.respond = respond
    script = "What barriers did Redditch cite?\nand what about Blaby?\n"
    result = chat(cli, seeded_home, script, monkeypatch, "--llm", "openai", env=openai_server.env)
    assert result.code == 0, result.stderr
    ask_1, condense, ask_2 = openai_server.chat_requests
    assert ask_1.body["stream"] is True and ask_2.body["stream"] is True
    assert not condense.body.get("stream")
    assert "Officer: What barriers did Redditch cite?" in condense.prompt
    assert "Follow-up: and what about Blaby?" in condense.prompt
    assert "data, not instructions" in condense.body["messages"][0]["content"]
    # the drafts streamed to stderr; stdout holds the checked answers with their sources
    assert "Recruitment is difficult in some areas" in result.stderr
    out = turns(result.stdout)
    assert "Recruitment is difficult in some areas" in out["What barriers did Redditch cite?"]
    blaby = out["and what about Blaby?"]
    assert "↳ read as: What barriers did Blaby cite?" in blaby
    assert "single year settlements" in blaby
    assert re.search(r"^\[1\] .+ — Blaby District Council, p\. 1$", blaby, re.MULTILINE)


# --- the REPL in a pseudo-terminal -----------------------------------------------------------
FOOTER = "/open N for a passage in context"


def test_interactive_session_in_a_pseudo_terminal(seeded_copy):
    child = pexpect.spawn(sys.executable, ["-m", "assistant", "--home", str(seeded_copy), "chat"],
                          cwd=str(REPO), encoding="utf-8", timeout=300, dimensions=(40, 160),
                          env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"})
    try:
        child.expect("Plan Assistant chat")
        child.expect("›")
        child.sendline("What barriers did peer councils cite?")
        child.expect(r"Recruitment difficult.*\[\d+\]")
        child.expect(FOOTER)
        child.expect("›")
        # Ctrl-C while an answer is being prepared cancels it, not the session
        child.sendline("How do councils measure productivity?")
        child.expect("Searching the documents")
        child.sendintr()
        child.expect("Cancelled")
        child.expect("›")
        # the conversation is intact: a follow-up still refers to the first answer
        child.sendline("which of those mention recruitment?")
        child.expect("within answer 1's sources")
        child.expect("Recruitment difficult")
        child.expect(FOOTER)
        child.expect("›")
        child.sendcontrol("d")  # Ctrl-D leaves
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (seeded_copy / "chat_history").read_text(encoding="utf-8")
    assert "+What barriers did peer councils cite?" in history
    assert "+which of those mention recruitment?" in history
