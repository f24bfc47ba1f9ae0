"""`assistant chat`: questions with follow-ups, filters and sources, in a terminal or from
piped stdin.

A session holds the filters (/council, /kind, /theme), the backend (/llm) and the turns
so far. Each question is made standalone first (``assistant.followup``), then goes
through the same pipeline as `ask`. In a terminal, prompt_toolkit gives line editing,
completion and a history file (<home>/chat_history); Ctrl-C cancels the answer being
written, Ctrl-D ends the session. From a pipe, lines are read plainly and echoed.
"""

from __future__ import annotations

import re
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field

from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from assistant.models import Answer, Citation, Filters, SearchHit
from assistant.render import tidy

HEADING = re.compile(r"^\*\*(.+?)\*\*:?\s*$", re.MULTILINE)
MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Turn:
    asked: str  # what the officer typed
    answer: Answer  # answer.question: the standalone question it was answered as
    standalone: str = ""  # the question with its context, which the next follow-up builds on
    note: str = ""  # how a follow-up was read, shown under the question
    across: bool = False  # answered council by council


@dataclass
class Session:
    settings: object
    index: object
    filters: Filters
    backend: str
    console: Console
    errors: Console
    interactive: bool = False
    turns: list[Turn] = field(default_factory=list)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def councils(self) -> list[str]:
        return self.index.catalog.councils()

    def scope(self) -> str:
        """The filters in force, shortly: "Redditch · theme 2"."""
        from assistant.question import council_key_words

        names = [" ".join(w.title() for w in council_key_words(c)) or c for c in self.filters.councils]
        return " · ".join(names + self.filters.kinds + [f"theme {t}" for t in self.filters.themes])

    def prompt(self) -> str:
        return f"{self.scope()} › " if self.scope() else "› "


# --- one question -------------------------------------------------------------------------
def previous(session: Session):
    from assistant.followup import Previous

    turn = session.last
    if turn is None:
        return None
    # a /council filter decides who "they" are, as it decides what is searched
    councils = session.filters.councils or turn.answer.filters.councils
    return Previous(turn.standalone, councils, turn.across, len(turn.answer.citations))


def standalone(session: Session, text: str):
    """What to search for ``text``: offline rules, or the LLM's condensed question."""
    from assistant.followup import Rewrite, condense_with_llm, rewrite

    found = rewrite(text, previous(session), session.councils())
    if session.backend == "extractive" or not session.turns:
        return found
    history = [(t.standalone, t.answer.answer) for t in session.turns]
    with session.console.status("Reading the follow-up…") if session.console.is_terminal else nullcontext():
        condensed = condense_with_llm(session.settings, session.backend, history, text)
    return Rewrite(condensed, narrow=found.narrow, followup=condensed.strip() != text.strip())


def within_last_answer(session: Session, question: str):
    """A retrieval whose passages are those the last answer cited (rule 1 of followup)."""
    from assistant.answer import Retrieval
    from assistant.question import analyse

    last = session.last
    ids = list(dict.fromkeys(c.chunk_id for c in last.answer.citations))
    chunks = session.index.catalog.chunks(ids)
    hits = [SearchHit(chunk=chunks[i], score=1.0) for i in ids if i in chunks]
    analysis = analyse(question, session.councils(), session.index.mentions)
    analysis.across_councils = analysis.across_councils or last.across
    searched = f"the {len(hits)} passage(s) cited in answer {len(session.turns)} (\"{last.answer.question}\")"
    return Retrieval(question, analysis, last.answer.filters, hits, searched, session.councils())


def ask_turn(session: Session, text: str) -> None:
    from assistant.answer import answer_extractive, retrieve
    from assistant.question import match_councils

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

    with Feedback(session) as feedback:
        if rewrite.narrow:
            retrieval = within_last_answer(session, rewrite.question)
        else:
            retrieval = retrieve(session.index, rewrite.question, filters)
        if session.backend == "extractive":
            answer = answer_extractive(session.index, retrieval)
        else:
            from assistant.generate.chat import answer_with_llm

            feedback.writing()
            answer = answer_with_llm(session.settings, session.index, retrieval, session.backend,
                                     on_token=feedback.token)
    show_answer(session.console, answer)
    session.turns.append(Turn(text, answer, rewrite.standalone, note, retrieval.across))


class Feedback:
    """What the officer sees while an answer is prepared: in a terminal, a spinner, then the
    model's draft streaming (its last lines), replaced by the checked answer; from a pipe,
    the draft streams to stderr, as with `ask`."""

    def __init__(self, session: Session):
        self.console, self.errors = session.console, session.errors
        self.terminal = self.console.is_terminal
        self.status = self.console.status("Searching the documents…") if self.terminal else None
        self.draft: list[str] = []
        self.live = None

    def __enter__(self):
        if self.status:
            self.status.start()
        return self

    def writing(self) -> None:
        if self.status:
            self.status.update("Writing the answer…")

    def token(self, token: str) -> None:
        self.draft.append(token)
        if not self.terminal:
            self.errors.file.write(token)
            self.errors.file.flush()
            return
        if self.live is None:
            from rich.live import Live

            self.status.stop()
            self.live = Live(self, console=self.console, transient=True, refresh_per_second=10)
            self.live.start()

    def __rich_console__(self, console, options):
        lines = Text("".join(self.draft), style="dim").wrap(console, options.max_width)
        yield from lines[-max(1, console.height - 2):]

    def __exit__(self, *exc):
        if self.status:
            self.status.stop()
        if self.live:
            self.live.stop()
        if self.draft and not self.terminal:
            self.errors.file.write("\n")
        return False


# --- showing an answer ---------------------------------------------------------------------
def with_council_counts(text: str, citations: list[Citation]) -> str:
    """Council headings ("**Blaby District Council**") with how many cited points follow them."""
    councils = {c.council for c in citations if c.council}
    lines = text.split("\n")
    headings = [i for i, line in enumerate(lines) if (m := HEADING.match(line)) and m.group(1) in councils]
    for k, i in enumerate(headings):
        end = headings[k + 1] if k + 1 < len(headings) else len(lines)
        points = {n for line in lines[i + 1:end] for n in MARKER.findall(line)}
        if points:
            name = HEADING.match(lines[i]).group(1)
            lines[i] = f"**{name}** — {len(points)} point{'s' if len(points) > 1 else ''}"
    return "\n".join(lines)


def by_council(citations: list[Citation]) -> str:
    counts: dict[str, int] = {}
    for c in citations:
        counts[c.council or c.title] = counts.get(c.council or c.title, 0) + 1
    return " · ".join(f"{name} {n}" for name, n in counts.items()) if len(counts) > 1 else ""


def source_groups(citations: list[Citation]) -> list[tuple[str, Citation]]:
    """Consecutive citations of the same page as one line: ("[2–9]", citation)."""
    groups: list[list[Citation]] = []
    for c in citations:
        last = groups[-1][-1] if groups else None
        if last and (last.chunk_id == c.chunk_id or (last.source, last.page) == (c.source, c.page)) \
                and c.n == last.n + 1:
            groups[-1].append(c)
        else:
            groups.append([c])
    return [(f"[{g[0].n}]" if len(g) == 1 else f"[{g[0].n}–{g[-1].n}]", g[0]) for g in groups]


def compact_sources(console: Console, citations: list[Citation]) -> None:
    for label, c in source_groups(citations):
        line = Text(f"{label} ", style="bold cyan")
        line.append(c.title or c.source)
        if c.council:
            line.append(f" — {c.council}")
        line.append(f", p. {c.page}", style="dim")
        console.print(line)


def show_answer(console: Console, answer: Answer) -> None:
    if answer.refused:
        console.print(Text(answer.answer, style="yellow"))
    else:
        console.print(Markdown(with_council_counts(answer.answer, answer.citations)))
        if not HEADING.search(answer.answer) and (counts := by_council(answer.citations)):
            console.print(Text(f"By council: {counts}", style="bold"))
    if answer.unsupported:
        console.print(Text(f"{len(answer.unsupported)} sentence(s) of the draft were removed: no cited passage "
                           "supports them.", style="yellow"))
        for sentence in answer.unsupported:
            console.print(Text(f"  ✗ unsupported: {tidy(sentence, 300)}", style="yellow"))
    if answer.citations:
        console.print()
        compact_sources(console, answer.citations)
        console.print(Text(f"{answer.backend} · /sources for the quotes, /open N for a passage in context",
                           style="dim"))
    console.print()


# --- the loop -----------------------------------------------------------------------------
def handle(session: Session, line: str) -> bool:
    """Run one line (a question or a /command); False ends the session. Errors are printed."""
    import os

    from assistant.chat_commands import run_command
    from assistant.errors import AssistantError

    try:
        if line.startswith("/"):
            return run_command(session, line)
        ask_turn(session, line)
    except KeyboardInterrupt:
        session.console.print(Text("\nCancelled.", style="yellow"))
    except AssistantError as exc:
        session.errors.print(Text("Error: ", style="bold red") + Text(str(exc)))
    except Exception as exc:  # noqa: BLE001 - a bug in one turn should not end the session
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        session.errors.print(Text(f"Unexpected error: {type(exc).__name__}: {exc}. "
                                  "Run with ASSISTANT_DEBUG=1 for the traceback, and report it.", style="red"))
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

    from assistant.chat_commands import completer

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


def run(settings, councils=None, kinds=None, themes=None) -> int:
    from assistant.errors import UserError
    from assistant.index import open_index
    from assistant.question import resolve_filters

    index = open_index(settings)
    try:
        filters = resolve_filters(councils, kinds, themes, index.catalog.councils())
        if index.catalog.count_chunks() == 0:
            raise UserError(f"the index in {settings.home} is empty. Add documents first: "
                            "assistant ingest --shipped (or your own files).")
        if settings.llm != "extractive":
            from assistant.generate.chat import chat_model

            chat_model(settings, settings.llm)  # not configured: fail now, with the fix
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        session = Session(settings, index, filters, settings.llm, Console(highlight=False),
                          Console(stderr=True, highlight=False), interactive)
        if interactive:
            documents = index.catalog.documents()
            session.console.print(Text(f"Plan Assistant chat — {len(documents)} documents, "
                                       f"{len(index.catalog.councils())} councils, backend {session.backend}. "
                                       "Ask a question; /help for commands; Ctrl-D to leave.", style="dim"))
        for line in (terminal_lines(session) if interactive else piped_lines(session)):
            if not handle(session, line):
                break
    finally:
        index.close()
    return 0
