"""Terminal output (rich) for answers, search hits, sources and ingest reports. JSON
output is written by the CLI from the models directly."""

from __future__ import annotations

import os
import re
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from assistant.models import Answer, Citation, Document, SearchHit


def short_source(source: str) -> str:
    """A source path shown relative to the working folder when it is inside it."""
    try:
        return os.path.relpath(source) if not os.path.relpath(source).startswith("..") else source
    except ValueError:
        return source


def tidy(text: str, limit: int | None = None) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def citation_line(c: Citation, quote_limit: int | None = 300) -> Text:
    line = Text(f"[{c.n}] ", style="bold cyan")
    line.append(c.title or Path(c.source).name, style="bold")
    if c.council:
        line.append(f" — {c.council}")
    line.append(f", p. {c.page}", style="dim")
    if c.section:
        line.append(f", § {tidy(c.section, 80)}", style="dim")
    line.append(f"\n    “{tidy(c.quote, quote_limit)}”", style="italic")
    return line


def answer(console: Console, result: Answer, show_sources: bool = True) -> None:
    style = "yellow" if result.refused else None
    if result.refused:
        console.print(Text(result.answer, style=style))
    else:
        console.print(Markdown(result.answer))
    if result.unsupported:
        console.print(Text(f"{len(result.unsupported)} sentence(s) were removed: no cited passage supports them.",
                           style="yellow"))
        for sentence in result.unsupported:
            console.print(Text(f"  ✗ unsupported: {tidy(sentence, 300)}", style="yellow"))
    if show_sources and result.citations:
        console.print()
        console.print(Text("Sources", style="bold underline"))
        for c in result.citations:
            console.print(citation_line(c))
    footer = f"backend: {result.backend}"
    if result.sentences_total:
        footer += f" · {result.sentences_supported}/{result.sentences_total} statements supported"
    console.print(Text(footer, style="dim"))


def hits(console: Console, found: list[SearchHit]) -> None:
    if not found:
        console.print(Text("No passages found.", style="yellow"))
        return
    for i, hit in enumerate(found, start=1):
        c = hit.chunk
        head = Text(f"{i}. ", style="bold cyan")
        head.append(c.title, style="bold")
        head.append(f" — {c.council or 'no council'}, p. {c.page}")
        themes = ",".join(map(str, c.themes)) or "-"
        head.append(f"  [{c.kind}; themes {themes}; score {hit.score:.4f}; "
                    f"dense #{hit.dense_rank or '-'}, lexical #{hit.lexical_rank or '-'}]", style="dim")
        console.print(head)
        if c.section:
            console.print(Text(f"   § {tidy(c.section, 100)}", style="dim"))
        console.print(Text(f"   {tidy(c.text, 320)}"))  # document text is never rich markup
        console.print(Text(f"   id {c.id}", style="dim"))


def sources(console: Console, documents: list[Document]) -> None:
    if not documents:
        console.print(Text("The index is empty. Add documents: assistant ingest FILE... "
                           "(or the shipped corpus: assistant ingest --shipped)", style="yellow"))
        return
    table = Table(title=f"{len(documents)} documents, {sum(d.chunks for d in documents)} chunks", box=box.SIMPLE_HEAD)
    table.add_column("Document", ratio=3, overflow="fold")
    table.add_column("Council", ratio=2, overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("Chunks", justify="right", no_wrap=True)
    for d in documents:
        table.add_row(Text(d.title or Path(d.source).name), Text(d.council or "—"), d.kind, d.date or "—", str(d.chunks))
    console.print(table)


def ingest_report(console: Console, results) -> None:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Status", no_wrap=True)
    table.add_column("Document", ratio=3, overflow="fold")
    table.add_column("Council", ratio=2, overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Chunks", justify="right", no_wrap=True)
    colours = {"added": "green", "replaced": "cyan", "unchanged": "dim", "failed": "red"}
    for r in results:
        d = r.document
        name = Text(d.title) if d else Text(Path(r.path).name)
        table.add_row(Text(r.status, style=colours.get(r.status, "")), name, Text(d.council if d else ""),
                      d.kind if d else "", str(r.chunks) if d else "")
    console.print(table)
    for r in results:
        if r.status == "failed":
            console.print(Text(f"✗ {r.message}", style="red"))
        elif r.message:
            console.print(Text(f"• {Path(r.path).name}: {r.message}", style="dim"))
