"""An Answer in the terminal: in full for `ask` (the answer, then every source with its
quote), compactly for `chat` (council headings with their point counts, one line per
source). Its JSON form is ``Answer.contract()``; its Markdown, in a chat transcript, is
``assistant.render.transcript``."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from rich.text import Text

from assistant.models import Answer, Citation
from assistant.render.console import markdown, tidy
from assistant.text.markers import cited_numbers
from assistant.text.safety import scrub

HEADING = re.compile(r"^\*\*(.+?)\*\*:?\s*$", re.MULTILINE)


def citation_line(c: Citation, quote_limit: int | None = 300) -> Text:
    line = Text(f"[{c.n}] ", style="bold cyan")
    line.append(c.title or Path(c.source).name, style="bold")
    if c.council:
        line.append(f" — {c.council}")
    line.append(f", {c.where}", style="dim")
    if c.section:
        line.append(f", § {tidy(c.section, 80)}", style="dim")
    line.append(f"\n    “{tidy(c.quote, quote_limit)}”", style="italic")
    return line


def unsupported_lines(console: Console, result: Answer, what: str) -> None:
    """The sentences validation removed, each on its line."""
    if result.unsupported:
        console.print(Text(f"{len(result.unsupported)} {what} removed: no cited passage supports them.",
                           style="yellow"))
        for sentence in result.unsupported:
            console.print(Text(f"  ✗ unsupported: {tidy(sentence, 300)}", style="yellow"))


def full(console: Console, result: Answer, show_sources: bool = True) -> None:
    """`ask`'s answer: the text, what was removed, every source with its quote, the backend."""
    result = scrub(result, for_terminal=True)
    if result.refused:
        console.print(Text(result.answer, style="yellow"))
    else:
        console.print(markdown(result.answer))
    unsupported_lines(console, result, "sentence(s) were")
    if show_sources and result.citations:
        console.print()
        console.print(Text("Sources", style="bold underline"))
        for c in result.citations:
            console.print(citation_line(c))
    footer = f"backend: {result.backend}"
    if result.sentences_total:
        footer += f" · {result.sentences_supported}/{result.sentences_total} statements supported"
    console.print(Text(footer, style="dim"))


# --- the chat's compact form ----------------------------------------------------------------
def with_council_counts(text: str, citations: list[Citation]) -> str:
    """Council headings ("**Blaby District Council**") with how many cited points follow them."""
    councils = {c.council for c in citations if c.council}
    lines = text.split("\n")
    headings = [i for i, line in enumerate(lines) if (m := HEADING.match(line)) and m.group(1) in councils]
    for k, i in enumerate(headings):
        end = headings[k + 1] if k + 1 < len(headings) else len(lines)
        points = {str(n) for line in lines[i + 1:end] for n in cited_numbers(line)}
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
        line.append(f", {c.where}", style="dim")
        console.print(line)


def compact(console: Console, answer: Answer) -> None:
    """The chat's answer: council headings with counts, compact sources, how to see more."""
    answer = scrub(answer, for_terminal=True)
    if answer.refused:
        console.print(Text(answer.answer, style="yellow"))
    else:
        console.print(markdown(with_council_counts(answer.answer, answer.citations)))
        if not HEADING.search(answer.answer) and (counts := by_council(answer.citations)):
            console.print(Text(f"By council: {counts}", style="bold"))
    unsupported_lines(console, answer, "sentence(s) of the draft were")
    if answer.citations:
        console.print()
        compact_sources(console, answer.citations)
        console.print(Text(f"{answer.backend} · /sources for the quotes, /open N for a passage in context",
                           style="dim"))
    console.print()
