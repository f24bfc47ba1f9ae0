"""The `assistant` command. Thin: parse, call, render. Heavy libraries are imported inside
the commands, so `assistant --help` starts fast."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

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


class State:
    def __init__(self, home: Path | None):
        self.home = home
        self._settings = None

    def settings(self, **overrides):
        from assistant.settings import load_settings

        return load_settings(self.home, **overrides)


@app.callback()
def _root(ctx: typer.Context, home: HomeOption = None) -> None:
    ctx.obj = State(home)


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
    results = run_ingest(settings, items, progress=_ProgressBar(console, enabled=not as_json),
                         lock_wait=lambda msg: console.print(f"[yellow]{msg}[/]"))
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


class _ProgressBar:
    """Ingest progress as a rich bar on stderr (hidden for --json and when not a terminal)."""

    def __init__(self, console, enabled: bool):
        self.console, self.enabled, self.bar = console, enabled, None

    def start(self, files: int) -> None:
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("[bold]Indexing[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task("", total=files)

    def file(self, path: Path) -> None:
        if self.bar:
            self.bar.update(self.task, description=path.name[:50])

    def advance(self) -> None:
        if self.bar:
            self.bar.advance(self.task)
            if self.bar.finished:
                self.bar.stop()


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
    as_json: JsonOption = False,
) -> None:
    """Answer a question from the indexed documents, citing document and page — or say they do not say."""
    from assistant.answer import ask as run_ask
    from assistant.index import open_index

    settings = ctx.obj.settings(llm=llm, model=model)
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
    result = run_ask(settings, question, filters)
    if as_json:
        _print_json(result.contract())
    else:
        from assistant import render

        render.answer(_console(), result)


# --- entry point -----------------------------------------------------------------------
def main() -> None:
    from assistant.errors import AssistantError

    try:
        code = app(standalone_mode=False)
    except AssistantError as exc:
        _console(stderr=True).print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _console(stderr=True).print("[yellow]Interrupted.[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the officer
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        _console(stderr=True).print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "Run again with ASSISTANT_DEBUG=1 for the full traceback, and report it.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
