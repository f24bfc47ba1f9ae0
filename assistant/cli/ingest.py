"""`assistant ingest` and `assistant sources`: adding documents to the index, listing them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli.options import JsonOption


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
    allow_outside: Annotated[bool, typer.Option(
        "--allow-outside", help="Let --manifest name files outside the manifest's folder.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add documents to the index. Unchanged files are skipped; changed files replace their old version."""
    from assistant.ingest import ingest as run_ingest
    from assistant.render import documents as render
    from assistant.render.console import console, print_json
    from assistant.render.progress import StepProgress

    from rich.text import Text

    settings = ctx.obj.settings()
    errors = console(stderr=True)
    items = _items(paths, council, kind, title, date, manifest, shipped, allow_outside,
                   warn=lambda message: errors.print(Text(message, style="yellow"), soft_wrap=True))
    bar = StepProgress(errors, "Indexing", enabled=not as_json)
    try:
        results = run_ingest(settings, items, progress=bar,
                             lock_wait=lambda msg: errors.print(Text(msg, style="yellow"), soft_wrap=True))
    finally:
        bar.stop()
    if as_json:
        print_json(render.ingest_json(settings.home, results))
    else:
        render.ingest_report(console(), results, settings.home)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(2)


def _items(paths, council, kind, title, date, manifest, shipped, allow_outside, warn) -> list:
    """What to ingest, from the manifests, the shipped corpus and the paths (folders walked),
    each with the metadata the officer gave."""
    from assistant.errors import UserError
    from assistant.ingest import IngestItem
    from assistant.ingest.loaders import supported
    from assistant.ingest.metadata import read_manifest, validate_meta
    from assistant.models import DocumentMeta

    items: list[IngestItem] = []
    manifests = [(manifest, allow_outside)] if manifest else []
    if shipped:
        from assistant.resources import corpus_dir

        manifests.append((corpus_dir() / "manifest.toml", False))
    for m, outside in manifests:
        for entry in read_manifest(m, allow_outside=outside, on_warning=warn):
            items.append(IngestItem(entry.path, entry.meta, {f for f in entry.meta.model_fields_set}))
    given = {k: v for k, v in {"council": council, "kind": kind, "title": title, "date": date}.items() if v}
    flag_meta = DocumentMeta(**given)
    if given:
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
    return items


def sources(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the indexed documents."""
    from assistant.render import documents as render
    from assistant.render.console import console, print_json
    from assistant.workspace import open_workspace

    settings = ctx.obj.settings()
    with open_workspace(settings) as workspace:
        documents = workspace.index.catalog.documents()
        ocr_pages = workspace.index.catalog.ocr_pages()
    if as_json:
        print_json(render.sources_json(settings.home, documents, ocr_pages))
    else:
        render.sources(console(), documents, ocr_pages)
