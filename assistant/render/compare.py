"""A comparison (assistant.compare) as a terminal table, CSV, XLSX and Markdown. The JSON
form is Comparison.to_json().

- CSV: UTF-8 with a byte-order mark (Excel opens it as UTF-8), the matrix in FILE.csv and the
  barrier tally beside it in FILE-barriers.csv.
- XLSX: a "Matrix" sheet (a row per council; per question its status, best quote and page)
  and a "Barriers" sheet (a row per barrier and council, with the quote), headers frozen;
  an "About" sheet says how statuses were judged and credits the register data.
- Cells never start a formula: text from documents that begins with = + - @ is written as text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assistant.errors import UserError
from assistant.gaps.models import COVERED, MISSING, PARTIAL
from assistant.render.console import tidy
from assistant.text.safety import terminal

FORMATS = (".csv", ".xlsx", ".md", ".markdown")
SYMBOL = {COVERED: "●", PARTIAL: "◐", MISSING: "○"}
STYLE = {COVERED: "green", PARTIAL: "yellow", MISSING: "red"}
DETAIL_UP_TO = 3  # councils: up to this many, the terminal shows every question's quote
ABOUT = ("Each council's row is its plan (or, with no plan indexed, the report or minutes that answer most "
         "prompting questions), judged question by question as `assistant gaps` judges a draft: covered, partial "
         "or missing, with the best verbatim quote and its page. Barriers are every barrier each council's "
         "documents cite (not the Government's words quoted back), grouped into named barriers.")


def output_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path}: --out writes CSV (.csv), Excel (.xlsx) or Markdown (.md). "
                        "Give a file name ending in one of them, or use --json for JSON.")
    return {".markdown": ".md"}.get(suffix, suffix)


def cell(text) -> str:
    """Text for a spreadsheet cell: one line, no control character or key, never a formula."""
    text = tidy(terminal(str(text))) if text is not None else ""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def question_ids(comparison) -> list[str]:
    rows = comparison.rows
    return [q.id for t in rows[0].themes for q in t.questions] if rows else []


def matrix_table(comparison) -> tuple[list[str], list[list]]:
    """Header and rows of the matrix: a row per council."""
    ids = question_ids(comparison)
    themes = [t.theme for t in comparison.rows[0].themes] if comparison.rows else []
    header = ["council", "type", "region", "document", "source", "basis"] + [f"theme {n}" for n in themes]
    for qid in ids:
        header += [f"{qid} status", f"{qid} quote", f"{qid} page"]
    body = []
    for row in comparison.rows:
        line = [row.council, row.type or "", row.region or "", row.document.title or Path(row.document.source).name,
                row.document.source, row.basis] + [t.status for t in row.themes]
        for t in row.themes:
            for q in t.questions:
                best = q.evidence[0] if q.evidence else None
                line += [q.status, best.quote if best else "", best.page if best else ""]
        body.append(line)
    return header, body


def barrier_table(comparison) -> tuple[list[str], list[list]]:
    header = ["barrier", "councils citing it", "council", "quote", "source", "page"]
    body = [[b.name, len(b.mentions), m.council, m.quote, m.source, m.page]
            for b in comparison.barriers for m in b.mentions]
    return header, body


def write(comparison, path: Path) -> list[Path]:
    """Write the comparison to ``path`` (.csv, .xlsx or .md); returns the files written."""
    from assistant.render.files import write_atomically, write_text_atomically

    path = Path(path)
    fmt = output_format(path)
    if fmt == ".md":
        write_text_atomically(path, markdown(comparison), "the comparison")
        return [path]
    if fmt == ".xlsx":
        write_atomically(path, lambda temp: _xlsx(comparison, temp), "the workbook")
        return [path]
    beside = path.with_name(f"{path.stem}-barriers{path.suffix}")
    for target, (header, body) in ((path, matrix_table(comparison)), (beside, barrier_table(comparison))):
        data = _csv(header, body)
        write_atomically(target, lambda temp, data=data: temp.write_bytes(data), "the CSV file")
    return [path, beside]


def _csv(header: list[str], body: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[cell(v) if isinstance(v, str) else v for v in line] for line in body])
    return out.getvalue().encode("utf-8-sig")


def _xlsx(comparison, temp: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from assistant.councils import ATTRIBUTION

    book = Workbook()
    sheets = [("Matrix", matrix_table(comparison)), ("Barriers", barrier_table(comparison))]
    for n, (title, (header, body)) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(header)
        for line in body:
            sheet.append([cell(v) if isinstance(v, str) else v for v in line])
        for c in sheet[1]:
            c.font = Font(bold=True)
        sheet.freeze_panes = "B2"  # the header row and the council (or barrier) column stay in view
        for column in sheet.columns:
            name = str(column[0].value or "")
            wide = name.endswith("quote") or name == "source"
            sheet.column_dimensions[column[0].column_letter].width = 60 if wide else max(12, min(40, len(name) + 4))
            if wide:
                for c in column[1:]:
                    c.alignment = Alignment(wrap_text=True, vertical="top")
    about = book.create_sheet("About")
    for line in (ABOUT, ATTRIBUTION, *comparison.notes):
        about.append([line])
    about.column_dimensions["A"].width = 120
    book.save(temp)


# --- Markdown ------------------------------------------------------------------------------
def _md(text: str, limit: int | None = None) -> str:
    return tidy(text, limit).replace("|", "/")


def markdown(comparison) -> str:
    from collections import Counter

    from assistant.councils import ATTRIBUTION

    rows = comparison.rows
    themes = [t.theme for t in rows[0].themes] if rows else []
    lines = ["# Productivity Plans compared", "",
             f"{len(rows)} councils; {len(comparison.barriers)} barriers cited. {ABOUT}", ""]
    lines += [f"> {note}" for note in comparison.notes] + ([""] if comparison.notes else [])
    lines += ["## The matrix", "", "● covered · ◐ partial · ○ missing", "",
              "| council | type | region | " + " | ".join(f"theme {n}" for n in themes)
              + " | questions covered | document |",
              "|---|---|---|" + "---|" * len(themes) + "---|---|"]
    for row in rows:
        counts = Counter(q.status for t in row.themes for q in t.questions)
        lines.append(f"| {_md(row.council)} | {row.type or '—'} | {row.region or '—'} | "
                     + " | ".join(f"{SYMBOL[t.status]} {t.status}" for t in row.themes)
                     + f" | {counts[COVERED]} (+{counts[PARTIAL]} partly) of {sum(counts.values())} | "
                     f"{_md(Path(row.document.source).name)} |")
    lines += ["", "## Barriers councils cite", ""]
    for barrier in comparison.barriers:
        n = len(barrier.mentions)
        lines += [f"### {_md(barrier.name)} ({n} council{'s' if n != 1 else ''})", ""]
        lines += [f"- **{_md(m.council)}**: “{_md(m.quote, 400)}” ({_md(Path(m.source).name)}, p. {m.page})"
                  for m in barrier.mentions]
        lines.append("")
    lines += ["## Each council's answers", ""]
    for row in rows:
        lines += [f"### {_md(row.council)}", "",
                  f"Read from {_md(Path(row.document.source).name)} ({_md(row.basis)}).", ""]
        for t in row.themes:
            lines.append(f"- **Theme {t.theme}**: {SYMBOL[t.status]} {t.status}")
            for q in t.questions:
                best = q.evidence[0] if q.evidence else None
                quote = f": “{_md(best.quote, 300)}” (p. {best.page})" if best else ""
                lines.append(f"  - {q.id} {SYMBOL[q.status]} {q.status}{quote}")
        lines.append("")
    lines += ["---", "", ATTRIBUTION, ""]
    return "\n".join(lines)


# --- terminal ------------------------------------------------------------------------------
def show(screen, comparison, written: list[Path] | None = None) -> None:
    from collections import Counter

    from rich.table import Table
    from rich.text import Text

    from assistant.councils import ATTRIBUTION, short_name

    rows = comparison.rows
    themes = [t.theme for t in rows[0].themes] if rows else []
    table = Table(title=f"{len(rows)} councils against the guidance", title_justify="left", header_style="bold")
    for name in ("council", "type", "region", *[f"T{n}" for n in themes], "questions", "document"):
        table.add_column(name, no_wrap=name.startswith("T") or name == "questions")
    for row in rows:
        counts = Counter(q.status for t in row.themes for q in t.questions)
        marks = [Text(SYMBOL[t.status], style=STYLE[t.status]) for t in row.themes]
        document = Path(row.document.source).name + ("" if row.basis == "plan" else f" ({row.document.kind})")
        table.add_row(row.council, row.type or "—", row.region or "—", *marks,
                      f"{counts[COVERED]}+{counts[PARTIAL]}/{sum(counts.values())}", document)
    screen.print(table)
    screen.print(Text("● covered  ◐ partial  ○ missing; questions: covered+partial/all", style="dim"))
    if 0 < len(rows) <= DETAIL_UP_TO:
        for row in rows:
            _detail(screen, row)
    tally = Table(title="Barriers councils cite", title_justify="left", header_style="bold")
    for name in ("barrier", "councils", "who"):
        tally.add_column(name, no_wrap=name == "councils")
    for barrier in comparison.barriers:
        who = ", ".join(short_name(m.council) or m.council for m in barrier.mentions)
        tally.add_row(barrier.name, str(len(barrier.mentions)), tidy(who, 160))
    screen.print(tally)
    for note in comparison.notes:
        screen.print(Text(note, style="yellow"))
    if written:
        screen.print(Text("Written: ") + Text(", ".join(str(p) for p in written), style="bold")
                     + Text(" (every question's quote and page, every barrier's quotes)."))
    else:
        screen.print(Text("Quotes for every question and barrier: --out FILE.xlsx, FILE.csv or FILE.md.", style="dim"))
    screen.print(Text(f"Read {comparison.documents_read} document(s), {comparison.documents_cached} from the cache. "
                      + ATTRIBUTION, style="dim"))


def _detail(screen, row) -> None:
    from rich.text import Text

    screen.print(Text(f"\n{row.council}", style="bold") + Text(f" — {Path(row.document.source).name} ({row.basis})"))
    for t in row.themes:
        screen.print(Text(f"Theme {t.theme} ", style="bold") + Text(t.status, style=STYLE[t.status]))
        for q in t.questions:
            best = q.evidence[0] if q.evidence else None
            line = Text(f"  {q.id} ") + Text(SYMBOL[q.status], style=STYLE[q.status])
            if best:
                line += Text(f" “{tidy(best.quote, 160)}” (p. {best.page})")
            screen.print(line)
