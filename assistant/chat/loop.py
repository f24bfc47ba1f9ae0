"""`assistant chat`: questions with follow-ups, filters and sources, in a terminal or from
piped stdin.

A session (session.py) holds the filters, the backend and the turns so far. Each
question is made standalone first (``assistant.chat.followup``), then goes through the
same pipeline as `ask`; slash commands are in commands.py. In a terminal, prompt_toolkit
gives line editing, completion and a history file (<home>/chat_history); Ctrl-C cancels
the answer being written, Ctrl-D ends the session. From a pipe, lines are read plainly
and echoed.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext

from rich.text import Text

from assistant.chat.session import Session, Turn
from assistant.render import answer as render
from assistant.render.stream import AnswerFeedback


# --- one question -------------------------------------------------------------------------
def previous(session: Session):
    from assistant.chat.followup import Previous

    turn = session.last
    if turn is None:
        return None
    # a /council filter decides who "they" are, as it decides what is searched
    councils = session.filters.councils or turn.answer.filters.councils
    return Previous(turn.standalone, councils, turn.across, len(turn.answer.citations))


def standalone(session: Session, text: str):
    """What to search for ``text``: offline rules, or the LLM's condensed question."""
    from assistant.chat.followup import Rewrite, condense_with_llm, rewrite
    from assistant.generate import backends

    found = rewrite(text, previous(session), session.councils())
    if not backends.is_model(session.backend) or not session.turns:
        return found
    history = [(t.standalone, t.answer.answer) for t in session.turns]
    with session.console.status("Reading the follow-up…") if session.console.is_terminal else nullcontext():
        condensed = condense_with_llm(session.settings, session.backend, history, text)
    return Rewrite(condensed, narrow=found.narrow, followup=condensed.strip() != text.strip())


def within_last_answer(session: Session, question: str):
    """A retrieval whose passages are those the last answer cited (rule 1 of followup)."""
    last = session.last
    ids = list(dict.fromkeys(c.chunk_id for c in last.answer.citations))
    what = f"answer {len(session.turns)} (\"{last.answer.question}\")"
    return session.workspace.evidence.within(question, ids, last.answer.filters, last.across, what)


def ask_turn(session: Session, text: str) -> None:
    from assistant.ask import answer as compose
    from assistant.evidence.question import match_councils
    from assistant.generate import backends

    rewrite = standalone(session, text)
    filters = session.filters
    if rewrite.councils and not filters.councils:
        filters = filters.model_copy(update={"councils": rewrite.councils})
    note = ""
    if rewrite.narrow:
        note = f"within answer {len(session.turns)}'s sources: {rewrite.question}"
    elif rewrite.followup:
        note = f"read as: {rewrite.question}"
    if note:
        session.console.print(Text(f"↳ {note}", style="dim"))
    named = match_councils(rewrite.question, session.councils())
    if session.filters.councils and set(named) - set(session.filters.councils):
        session.console.print(Text(f"Note: the /council filter ({', '.join(session.filters.councils)}) applies; "
                                   "type /council off to search other councils.", style="yellow"))

    with AnswerFeedback(session.console, session.errors) as feedback:
        if rewrite.narrow:
            retrieval = within_last_answer(session, rewrite.question)
        else:
            retrieval = session.workspace.evidence.retrieve(rewrite.question, filters)
        model = backends.is_model(session.backend)
        if model:
            feedback.writing()
        answer = compose(session.workspace, retrieval, session.backend, on_token=feedback.token if model else None)
    render.compact(session.console, answer)
    session.turns.append(Turn(text, answer, rewrite.standalone, note, retrieval.across))


# --- the loop -----------------------------------------------------------------------------
def handle(session: Session, line: str) -> bool:
    """Run one line (a question or a /command); False ends the session. Errors are printed."""
    import os

    from assistant.chat.commands import run_command
    from assistant.errors import AssistantError
    from assistant.text.safety import terminal

    try:
        if line.startswith("/"):
            return run_command(session, line)
        ask_turn(session, line)
    except KeyboardInterrupt:
        session.console.print(Text("\nCancelled.", style="yellow"))
    except AssistantError as exc:
        session.errors.print(Text("Error: ", style="bold red") + Text(terminal(str(exc))), soft_wrap=True)
    except Exception as exc:  # noqa: BLE001 - a bug in one turn should not end the session
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        session.errors.print(Text(f"Unexpected error: {type(exc).__name__}: {terminal(str(exc))}. "
                                  "Run with ASSISTANT_DEBUG=1 for the traceback, and report it.", style="red"),
                             soft_wrap=True)
    return True


def piped_lines(session: Session):
    for raw in sys.stdin:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        session.console.print(Text(session.prompt() + line, style="bold"))
        yield line


def terminal_lines(session: Session):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory

    from assistant.chat.commands import completer

    session.settings.home.mkdir(parents=True, exist_ok=True)
    prompt = PromptSession(history=FileHistory(str(session.settings.home / "chat_history")),
                           completer=completer(session), auto_suggest=AutoSuggestFromHistory(),
                           complete_while_typing=False)
    while True:
        try:
            line = prompt.prompt(session.prompt()).strip()
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt clears the line
        except EOFError:
            return  # Ctrl-D
        if line:
            yield line


def run(workspace, filters) -> None:
    """The session, on an open workspace whose index has documents, with the flags' filters."""
    from assistant.generate import backends
    from assistant.render.console import console

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    session = Session(workspace, filters, backends.name_of(workspace.settings.llm), console(), console(stderr=True),
                      interactive)
    if interactive:
        catalog = workspace.index.catalog
        session.console.print(Text(f"Plan Assistant chat — {len(catalog.documents())} documents, "
                                   f"{len(catalog.councils())} councils, backend {session.backend}. "
                                   "Ask a question; /help for commands; Ctrl-D to leave.", style="dim"))
    for line in (terminal_lines(session) if interactive else piped_lines(session)):
        if not handle(session, line):
            break
