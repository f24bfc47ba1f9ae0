"""`assistant draft` and `assistant gaps`: drafting a council's plan, checking a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli.options import JsonOption, ModelOption, with_backend_options

GAPS_FORMATS = (".md", ".markdown", ".json")


@with_backend_options
def draft(
    ctx: typer.Context,
    council: Annotated[str, typer.Option(
        "--council", "-c", help="The council to draft for ('Redditch' matches 'Redditch Borough Council').",
        show_default=False)],
    theme: Annotated[str, typer.Option("--theme", "-t", help="One theme (1-4), or all.")] = "all",
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Write the draft to FILE.docx (Word) or FILE.md (Markdown).", show_default=False)] = None,
    as_json: JsonOption = False,
    backend: dict | None = None,
) -> None:
    """Draft the council's Productivity Plan theme by theme, every point cited: its own documents
    first; where they say nothing, a visible marker and peers' examples, labelled as peers'."""
    from assistant.draft import draft as run_draft
    from assistant.render import draft as render
    from assistant.render.console import console, print_json
    from assistant.render.progress import StepProgress

    if out is not None:
        render.output_format(out)  # a bad --out fails before any work
    settings = ctx.obj.settings(**backend)
    progress = StepProgress(console(stderr=True), "Drafting", enabled=not as_json)
    try:
        result = run_draft(settings, council, theme, progress=progress)
    finally:
        progress.stop()
    if out is not None:
        render.write_draft(result, out)
    if as_json:
        print_json({**result.contract(), "out": str(out) if out else None})
    else:
        render.show(console(), result, out)


def gaps(
    ctx: typer.Context,
    draft: Annotated[Path, typer.Argument(help="Your draft plan: PDF, DOCX, Markdown or text.", show_default=False)],
    council: Annotated[Optional[str], typer.Option(
        "--council", "-c", help="The draft's council: its own documents are left out of the peer examples "
                                "('Redditch' matches 'Redditch Borough Council').", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Also write the full report to FILE.md (Markdown) or FILE.json.", show_default=False)] = None,
    llm: Annotated[Optional[str], typer.Option(
        "--llm", help="Offline by default; openai or azure adds an LLM judge for the unsure questions.")] = None,
    reply: Annotated[Optional[Path], typer.Option(
        "--reply", help="Your replies to findings, FILE.toml: \\[\\[reply]] question = \"2.3\", decision = \"accept\" "
                        "or \"override\", status = \"covered\", note = \"...\". Give the same file on later "
                        "drafts: replies concern questions, not versions.", show_default=False)] = None,
    review: Annotated[bool, typer.Option(
        "--review", help="After the report, go through each missing or partial finding in the terminal: "
                         "accept it, override it (a status and a note) or skip. Your replies are saved to the "
                         "--reply file, or DRAFT.replies.toml beside the draft (asked; replies already there "
                         "are kept).")] = False,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a draft plan against the guidance: for each theme and prompting question, covered,
    partial or missing, with the draft's own evidence and, for the thin ones, peers' examples
    (cited), and what to do next. Also checks length, all four themes, theme 3's spend topics,
    milestones and member endorsement.

    The draft is read as ingest reads a document, in memory; your index is only read, for peers.
    --review asks for your replies to the findings in the terminal and saves them for --reply."""
    from rich.text import Text

    from assistant.errors import UserError
    from assistant.gaps import check
    from assistant.render import gaps as render
    from assistant.render.console import console, print_json
    from assistant.render.files import write_text_atomically
    from assistant.render.progress import StepProgress
    from assistant.text.safety import json_text

    if out is not None and out.suffix.lower() not in GAPS_FORMATS:
        raise UserError(f"{out}: --out writes Markdown (.md) or JSON (.json). Give a file name ending in one of them.")
    if review:
        _review_allowed(as_json)
        if reply is None and _default_replies(draft).is_file():
            reply = _default_replies(draft)  # the replies recorded last time, beside the draft
            picked_up = reply
        else:
            picked_up = None
    settings = ctx.obj.settings(model=model)
    bar = StepProgress(console(stderr=True), "Checking", enabled=not as_json)
    try:
        report = check(settings, draft, council=council, llm=llm, progress=bar.update, replies=reply)
    finally:
        bar.stop()
    if review:
        screen = console()
        if picked_up is not None:
            report.notes.append(f"Your replies recorded earlier in {picked_up} are applied; new ones are added to it.")
        render.terminal(screen, report)
        saved = _review(screen, report, draft, reply or _default_replies(draft), settings.gaps.covered_at)
        if saved is not None:
            report = saved
    if out is not None:
        text = json_text(report.to_json()) + "\n" if out.suffix.lower() == ".json" else render.markdown(report)
        write_text_atomically(out, text, "the report")
    if as_json:
        print_json({**report.to_json(), "out": str(out) if out else None})
        return
    if review:
        if out is not None:
            screen.print(Text("Report (with your replies) written to ") + Text(str(out), style="bold") + Text("."))
        return
    screen = console()
    render.terminal(screen, report)
    if out is not None:
        screen.print(Text("Report written to ") + Text(str(out), style="bold") + Text("."))


def _default_replies(draft: Path) -> Path:
    from assistant.render.gaps_review import default_replies_path

    return default_replies_path(draft)


def _review_allowed(as_json: bool) -> None:
    """--review asks questions: it needs a terminal to ask them in, and is not for --json."""
    import sys

    from assistant.errors import UserError

    if as_json:
        raise UserError("--review asks for your replies in the terminal; --json is for programs. Use one of them "
                        "(with --json, give replies in a file: --reply replies.toml).")
    if not sys.stdin.isatty():
        raise UserError("--review asks for your replies in a terminal, and the input here is not one. Write them in "
                        "a TOML file and give it with --reply replies.toml:\n"
                        '[[reply]]\nquestion = "2.3"\ndecision = "override"\nstatus = "covered"\nnote = "..."')


def _review(screen, report, draft: Path, default: Path, covered_at: float):
    """Ask for the officer's replies, save them (merged into the file) and return the report
    with every reply in the file applied; None when nothing was saved."""
    from rich.text import Text

    from assistant.gaps.next_steps import next_steps
    from assistant.gaps.replies import apply_replies, save_replies
    from assistant.render.gaps_review import ask_where, found_status, review

    question_ids = [q.id for q in report.questions()]
    def read(prompt: str) -> str:  # a Text: the prompt's brackets are not rich markup
        return screen.input(Text(prompt, style="bold"))

    new = review(screen, report, read)
    if not new:
        screen.print(Text("No new replies: nothing saved.", style="dim"))
        return None
    saved: dict = {}

    def save(path: Path) -> None:
        saved["replies"] = save_replies(path, new, question_ids)

    path = ask_where(screen, default, read, save)
    if path is None:
        screen.print(Text("Not saved.", style="yellow"))
        return None
    # the check's own findings again, then every reply now in the file
    fresh = report.model_copy(deep=True)
    for theme in fresh.themes:
        for q in theme.questions:
            if q.reply is not None:
                q.status, q.reply = found_status(q), None
        if theme.found_status:
            theme.status, theme.found_status = theme.found_status, ""
    apply_replies(fresh, saved["replies"], path)
    fresh.next_steps = next_steps(fresh, covered_at)
    screen.print(Text(f"\n{len(new)} repl{'y' if len(new) == 1 else 'ies'} saved to ") + Text(str(path), style="bold")
                 + Text(f" ({len(saved['replies'])} in the file). Next time: assistant gaps {draft} "
                        f"--reply {path}"))
    s = fresh.summary["questions"]
    screen.print(Text(f"With your replies: {s['covered']} covered, {s['partial']} partial, {s['missing']} missing; "
                      f"{len(fresh.next_steps)} question(s) left to do.", style="dim"))
    return fresh
