"""Indexed documents and ingest results: terminal tables and the JSON of `sources` and
`ingest`."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.models import Document
from assistant.text.safety import scrub

STATUSES = ("added", "replaced", "unchanged", "failed")
WIDE_TABLE = 110  # columns below which `sources` lists documents as blocks, not a table
COLOURS = {"added": "green", "replaced": "cyan", "unchanged": "dim", "failed": "red"}


def file_and_format(source: str) -> tuple[str, str]:
    """The file name(s) and format of a document's source ("plan.pdf", "PDF")."""
    names = [Path(part).name for part in str(source).split(" + ")]
    suffixes = {Path(n).suffix.lower().lstrip(".") for n in names}
    return " + ".join(names), "/".join(sorted(s.upper() or "—" for s in suffixes))


def sources_json(home: Path, documents: list[Document], ocr_pages: dict | None = None) -> dict:
    rows = []
    for d in documents:
        row = d.model_dump(mode="json")
        row["file"], row["format"] = file_and_format(d.source)
        row["ocr_pages"] = (ocr_pages or {}).get(d.id, [])
        rows.append(row)
    return {"home": str(home), "documents": rows}


def sources(console: Console, documents: list[Document], ocr_pages: dict | None = None) -> None:
    if not documents:
        console.print(Text("The index is empty. Add documents: assistant ingest FILE... "
                           "(or the shipped corpus: assistant ingest --shipped)", style="yellow"))
        return
    documents = scrub(documents, for_terminal=True)
    title = f"{len(documents)} documents, {sum(d.chunks for d in documents)} chunks"
    if console.width < WIDE_TABLE:  # six columns folded into 80 columns read as a jumble: a block each
        console.print(Text(title, style="bold"))
        for d in documents:
            console.print()
            console.print(Text(d.title or file_and_format(d.source)[0], style="bold"))
            console.print(Text(f"  {d.council or '—'} · {d.kind} · {d.date or 'no date'} · {d.chunks} chunks"))
            console.print(Text(f"  {file_cell(d, ocr_pages)}", style="dim"))
        return
    table = Table(title=title, box=box.SIMPLE_HEAD)
    table.add_column("Document", ratio=3, overflow="fold")
    table.add_column("Council", ratio=2, overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("File", ratio=2, overflow="fold")
    table.add_column("Chunks", justify="right", no_wrap=True)
    for d in documents:
        table.add_row(Text(d.title or file_and_format(d.source)[0]), Text(d.council or "—"), Text(d.kind),
                      Text(d.date or "—"), Text(file_cell(d, ocr_pages)), str(d.chunks))
    console.print(table)


def file_cell(d: Document, ocr_pages: dict | None) -> str:
    """"plan.pdf (PDF; OCR p. 3, 4)": which file, its format, its pages read by OCR."""
    name, form = file_and_format(d.source)
    ocr = (ocr_pages or {}).get(d.id, [])
    return f"{name} ({form}" + (f"; OCR p. {', '.join(map(str, ocr))}" if ocr else "") + ")"


def ingest_json(home: Path, results) -> dict:
    return {"home": str(home), "results": [r.as_dict() for r in results],
            "failed": sum(1 for r in results if r.status == "failed")}


def ingest_report(console: Console, results, home: Path) -> None:
    """A row per file (status, title, council, kind, chunks), the failures and notes, and a
    count line."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Status", no_wrap=True)
    table.add_column("Document", ratio=3, overflow="fold")
    table.add_column("Council", ratio=2, overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Chunks", justify="right", no_wrap=True)
    shown = scrub(list(results), for_terminal=True)
    for r in shown:
        d = r.document
        name = Text(d.title) if d else Text(Path(r.path).name)
        table.add_row(Text(r.status, style=COLOURS.get(r.status, "")), name, Text(d.council if d else ""),
                      Text(d.kind if d else ""), str(r.chunks) if d else "")
    console.print(table)
    for r in shown:
        if r.status == "failed":
            console.print(Text(f"✗ {r.message}", style="red"), soft_wrap=True)
        elif r.message:
            console.print(Text(f"• {Path(r.path).name}: {r.message}", style="dim"), soft_wrap=True)
        for warning in r.warnings:  # text lost, passages addressing an AI: loud
            console.print(Text(f"⚠ {warning}", style="bold yellow"), soft_wrap=True)
    counts = {s: sum(1 for r in results if r.status == s) for s in STATUSES}
    console.print(Text(", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" · index: {home}"))
