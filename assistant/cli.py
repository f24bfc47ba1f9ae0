"""The `assistant` command. Thin: parse, call, render. Heavy libraries are imported inside
the commands, so `assistant --help` starts fast."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.files import write_text_atomically
from assistant.progress import StepProgress

app = typer.Typer(
    name="assistant",
    help="Plan Assistant: ask, draft and gap-check councils' Productivity Plans, every claim cited.\n\n"
         "Start with: assistant ingest --shipped, then assistant ask \"What barriers did peer councils cite?\"",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

# --- shared options ------------------------------------------------------------------
HomeOption = Annotated[Optional[Path], typer.Option(
    "--home", envvar="ASSISTANT_HOME", show_envvar=True,
    help="Folder that holds the index. Default: your user data folder (~/.local/share/plan-assistant).")]
CouncilOption = Annotated[Optional[list[str]], typer.Option(
    "--council", "-c", help="Only this council's documents (repeatable; 'Redditch' matches 'Redditch Borough Council').")]
KindOption = Annotated[Optional[list[str]], typer.Option(
    "--kind", help="Only documents of this kind (repeatable): guidance, plan, corporate-plan, minutes, report, draft, other.")]
ThemeOption = Annotated[Optional[list[int]], typer.Option(
    "--theme", "-t", help="Only passages tagged with this guidance theme, 1-4 (repeatable).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of formatted text.")]
LlmOption = Annotated[Optional[str], typer.Option(
    "--llm", help="Answer backend: extractive (offline, default), openai, or azure.")]
ModelOption = Annotated[Optional[str], typer.Option("--model", help="Chat model name (or ASSISTANT_MODEL).")]
BaseUrlOption = Annotated[Optional[str], typer.Option(
    "--base-url", help="An OpenAI-compatible server for --llm openai (or OPENAI_BASE_URL), "
                       "e.g. http://localhost:11434/v1 for Ollama.")]


ChromaUrlOption = Annotated[Optional[str], typer.Option(
    "--chroma-url", envvar="ASSISTANT_CHROMA_URL", show_envvar=True,
    help="A Chroma server (chroma run ...) to hold the vectors, e.g. http://127.0.0.1:8000. "
         "The catalog and the BM25 index stay in --home. Default: embedded Chroma in --home.")]


class State:
    def __init__(self, home: Path | None, chroma_url: str | None = None):
        self.home = home
        self.chroma_url = chroma_url
        self._settings = None

    def settings(self, **overrides):
        from assistant.settings import load_settings

        return load_settings(self.home, **{"chroma_url": self.chroma_url, **overrides})


@app.callback()
def _root(ctx: typer.Context, home: HomeOption = None, chroma_url: ChromaUrlOption = None) -> None:
    ctx.obj = State(home, chroma_url)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _filters(index, council, kind, theme):
    from assistant.question import resolve_filters

    return resolve_filters(council, kind, theme, index.catalog.councils())


# --- ingest ----------------------------------------------------------------------------
@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Files or folders to index: PDF, DOCX, Markdown, text.", show_default=False)] = None,
    council: Annotated[Optional[str], typer.Option(help="Council the documents belong to (else inferred).")] = None,
    kind: Annotated[Optional[str], typer.Option(
        help="guidance | plan | corporate-plan | minutes | report | draft | other (else inferred).")] = None,
    title: Annotated[Optional[str], typer.Option(help="Title (else from the file).")] = None,
    date: Annotated[Optional[str], typer.Option(help="Date, YYYY-MM-DD (else from the file name or text).")] = None,
    manifest: Annotated[Optional[Path], typer.Option(
        help="A TOML manifest: [[document]] tables with path, council, kind, title, date.")] = None,
    shipped: Annotated[bool, typer.Option(
        "--shipped", help="Index the corpus shipped with Plan Assistant (guidance and five council documents).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add documents to the index. Unchanged files are skipped; changed files replace their old version."""
    from assistant.errors import UserError
    from assistant.ingest import IngestItem, ingest as run_ingest
    from assistant.ingest.loaders import supported
    from assistant.ingest.metadata import read_manifest
    from assistant.models import DocumentMeta

    settings = ctx.obj.settings()
    items: list[IngestItem] = []
    manifests = [manifest] if manifest else []
    if shipped:
        from assistant.resources import corpus_dir

        manifests.append(corpus_dir() / "manifest.toml")
    for m in manifests:
        for entry in read_manifest(m):
            items.append(IngestItem(entry.path, entry.meta, {f for f in entry.meta.model_fields_set}))
    given = {k: v for k, v in {"council": council, "kind": kind, "title": title, "date": date}.items() if v}
    flag_meta = DocumentMeta(**given)
    if given:
        from assistant.ingest.metadata import validate_meta

        validate_meta(flag_meta, "command line")
    for path in paths or []:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and supported(p))
            if not found:
                raise UserError(f"{path}: no PDF, DOCX, Markdown or text files in this folder.")
            items.extend(IngestItem(p, flag_meta, set(given)) for p in found)
        else:
            items.append(IngestItem(path, flag_meta, set(given)))
    if not items:
        raise UserError("nothing to ingest. Give files or folders, --manifest FILE.toml, or --shipped.")

    console = _console(stderr=True)
    bar = StepProgress(console, "Indexing", enabled=not as_json)
    try:
        results = run_ingest(settings, items, progress=bar,
                             lock_wait=lambda msg: console.print(msg, style="yellow", markup=False))
    finally:
        bar.stop()
    failed = [r for r in results if r.status == "failed"]
    if as_json:
        _print_json({"home": str(settings.home), "results": [r.as_dict() for r in results],
                     "failed": len(failed)})
    else:
        from assistant import render

        out = _console()
        render.ingest_report(out, results)
        counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "replaced", "unchanged", "failed")}
        out.print(", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" · index: {settings.home}")
    if failed:
        raise typer.Exit(2)


# --- sources / search / ask --------------------------------------------------------------
@app.command()
def sources(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the indexed documents."""
    from assistant.index import open_index

    settings = ctx.obj.settings()
    index = open_index(settings)
    documents = index.catalog.documents()
    index.close()
    if as_json:
        _print_json({"home": str(settings.home), "documents": [d.model_dump(mode="json") for d in documents]})
    else:
        from assistant import render

        render.sources(_console(), documents)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1, max=200)] = 8,
    council: CouncilOption = None,
    kind: KindOption = None,
    theme: ThemeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the passages hybrid search finds (dense + BM25, fused), with their scores."""
    from assistant.index import open_index

    index = open_index(ctx.obj.settings())
    try:
        filters = _filters(index, council, kind, theme)
        found = index.search(query, filters, k=k)
    finally:
        index.close()
    if as_json:
        _print_json({"query": query, "filters": filters.model_dump(), "hits": [
            {"rank": i, "score": h.score, "dense_rank": h.dense_rank, "lexical_rank": h.lexical_rank,
             **h.chunk.model_dump()} for i, h in enumerate(found, start=1)]})
    else:
        from assistant import render

        render.hits(_console(), found)


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    council: CouncilOption = None,
    kind: KindOption = None,
    theme: ThemeOption = None,
    llm: LlmOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    stream: Annotated[bool, typer.Option(
        "--stream/--no-stream", help="With a language model, show its reply as it is written (before it is checked).")] = True,
    as_json: JsonOption = False,
) -> None:
    """Answer a question from the indexed documents, citing document and page — or say they do not say."""
    from assistant.answer import ask as run_ask
    from assistant.index import open_index

    settings = ctx.obj.settings(llm=llm, model=model, openai_base_url=base_url)
    index = open_index(settings)
    try:
        filters = _filters(index, council, kind, theme)
        empty = index.catalog.count_chunks() == 0
    finally:
        index.close()
    if empty:
        from assistant.errors import UserError

        raise UserError(f"the index in {settings.home} is empty. Add documents first: "
                        "assistant ingest --shipped (or your own files).")
    streamer = _TokenStream(_console(stderr=True)) if stream and not as_json and settings.llm != "extractive" else None
    result = run_ask(settings, question, filters, on_token=streamer)
    if streamer:
        streamer.close(result)
    if as_json:
        _print_json(result.contract())
    else:
        from assistant import render

        render.answer(_console(), result)


class _TokenStream:
    """A model's reply on stderr as it arrives; the checked answer then goes to stdout."""

    def __init__(self, console):
        self.console, self.started = console, False

    def __call__(self, token: str) -> None:
        if not self.started:
            self.console.print("[dim]Draft reply, being written (checked against the sources below):[/]")
            self.started = True
        self.console.print(token, end="", style="dim", markup=False, highlight=False)

    def close(self, result) -> None:
        if self.started:
            removed = len(result.unsupported)
            note = f"{removed} sentence(s) removed: not supported by the passages they cite." if removed \
                else "Every sentence checked."
            self.console.print(f"\n[dim]— {note} The checked answer:[/]")


# --- doctor ------------------------------------------------------------------------------
@app.command()
def doctor(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the install, the offline embedder, the index, Chroma and each language-model backend,
    with how to fix what fails. Exit 0 when the default (offline) path works, else 3."""
    from assistant.doctor import report, run_checks

    checks = run_checks(ctx.obj.settings())
    result = report(checks)
    if as_json:
        _print_json(result)
    else:
        from rich.table import Table
        from rich.text import Text

        marks = {"ok": ("✓ ok", "green"), "warn": ("! warn", "yellow"), "fail": ("✗ fail", "bold red"),
                 "off": ("- off", "dim")}
        table = Table(show_header=True, show_lines=True)
        for column in ("Check", "Status", "Details"):
            table.add_column(column, overflow="fold")
        for c in checks:
            label, style = marks[c.status]
            details = Text(c.detail)
            if c.fix and c.status != "ok":
                details.append(f"\nFix: {c.fix}", style="cyan")
            table.add_row(c.name + (" *" if c.required else ""), Text(label, style=style), details)
        out = _console()
        out.print(table)
        out.print("* needed by `assistant ask` as configured. "
                  + ("All needed checks pass." if result["ok"] else "Fix the failed checks above."))
    if not result["ok"]:
        raise typer.Exit(3)


@app.command()
def chat(
    ctx: typer.Context,
    council: CouncilOption = None,
    kind: KindOption = None,
    theme: ThemeOption = None,
    llm: LlmOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Ask questions with follow-ups ("and what about Blaby?"); /help inside lists the commands.

    Reads questions from stdin when it is not a terminal: echo "question" | assistant chat"""
    from assistant.chatloop import run

    raise typer.Exit(run(ctx.obj.settings(llm=llm, model=model, openai_base_url=base_url), council, kind, theme))


# --- draft -------------------------------------------------------------------------------
@app.command("draft")
def draft_command(
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
    from assistant.draft import draft
    from assistant.export import output_format, to_markdown, write_draft

    if out is not None:
        output_format(out)  # a bad --out fails before any work
    settings = ctx.obj.settings(llm=llm, model=model, openai_base_url=base_url)
    progress = StepProgress(_console(stderr=True), "Drafting", enabled=not as_json)
    try:
        result = draft(settings, council, theme, progress=progress)
    finally:
        progress.stop()
    if out is not None:
        write_draft(result, out)
    if as_json:
        _print_json({**result.contract(), "out": str(out) if out else None})
        return
    from rich.markdown import Markdown

    console = _console()
    if out is None:
        console.print(Markdown(to_markdown(result)))
    else:
        console.print(f"Draft written to [bold]{out}[/] ({result.words:,} words, {len(result.citations)} citations).")
    console.print(f"Summary: {result.summary.line(result.council)} · backend: {result.backend}")


# --- eval --------------------------------------------------------------------------------
@app.command("eval")
def eval_command(
    dataset: Annotated[Optional[Path], typer.Option(
        "--dataset", help="Questions, one JSON object a line (default: eval/datasets/qa.jsonl). "
                          "judge_pairs.jsonl and gaps.jsonl beside it are used too.", show_default=False)] = None,
    llm: LlmOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    judge: Annotated[str, typer.Option(
        "--judge", help="Who decides support: offline (quote match + embeddings, no model) or llm "
                        "(claims and verdicts from the chat model).")] = "offline",
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Folder for the JSON and Markdown results and the eval's own index "
                      "(default: eval/results).", show_default=False)] = None,
    thresholds: Annotated[Optional[Path], typer.Option(
        "--thresholds", help="TOML of minimum/maximum headline metrics to mark (default: eval/thresholds.toml).",
        show_default=False)] = None,
    compare: Annotated[Optional[tuple[Path, Path]], typer.Option(
        "--compare", help="Compare two result files (A.json B.json) instead of running.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the pipeline over the evaluation dataset and score it: retrieval recall, gold-fact
    recall, faithfulness, citation recall and precision, refusals, gap check, latency.

    Indexes the shipped corpus into its own index under --out; your index is never used."""
    from assistant.evaluation import report

    if compare:
        diff = report.compare(report.load_result(compare[0]), report.load_result(compare[1]))
        if as_json:
            _print_json(diff)
        else:
            report.compare_table(_console(), diff, str(compare[0]), str(compare[1]))
        return
    from assistant.evaluation.runner import default_results_dir, run

    limits_file = thresholds or default_results_dir().parent / "thresholds.toml"
    limits = report.load_thresholds(limits_file) if thresholds or limits_file.is_file() else None
    bar = StepProgress(_console(stderr=True), "Evaluating", enabled=not as_json)
    try:
        result = run(dataset, out, judge, llm, progress=bar.update, model=model, openai_base_url=base_url)
    finally:
        bar.stop()
    result["command"] = " ".join(["assistant", *sys.argv[1:]])
    json_path, md_path = report.write(result, Path(out or default_results_dir()), limits)
    if as_json:
        _print_json({**result, "json": str(json_path), "markdown": str(md_path)})
        return
    console = _console()
    report.table(console, result, limits)
    console.print(f"Results: {json_path} · report: {md_path}")


# --- gaps --------------------------------------------------------------------------------
@app.command("gaps")
def gaps_command(
    ctx: typer.Context,
    draft: Annotated[Path, typer.Argument(help="Your draft plan: PDF, DOCX, Markdown or text.", show_default=False)],
    council: Annotated[Optional[str], typer.Option(
        "--council", "-c", help="The draft's council: its own documents are left out of the peer examples "
                                "('Redditch' matches 'Redditch Borough Council').", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Also write the full report to FILE.md (Markdown) or FILE.json.", show_default=False)] = None,
    llm: Annotated[Optional[str], typer.Option(
        "--llm", help="Offline by default; openai or azure adds an LLM judge for the unsure questions.")] = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a draft plan against the guidance: for each theme and prompting question, covered,
    partial or missing, with the draft's own evidence and, for the thin ones, peers' examples
    (cited). Also checks length, all four themes, theme 3's spend topics and milestones.

    The draft is read into a temporary index of its own; your index is only read, for peers."""
    from assistant import gaps_report
    from assistant.errors import UserError
    from assistant.gaps import check

    if out is not None and out.suffix.lower() not in (".md", ".markdown", ".json"):
        raise UserError(f"{out}: --out writes Markdown (.md) or JSON (.json). Give a file name ending in one of them.")
    settings = ctx.obj.settings(model=model)
    bar = StepProgress(_console(stderr=True), "Checking", enabled=not as_json)
    try:
        report = check(settings, draft, council=council, llm=llm, progress=bar.update)
    finally:
        bar.stop()
    if out is not None:
        text = json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n" \
            if out.suffix.lower() == ".json" else gaps_report.markdown(report)
        write_text_atomically(out, text, "the report")
    if as_json:
        _print_json({**report.to_json(), "out": str(out) if out else None})
        return
    console = _console()
    gaps_report.terminal(console, report)
    if out is not None:
        console.print(f"Report written to [bold]{out}[/].")


# --- entry point -----------------------------------------------------------------------
def main() -> None:
    from assistant.errors import AssistantError

    try:
        code = app(standalone_mode=False)
    except AssistantError as exc:
        # messages carry file names and document text: print them as text, never as rich markup
        from rich.markup import escape

        _console(stderr=True).print(f"[bold red]Error:[/] {escape(str(exc))}", markup=True, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _console(stderr=True).print("[yellow]Interrupted.[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the officer
        import typer
        from rich.markup import escape

        if isinstance(exc, typer.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, typer.Abort):
            sys.exit(130)
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error (click's, or the click that newer typer vendors)
            sys.exit(2)
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        _console(stderr=True).print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
            "Run again with ASSISTANT_DEBUG=1 for the full traceback, and report it.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
