"""A chat as Markdown (/save): each question, how a follow-up was read, the answer with
its council counts, and its sources (quote, page, file). Keys and control characters are
taken out when the file is written (``assistant.render.files``)."""

from __future__ import annotations

from datetime import datetime

from assistant.render.answer import with_council_counts
from assistant.render.console import tidy


def transcript(turns) -> str:
    """``turns``: the chat's Turns (asked, answer, note)."""
    lines = [f"# Plan Assistant chat, {datetime.now():%Y-%m-%d %H:%M}", ""]
    for i, turn in enumerate(turns, start=1):
        answer = turn.answer
        lines += [f"## {i}. {turn.asked}", ""]
        if turn.note:
            lines += [f"*{turn.note[:1].upper() + turn.note[1:]}*", ""]
        lines += [answer.answer if answer.refused else with_council_counts(answer.answer, answer.citations), ""]
        if answer.citations:
            lines += ["Sources:", ""]
            for c in answer.citations:
                where = f"{c.title} — {c.council}" if c.council else c.title
                section = f", § {tidy(c.section, 100)}" if c.section else ""
                lines.append(f"- [{c.n}] {where}, {c.where}{section}: “{tidy(c.quote)}” (`{c.source}`)")
            lines.append("")
        lines += [f"*Backend: {answer.backend}. Searched: {answer.searched}.*", ""]
    return "\n".join(lines)
