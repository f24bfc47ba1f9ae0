"""Search hits (`assistant search`): terminal lines with their scores, and the JSON."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from assistant.models import Filters, SearchHit
from assistant.render.console import tidy
from assistant.text.safety import scrub


def hits_json(query: str, filters: Filters, found: list[SearchHit]) -> dict:
    return {"query": query, "filters": filters.model_dump(), "hits": [
        {"rank": i, "score": h.score, "dense_rank": h.dense_rank, "lexical_rank": h.lexical_rank,
         **h.chunk.model_dump()} for i, h in enumerate(found, start=1)]}


def hits(console: Console, found: list[SearchHit]) -> None:
    if not found:
        console.print(Text("No passages found.", style="yellow"))
        return
    for i, hit in enumerate(scrub(found, for_terminal=True), start=1):
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
