"""`assistant draft` and `assistant gaps`: drafting a council's plan, checking a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli.options import BaseUrlOption, JsonOption, LlmOption, ModelOption

GAPS_FORMATS = (".md", ".markdown", ".json")


def draft(
    ctx: typer.Context,
    council: Annotated[str, typer.Option(
        "--council", "-c", help="The council to draft for ('Redditch' matches 'Redditch Borough Council').",
        show_default=False)],
    theme: Annotated[str, typer.Option("--theme", "-t", help="One theme (1-4), or all.")] = "all",
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Write the draft to FILE.docx (Word) or FILE.md (Markdown).", show_default=False)] = None,
    llm: LlmOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft the council's Productivity Plan theme by theme, every point cited: its own documents
    first; where they say nothing, a visible marker and peers' examples, labelled as peers'."""
    from assistant.draft import draft as run_draft
    from assistant.render import draft as render
    from assistant.render.console import console, print_json
    from assistant.render.progress import StepProgress

    if out is not None:
        render.output_format(out)  # a bad --out fails before any work
    settings = ctx.obj.settings(llm=llm, model=model, openai_base_url=base_url)
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
        "--reply", help="Your replies to findings, FILE.toml: [[reply]] question = \"2.3\", decision = \"accept\" "
                        "or \"override\", status = \"covered\", note = \"...\". Give the same file on later "
                        "drafts: replies concern questions, not versions.", show_default=False)] = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a draft plan against the guidance: for each theme and prompting question, covered,
    partial or missing, with the draft's own evidence and, for the thin ones, peers' examples
    (cited), and what to do next. Also checks length, all four themes, theme 3's spend topics,
    milestones and member endorsement.

    The draft is read as ingest reads a document, in memory; your index is only read, for peers."""
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
    settings = ctx.obj.settings(model=model)
    bar = StepProgress(console(stderr=True), "Checking", enabled=not as_json)
    try:
        report = check(settings, draft, council=council, llm=llm, progress=bar.update, replies=reply)
    finally:
        bar.stop()
    if out is not None:
        text = json_text(report.to_json()) + "\n" if out.suffix.lower() == ".json" else render.markdown(report)
        write_text_atomically(out, text, "the report")
    if as_json:
        print_json({**report.to_json(), "out": str(out) if out else None})
        return
    screen = console()
    render.terminal(screen, report)
    if out is not None:
        screen.print(Text("Report written to ") + Text(str(out), style="bold") + Text("."))
