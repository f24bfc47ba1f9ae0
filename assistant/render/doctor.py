"""`assistant doctor`'s checks in the terminal: a table of status, details and fixes. Its
JSON form is ``assistant.cli.doctor.report``."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from assistant.text.safety import scrub

MARKS = {"ok": ("✓ ok", "green"), "warn": ("! warn", "yellow"), "fail": ("✗ fail", "bold red"), "off": ("- off", "dim")}


def checks_table(console, checks, ok: bool) -> None:
    table = Table(show_header=True, show_lines=True)
    for column in ("Check", "Status", "Details"):
        table.add_column(column, overflow="fold")
    for c in scrub(list(checks), for_terminal=True):
        label, style = MARKS[c.status]
        details = Text(c.detail)
        if c.fix and c.status != "ok":
            details.append(f"\nFix: {c.fix}", style="cyan")
        table.add_row(Text(c.name + (" *" if c.required else "")), Text(label, style=style), details)
    console.print(table)
    console.print("* needed by `assistant ask` as configured. "
                  + ("All needed checks pass." if ok else "Fix the failed checks above."))
