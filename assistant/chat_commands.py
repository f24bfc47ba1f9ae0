"""The chat's slash commands: filters, sources, saving, drafting and gap checks.

Each command takes the session and the text after its name, prints what it did, and
raises UserError (printed; the session goes on) when it cannot."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from assistant.errors import UserError
from assistant.files import write_text_atomically
from assistant.models import KINDS
from assistant.render import tidy

OFF = {"off", "none", "all", "clear", "-"}
BACKENDS = ("extractive", "openai", "azure")
CONTEXT_CHARS = 400  # of the passages before and after, for /open


def show_filters(session) -> None:
    scope = session.scope()
    session.console.print(Text(f"Filters: {scope}" if scope else "No filters: searching every document.", style="dim"))


def _set_filter(session, field: str, arg: str, parse) -> None:
    """/council, /kind, /theme: 'off' clears the filter, a value replaces it."""
    if arg.lower() in OFF:
        session.filters = session.filters.model_copy(update={field: []})
    elif arg:
        session.filters = session.filters.model_copy(update={field: parse(arg)})
    show_filters(session)


def council(session, arg: str) -> None:
    from assistant.question import resolve_council

    _set_filter(session, "councils", arg,
                lambda a: [resolve_council(name, session.councils()) for name in a.split(",") if name.strip()])


def kind(session, arg: str) -> None:
    from assistant.question import resolve_kinds

    _set_filter(session, "kinds", arg, lambda a: resolve_kinds(a.replace(",", " ").split()))


def theme(session, arg: str) -> None:
    from assistant.guidance import load_guidance

    def parse(a: str) -> list[int]:
        known = [t.number for t in load_guidance(session.settings.guidance_path()).themes]
        try:
            themes = [int(t) for t in a.replace(",", " ").split()]
        except ValueError:
            raise UserError(f"/theme takes theme numbers ({', '.join(map(str, known))}) or 'off', not '{a}'.") from None
        for t in themes:
            if t not in known:
                raise UserError(f"there is no theme {t}; the guidance has themes {', '.join(map(str, known))}.")
        return themes

    _set_filter(session, "themes", arg, parse)


def clear(session, arg: str) -> None:
    session.turns.clear()
    session.console.print(Text("Conversation cleared: the next question starts afresh. "
                               "Filters stay (/council off, /kind off, /theme off to drop them).", style="dim"))
    show_filters(session)


def last_answer(session):
    if session.last is None:
        raise UserError("there is no answer yet. Ask a question first.")
    return session.last.answer


def sources(session, arg: str) -> None:
    from assistant.render import citation_line, short_source

    answer = last_answer(session)
    if not answer.citations:
        session.console.print(Text(f"The last answer cites nothing. Searched: {answer.searched}", style="yellow"))
        return
    for c in answer.citations:
        session.console.print(citation_line(c, quote_limit=None))
        session.console.print(Text(f"    {short_source(c.source)} ({c.kind})", style="dim"))


def open_source(session, arg: str) -> None:
    """The cited passage in full, with the end of the one before and the start of the one after."""
    from assistant.render import short_source

    answer = last_answer(session)
    try:
        citation = next(c for c in answer.citations if c.n == int(arg))
    except (ValueError, StopIteration):
        numbers = f"1-{len(answer.citations)}" if answer.citations else "none: the last answer cites nothing"
        raise UserError(f"/open takes the number of a source of the last answer ({numbers}), not '{arg}'.")
    chunk = session.index.chunk(citation.chunk_id)
    if chunk is None:
        raise UserError(f"source [{citation.n}] is no longer in the index (re-ingested since?). Ask again.")
    chunks = session.index.catalog.document_chunks(chunk.document_id)
    at = next(i for i, c in enumerate(chunks) if c.id == chunk.id)
    console = session.console
    head = Text(f"[{citation.n}] ", style="bold cyan")
    head.append(chunk.title, style="bold")
    head.append(f" — {chunk.council or 'no council'}, p. {chunk.page}")
    console.print(head)
    if chunk.section:
        console.print(Text(f"§ {tidy(chunk.section)}", style="dim"))
    console.print(Text(f"{short_source(chunk.source)} (passage {at + 1} of {len(chunks)})", style="dim"))
    console.print()
    if at > 0:
        console.print(Text("…" + tidy(chunks[at - 1].text)[-CONTEXT_CHARS:], style="dim"))
    body = Text(chunk.text.strip())
    start = body.plain.find(citation.quote)
    if start >= 0:
        body.stylize("bold reverse", start, start + len(citation.quote))
    console.print(body)
    if at + 1 < len(chunks):
        console.print(Text(tidy(chunks[at + 1].text)[:CONTEXT_CHARS] + "…", style="dim"))


def transcript(session) -> str:
    """The conversation as Markdown, each answer followed by its sources (quote, page, file)."""
    from assistant.chatloop import with_council_counts

    lines = [f"# Plan Assistant chat, {datetime.now():%Y-%m-%d %H:%M}", ""]
    for i, turn in enumerate(session.turns, start=1):
        answer = turn.answer
        lines += [f"## {i}. {turn.asked}", ""]
        if turn.note:
            lines += [f"*{turn.note[:1].upper() + turn.note[1:]}*", ""]
        lines += [answer.answer if answer.refused else with_council_counts(answer.answer, answer.citations), ""]
        if answer.citations:
            lines += ["Sources:", ""]
            for c in answer.citations:
                where = f"{c.title} — {c.council}" if c.council else c.title
                section = f", § {tidy(c.section, 100)}" if c.section else ""
                lines.append(f"- [{c.n}] {where}, p. {c.page}{section}: “{tidy(c.quote)}” (`{c.source}`)")
            lines.append("")
        lines += [f"*Backend: {answer.backend}. Searched: {answer.searched}.*", ""]
    return "\n".join(lines)


def output_path(arg: str, command: str, suffixes: tuple[str, ...] = (".md",)) -> Path:
    if not arg:
        raise UserError(f"{command} needs a file name, e.g. {command} chat{suffixes[0]}")
    path = Path(arg.strip().strip("'\"")).expanduser()
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {path.parent} does not exist.")
    if path.suffix.lower() not in suffixes:
        raise UserError(f"{path}: give a file name ending in {' or '.join(suffixes)}.")
    return path


def save(session, arg: str) -> None:
    path = output_path(arg, "/save")
    if not session.turns:
        raise UserError("nothing to save yet: ask a question first.")
    write_text_atomically(path, transcript(session), "the transcript")
    session.console.print(Text(f"Saved {len(session.turns)} answer(s) with their sources to {path}", style="green"))


def one_council(session, command: str) -> str:
    if len(session.filters.councils) != 1:
        raise UserError(f"{command} works on one council: set it first, e.g. /council Redditch.")
    return session.filters.councils[0]


class StatusProgress:
    """Draft progress as a spinner's text (in a terminal; nothing from a pipe)."""

    def __init__(self, console, label: str):
        self.status = console.status(label) if console.is_terminal else None
        self.label, self.done, self.total = label, 0, 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, description: str) -> None:
        self.done += 1
        if self.status:
            self.status.update(f"{self.label} {self.done}/{self.total}: {description}")

    def __enter__(self):
        if self.status:
            self.status.start()
        return self

    def __exit__(self, *exc):
        if self.status:
            self.status.stop()


def draft(session, arg: str) -> None:
    """The `draft` command for the /council filter (and the /theme filter, if one)."""
    from assistant.draft import draft as make_draft
    from assistant.export import output_format, to_markdown, write_draft

    council = one_council(session, "/draft")
    if len(session.filters.themes) > 1:
        raise UserError("/draft takes one theme or all: /theme N, or /theme off for all four.")
    theme = str(session.filters.themes[0]) if session.filters.themes else "all"
    path = Path(arg.strip().strip("'\"")).expanduser() if arg else None
    if path is not None:
        output_format(path)  # a bad name fails before any work
    with StatusProgress(session.console, "Drafting") as progress:
        result = make_draft(session.settings, council, theme, backend=session.backend, progress=progress)
    if path is None:
        session.console.print(Markdown(to_markdown(result)))
    else:
        write_draft(result, path)
        session.console.print(Text(f"Draft written to {path} ({result.words:,} words, "
                                   f"{len(result.citations)} citations).", style="green"))
    s = result.summary
    session.console.print(Text(f"{len(s.own)} question(s) with {result.council}'s own evidence, {len(s.peers_only)} "
                               f"with peers' examples only, {len(s.nothing)} with nothing found · backend: "
                               f"{result.backend}", style="dim"))


STATUS_STYLE = {"covered": "green", "partial": "yellow", "missing": "red"}


def gaps(session, arg: str) -> None:
    """`gaps.check` on a draft plan, for the /council filter if one is set; a short report."""
    from assistant.gaps import check

    if not arg:
        raise UserError("/gaps needs the draft plan's file, e.g. /gaps our-draft.docx")
    path = Path(arg.strip().strip("'\"")).expanduser()
    council = session.filters.councils[0] if len(session.filters.councils) == 1 else None
    llm = None if session.backend == "extractive" else session.backend
    with session.console.status("Checking the draft…") if session.console.is_terminal else nullcontext():
        report = check(session.settings, path, council=council, llm=llm)
    console = session.console
    counts = report.summary["questions"]
    console.print(Text(f"{path.name}: {report.words:,} words (about {report.estimated_pages} pages) · "
                       + ", ".join(f"{n} {status}" for status, n in counts.items()) + " of the guidance's questions",
                       style="bold"))
    for theme in report.themes:
        line = Text(f"Theme {theme.theme}: {theme.title} — ")
        line.append(theme.status, style=STATUS_STYLE.get(theme.status, ""))
        console.print(line)
        for q in theme.questions:
            if q.status != "covered":
                line = Text(f"  {q.id} ")
                line.append(q.status, style=STATUS_STYLE.get(q.status, ""))
                line.append(f" ({q.score:.2f}) {tidy(q.question, 110)}")
                if q.peer_examples:
                    line.append(f" · peers: {', '.join(dict.fromkeys(p.council for p in q.peer_examples))}",
                                style="dim")
                console.print(line)
    for c in report.checks:
        if c.passed is False:
            console.print(Text(f"✗ {c.detail}", style="yellow"))
    for note in report.notes:
        console.print(Text(note, style="dim"))


def llm(session, arg: str) -> None:
    name = arg.strip().lower()
    if name:
        if name not in BACKENDS:
            raise UserError(f"unknown backend '{arg}'. Use one of: {', '.join(BACKENDS)}.")
        if name != "extractive":
            from assistant.generate.chat import chat_model

            chat_model(session.settings, name)  # not configured: BackendUnavailable with the fix
        session.backend = name
    session.console.print(Text(f"Backend: {session.backend}", style="dim"))


def help_(session, arg: str) -> None:
    table = Table(show_header=False, box=None, padding=(0, 2))
    for name, (_, usage, what) in COMMANDS.items():
        if what:
            table.add_row(Text(usage, style="bold"), Text(what))
    session.console.print(table)
    session.console.print(Markdown(
        "Follow-ups: *which of those mention recruitment?* looks only at the last answer's sources; "
        "*and what about Blaby?* asks the last question of Blaby; *what about agency staff?* keeps the "
        "last question's councils; *they*/*their* mean the last question's councils. Ctrl-C cancels an "
        "answer, Ctrl-D leaves."))


def quit_(session, arg: str) -> bool:
    return False


# name -> (function, usage, what it does); an empty "what" hides an alias from /help
COMMANDS = {
    "/help": (help_, "/help", "this list"),
    "/council": (council, "/council NAME | off", "search only this council (or several, comma-separated)"),
    "/kind": (kind, "/kind KIND | off", f"only documents of this kind: {', '.join(KINDS)}"),
    "/theme": (theme, "/theme N | off", "only passages about guidance theme N"),
    "/clear": (clear, "/clear", "forget the conversation (filters stay)"),
    "/sources": (sources, "/sources", "the last answer's sources in full, with quotes"),
    "/open": (open_source, "/open N", "source N of the last answer, in its context"),
    "/save": (save, "/save FILE.md", "the conversation as Markdown, with its citations"),
    "/draft": (draft, "/draft [FILE.md|FILE.docx]", "a draft plan for the /council (and /theme)"),
    "/gaps": (gaps, "/gaps FILE", "check a draft plan against the guidance"),
    "/llm": (llm, "/llm extractive | openai | azure", "the answer backend"),
    "/quit": (quit_, "/quit", "leave (or Ctrl-D)"),
    "/exit": (quit_, "/exit", ""),
}


def run_command(session, line: str) -> bool:
    """Run a /command line; False ends the session."""
    name, _, arg = line.strip().partition(" ")
    entry = COMMANDS.get(name.lower())
    if entry is None:
        known = ", ".join(n for n, (_, _, what) in COMMANDS.items() if what)
        raise UserError(f"unknown command '{name}'. Commands: {known}.")
    return entry[0](session, arg.strip()) is not False


def completer(session):
    """Tab completion: command names, then councils, kinds, themes, backends or file paths."""
    from prompt_toolkit.completion import Completer, PathCompleter, WordCompleter
    from prompt_toolkit.document import Document

    def words(options):
        return WordCompleter(options, ignore_case=True, sentence=True)  # whole names, spaces and all

    after = {
        "/council": words(session.councils() + ["off"]),
        "/kind": words(list(KINDS) + ["off"]),
        "/theme": words(["1", "2", "3", "4", "off"]),
        "/llm": words(list(BACKENDS)),
        "/save": PathCompleter(expanduser=True),
        "/draft": PathCompleter(expanduser=True),
        "/gaps": PathCompleter(expanduser=True),
    }
    names = words([n + " " for n, (_, _, what) in COMMANDS.items() if what])

    class ChatCompleter(Completer):
        # prompt_toolkit's NestedCompleter cannot complete names that start with "/"
        def get_completions(self, document, event):
            text = document.text_before_cursor.lstrip()
            if not text.startswith("/"):
                return
            name, space, rest = text.partition(" ")
            if not space:
                yield from names.get_completions(Document(text), event)
            elif name.lower() in after:
                rest = rest.lstrip()
                yield from after[name.lower()].get_completions(Document(rest), event)

    return ChatCompleter()
