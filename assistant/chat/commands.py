"""The chat's slash commands: filters, sources, saving, drafting and gap checks.

Each command takes the session and the text after its name, prints what it did, and
raises UserError (printed; the session goes on) when it cannot."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from rich.table import Table
from rich.text import Text

from assistant.errors import UserError
from assistant.generate.backends import NAMES
from assistant.models import KINDS
from assistant.render.console import markdown, short_source, tidy
from assistant.render.files import write_text_atomically
from assistant.text.safety import scrub

OFF = {"off", "none", "all", "clear", "-"}
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
    from assistant.evidence.question import resolve_council

    _set_filter(session, "councils", arg,
                lambda a: [resolve_council(name, session.councils()) for name in a.split(",") if name.strip()])


def kind(session, arg: str) -> None:
    from assistant.evidence.question import resolve_kinds

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
    from assistant.render.answer import citation_line

    answer = scrub(last_answer(session), for_terminal=True)
    if not answer.citations:
        session.console.print(Text(f"The last answer cites nothing. Searched: {answer.searched}", style="yellow"))
        return
    for c in answer.citations:
        session.console.print(citation_line(c, quote_limit=None))
        session.console.print(Text(f"    {short_source(c.source)} ({c.kind})", style="dim"))


def open_source(session, arg: str) -> None:
    """The cited passage in full, with the end of the one before and the start of the one after."""
    answer = scrub(last_answer(session), for_terminal=True)
    try:
        citation = next(c for c in answer.citations if c.n == int(arg))
    except (ValueError, StopIteration):
        numbers = f"1-{len(answer.citations)}" if answer.citations else "none: the last answer cites nothing"
        raise UserError(f"/open takes the number of a source of the last answer ({numbers}), not '{arg}'.")
    chunk = session.index.chunk(citation.chunk_id)
    if chunk is None:
        raise UserError(f"source [{citation.n}] is no longer in the index (re-ingested since?). Ask again.")
    chunks = scrub(session.index.catalog.document_chunks(chunk.document_id), for_terminal=True)
    at = next(i for i, c in enumerate(chunks) if c.id == chunk.id)
    chunk = chunks[at]
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
    from assistant.render.transcript import transcript

    write_text_atomically(path, transcript(session.turns), "the transcript")
    session.console.print(Text(f"Saved {len(session.turns)} answer(s) with their sources to {path}", style="green"))


def one_council(session, command: str) -> str:
    if len(session.filters.councils) != 1:
        raise UserError(f"{command} works on one council: set it first, e.g. /council Redditch.")
    return session.filters.councils[0]


def draft(session, arg: str) -> None:
    """The `draft` command for the /council filter (and the /theme filter, if one)."""
    from assistant.draft import draft as make_draft
    from assistant.render import draft as render
    from assistant.render.progress import StatusProgress

    council = one_council(session, "/draft")
    if len(session.filters.themes) > 1:
        raise UserError("/draft takes one theme or all: /theme N, or /theme off for all four.")
    theme = str(session.filters.themes[0]) if session.filters.themes else "all"
    path = Path(arg.strip().strip("'\"")).expanduser() if arg else None
    if path is not None:
        render.output_format(path)  # a bad name fails before any work
    with StatusProgress(session.console, "Drafting") as progress:
        result = make_draft(session.settings, council, theme, backend=session.backend, progress=progress)
    if path is not None:
        render.write_draft(result, path)
    render.show(session.console, result, path)


def gaps(session, arg: str) -> None:
    """`gaps.check` on a draft plan, for the /council filter if one is set; a short report."""
    from assistant.gaps import check
    from assistant.render.gaps import brief

    if not arg:
        raise UserError("/gaps needs the draft plan's file, e.g. /gaps our-draft.docx")
    path = Path(arg.strip().strip("'\"")).expanduser()
    council = session.filters.councils[0] if len(session.filters.councils) == 1 else None
    with session.console.status("Checking the draft…") if session.console.is_terminal else nullcontext():
        report = check(session.settings, path, council=council, llm=session.backend)
    brief(session.console, report, path.name)


def llm(session, arg: str) -> None:
    from assistant.generate import backends

    if arg.strip():
        try:
            name = backends.name_of(arg)
        except UserError:  # said as typed: a key pasted here by mistake is hidden by the console
            raise UserError(f"unknown backend '{arg.strip()}'. Use one of: {', '.join(NAMES)}.") from None
        backends.get(name).check(session.settings)  # not configured: BackendUnavailable with the fix
        session.backend = name
    session.console.print(Text(f"Backend: {session.backend}", style="dim"))


def help_(session, arg: str) -> None:
    table = Table(show_header=False, box=None, padding=(0, 2))
    for name, (_, usage, what) in COMMANDS.items():
        if what:
            table.add_row(Text(usage, style="bold"), Text(what))
    session.console.print(table)
    session.console.print(markdown(
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
        "/llm": words(list(NAMES)),
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
