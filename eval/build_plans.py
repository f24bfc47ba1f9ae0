"""Render the fictional councils' plans to the PDF and Word files the evaluation indexes.

    .venv/bin/python eval/build_plans.py            # writes into eval/plans/
    .venv/bin/python eval/build_plans.py --out DIR  # writes elsewhere (the integrity test does)

Every `[[document]]` in eval/plans/manifest.toml whose path ends in .pdf or .docx is built
from eval/plans/sources/<same stem>.md, a small Markdown subset:

    # Title                  first line; the document's title
    ## Heading / ### Sub     section headings (Word: Heading 1 / Heading 2 styles)
    - item                   bullet list item
    | a | b |                table row (the first row is the header; |---| lines are skipped)
    **bold**                 inline bold
    [[contents]]             PDF only: a contents page listing the ## headings with page numbers
    [[pagebreak]]            start a new page (Word: an explicit page break)
    anything else            paragraphs, separated by blank lines

PDFs use a core font (Helvetica, Windows-1252) so that pypdf extracts the text, with a running
header "<council> — Productivity Plan 2024" and a footer "Page N of M" on every page, as
council PDFs have; the loader is expected to drop those. Output is byte-stable for a given
fpdf2 / python-docx version (fixed dates, fixed zip timestamps); across versions the
integrity test compares the extracted text instead.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

PLANS = Path(__file__).resolve().parent / "plans"
FIXED_DATE = datetime(2024, 7, 1, 9, 0, 0, tzinfo=timezone.utc)
BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class Block:
    kind: str  # title | h2 | h3 | para | bullet | table | contents | pagebreak
    text: str = ""
    rows: list[list[str]] | None = None


def parse(source: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("para", " ".join(para)))
            para.clear()

    for raw in source.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line in ("[[contents]]", "[[pagebreak]]"):
            flush()
            blocks.append(Block(line.strip("[]")))
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
        elif line.startswith("### "):
            flush()
            blocks.append(Block("h3", line[4:]))
        elif line.startswith("## "):
            flush()
            blocks.append(Block("h2", line[3:]))
        elif line.startswith("# "):
            flush()
            blocks.append(Block("title", line[2:]))
        elif line.startswith("- "):
            flush()
            blocks.append(Block("bullet", line[2:]))
        else:
            para.append(line)
    flush()
    return blocks


def header_text(entry: dict) -> str:
    if entry.get("kind") == "plan":
        return f"{entry['council']} — Productivity Plan 2024"
    return f"{entry['council']} — {entry['title']}"


# ---------------------------------------------------------------- PDF


def _pdf(blocks: list[Block], entry: dict, contents_pages: dict[str, int]) -> tuple[bytes, dict[str, int]]:
    from fpdf import FPDF

    running = header_text(entry)

    class PlanPDF(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, running, align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = PlanPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(entry["title"])
    pdf.set_author(entry["council"])
    pdf.set_producer("eval/build_plans.py")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 15, 20)
    pdf.add_page()
    pages: dict[str, int] = {}
    width = pdf.w - pdf.l_margin - pdf.r_margin

    for block in blocks:
        if block.kind == "title":
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(width, 9, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif block.kind == "contents":
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 14)
            pdf.cell(width, 8, "Contents", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            pdf.set_font("Helvetica", size=11)
            for heading in (b.text for b in blocks if b.kind == "h2"):
                top = pdf.get_y()
                pdf.multi_cell(width - 15, 6, heading, new_x="LMARGIN", new_y="NEXT")
                bottom = pdf.get_y()
                pdf.set_xy(pdf.l_margin + width - 15, top)
                pdf.cell(15, 6, str(contents_pages.get(heading, 0)), align="R")
                pdf.set_xy(pdf.l_margin, bottom + 3)
            pdf.add_page()
        elif block.kind == "pagebreak":
            pdf.add_page()
        elif block.kind == "h2":
            if pdf.get_y() > pdf.h - 60:
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(width, 7, block.text, new_x="LMARGIN", new_y="NEXT")
            pages[block.text] = pdf.page_no()
            pdf.ln(2)
        elif block.kind == "h3":
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(width, 6, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif block.kind == "para":
            pdf.set_font("Helvetica", size=10.5)
            pdf.multi_cell(width, 5.5, block.text, markdown=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif block.kind == "bullet":
            pdf.set_font("Helvetica", size=10.5)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(width - 4, 5.5, "• " + block.text, markdown=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif block.kind == "table":
            pdf.set_font("Helvetica", size=10)
            with pdf.table(text_align="LEFT", line_height=6) as table:
                for cells in block.rows:
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)
            pdf.ln(3)
    return bytes(pdf.output()), pages


def build_pdf(source: str, entry: dict) -> bytes:
    blocks = parse(source)
    # Two passes: the first finds the page of each heading for the contents page.
    _, pages = _pdf(blocks, entry, {})
    data, pages_again = _pdf(blocks, entry, pages)
    if pages_again != pages:
        raise RuntimeError(f"{entry['path']}: the contents page changed the layout; shorten the headings")
    return data


# ---------------------------------------------------------------- Word


def _runs(paragraph, text: str) -> None:
    for i, part in enumerate(BOLD.split(text)):
        if part:
            paragraph.add_run(part).bold = bool(i % 2)


def _page_field(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def build_docx(source: str, entry: dict) -> bytes:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author = entry["title"], entry["council"]
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_modified_by, props.revision = entry["council"], 1
    section = document.sections[0]
    section.header.paragraphs[0].text = header_text(entry)
    footer = section.footer.paragraphs[0]
    footer.text = "Page "
    _page_field(footer)

    for block in parse(source):
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind == "h2":
            document.add_heading(block.text, level=1)
        elif block.kind == "h3":
            document.add_heading(block.text, level=2)
        elif block.kind == "para":
            _runs(document.add_paragraph(), block.text)
        elif block.kind == "bullet":
            _runs(document.add_paragraph(style="List Bullet"), block.text)
        elif block.kind == "table":
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]), style="Table Grid")
            for r, cells in enumerate(block.rows):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
        elif block.kind == "pagebreak":
            document.add_page_break()
        # [[contents]] in Word is left to Word's own TOC field; the sources that use it are PDFs

    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed entry timestamps, so an unchanged source gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 7, 1, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- driver


def rendered_entries(manifest: Path = PLANS / "manifest.toml") -> list[dict]:
    documents = tomllib.loads(manifest.read_text(encoding="utf-8"))["document"]
    return [d for d in documents if Path(d["path"]).suffix in (".pdf", ".docx")]


def build(out: Path, plans: Path = PLANS) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in rendered_entries(plans / "manifest.toml"):
        target = Path(entry["path"])
        source = plans / "sources" / f"{target.stem}.md"
        if not source.is_file():
            raise SystemExit(f"{source}: missing; {entry['path']} in {plans / 'manifest.toml'} is built from it.")
        text = source.read_text(encoding="utf-8")
        data = build_pdf(text, entry) if target.suffix == ".pdf" else build_docx(text, entry)
        (out / target.name).write_bytes(data)
        written.append(out / target.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PLANS, help="folder to write into (default eval/plans)")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
