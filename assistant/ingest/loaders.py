"""Files -> pages of text. PDF (pypdf, page numbers kept), DOCX (python-docx, headings
and lists kept, pages from page breaks), Markdown and plain text (form feeds split pages).

Every failure is a UserError that names the file and what to do about it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UserError
from assistant.models import Page

SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text"}

MB = 1024 * 1024  # ASSISTANT_MAX_FILE_MB counts in these
EXPANSION_ALLOWED = 4  # a .docx may expand to this many times the size limit (XML compresses well)

# Characters that carry no text: controls (except tab and newline; C1 too, which some
# terminals obey as escape sequences) and zero-width marks.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")


@dataclass
class LoadedFile:
    path: Path
    pages: list[Page]
    title: str  # from the file's own metadata or first heading; "" if none
    format: str
    raw: bytes  # the bytes the document id is hashed from


def clean_text(text: str) -> str:
    """Normalise line ends and drop invisible characters. Quotes are verbatim substrings
    of the text *after* this step (it never changes visible characters)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", text)


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def load_file(path: Path, max_bytes: int = 50 * 1024 * 1024) -> LoadedFile:
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file. Check the path (quote it if it has spaces).")
    if path.is_dir():
        raise UserError(f"{path}: is a folder. Pass the files, or the folder's contents (e.g. {path}/*.pdf).")
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        kinds = ", ".join(sorted(SUFFIXES))
        raise UserError(f"{path}: unsupported file type '{path.suffix or '(none)'}'. Supported: {kinds}. "
                        "Save the document as PDF, DOCX, Markdown or UTF-8 text.")
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path}: the file is empty. Check you exported the right file.")
    if size > max_bytes:
        raise UserError(f"{path}: {size / MB:.1f} MB is over the {max_bytes / MB:g} MB limit. "
                        "Split the document, or raise ASSISTANT_MAX_FILE_MB.")
    raw = path.read_bytes()
    if fmt == "docx":
        _refuse_zip_bomb(path, raw, max_bytes)
    loader = {"pdf": _load_pdf, "docx": _load_docx, "markdown": _load_text, "text": _load_text}[fmt]
    pages, title = loader(path, raw)
    pages = [Page(number=p.number, text=clean_text(p.text)) for p in pages]
    if not any(p.text.strip() for p in pages):
        hint = " It may be a scan: run OCR first (e.g. ocrmypdf)." if fmt == "pdf" else ""
        raise UserError(f"{path}: no text found in the file.{hint}")
    return LoadedFile(path=path, pages=pages, title=clean_text(title).strip(), format=fmt, raw=raw)


def _refuse_zip_bomb(path: Path, raw: bytes, max_bytes: int) -> None:
    """A .docx is a zip, and python-docx expands every part in memory: refuse one whose
    parts expand to far more than the size limit allows."""
    import io
    import zipfile

    try:
        expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return  # not a readable zip: the loader says so
    if expanded > EXPANSION_ALLOWED * max_bytes:
        raise UserError(f"{path}: the Word file expands to {expanded / MB:.0f} MB, over {EXPANSION_ALLOWED} times the "
                        f"{max_bytes / MB:g} MB limit (a damaged or malicious file). Re-save it from Word, "
                        "or raise ASSISTANT_MAX_FILE_MB if it is genuine.")


def _load_text(path: Path, raw: bytes) -> tuple[list[Page], str]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start} cannot be read). Re-save it as UTF-8, "
                        f"e.g. iconv -f WINDOWS-1252 -t UTF-8 '{path}' > fixed{path.suffix}") from exc
    if "\x00" in text:
        raise UserError(f"{path}: looks like a binary file, not text. Export it as PDF, DOCX or text.")
    # pdftotext and some exports separate pages with form feeds
    pages = [Page(number=i, text=t) for i, t in enumerate(text.split("\f"), start=1)]
    title = ""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            title = stripped if len(stripped) <= 120 else ""
            break
    return pages, title


def _load_pdf(path: Path, raw: bytes) -> tuple[list[Page], str]:
    import io
    import logging

    from pypdf import PdfReader

    # pypdf logs each repair it makes to a damaged file; the officer gets our one message instead
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            # many council PDFs are "encrypted" with an empty password only to stop editing
            try:
                ok = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported crypto
                ok = 0
            if not ok:
                raise UserError(f"{path}: the PDF is password-protected. Save an unprotected copy "
                                "(e.g. qpdf --decrypt --password=... in.pdf out.pdf) and ingest that.")
        pages = [Page(number=i, text=page.extract_text() or "") for i, page in enumerate(reader.pages, start=1)]
        title = ""
        try:
            title = str((reader.metadata or {}).get("/Title") or "")
        except Exception:  # noqa: BLE001 - broken metadata must not stop the text
            title = ""
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - fuzzing finds ever more types (NotImplementedError, zlib.error...)
        # pypdf signals damaged files with a wide range of exceptions
        raise UserError(f"{path}: the PDF is damaged or not a PDF ({type(exc).__name__}). "
                        "Re-export or re-download it.") from exc
    return drop_running_lines(pages), title


def drop_running_lines(pages: list[Page], edge: int = 3, share: float = 0.6) -> list[Page]:
    """Remove running headers and footers: a line among the first or last ``edge`` lines
    of most pages ("Anytown Council – Productivity Plan 2024", "Page 3 of 12"), compared
    with its digits masked. They would otherwise be quoted as if they said something."""
    if len(pages) < 3:
        return pages

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    def edges(text: str) -> set[str]:
        lines = [ln for ln in text.split("\n") if ln.strip()]
        return {key(ln) for ln in lines[:edge] + lines[-edge:]}

    counts: dict[str, int] = {}
    for page in pages:
        for k in edges(page.text):
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, n in counts.items() if n >= max(3, share * len(pages))}
    if not running:
        return pages
    cleaned = []
    for page in pages:
        lines = page.text.split("\n")
        nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
        at_edge = set(nonblank[:edge] + nonblank[-edge:])
        kept = [ln for i, ln in enumerate(lines) if not (i in at_edge and key(ln) in running)]
        cleaned.append(Page(number=page.number, text="\n".join(kept)))
    return cleaned


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _load_docx(path: Path, raw: bytes) -> tuple[list[Page], str]:
    import io
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UserError(f"{path}: not a readable Word (.docx) file ({type(exc).__name__}). "
                        "Open it in Word and save as .docx again (old .doc files must be converted).") from exc
    except Exception as exc:  # noqa: BLE001 - lxml and python-docx raise many types on broken XML
        raise UserError(f"{path}: the Word file is damaged ({type(exc).__name__}). Re-save it from Word.") from exc

    body = document.element.body
    # Word records where it broke pages when it last laid the document out; use those if
    # present, otherwise the explicit page breaks the author inserted.
    rendered = any(True for _ in body.iter(_W + "lastRenderedPageBreak"))
    pages: list[list[str]] = [[]]
    title = (document.core_properties.title or "").strip()

    def breaks_in(element) -> int:
        if rendered:
            return sum(1 for _ in element.iter(_W + "lastRenderedPageBreak"))
        return sum(1 for br in element.iter(_W + "br") if br.get(_W + "type") == "page")

    for block in body.iterchildren():
        tag = block.tag
        if tag == _W + "p":
            from docx.text.paragraph import Paragraph

            paragraph = Paragraph(block, document)
            n_breaks = breaks_in(block)
            text = paragraph.text.strip()
            # a break at the start of a paragraph puts the paragraph on the new page
            for _ in range(n_breaks):
                pages.append([])
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style.startswith("Heading") or style == "Title":
                level = 1 if style == "Title" else _heading_level(style)
                line = "#" * level + " " + text
                if not title and style == "Title":
                    title = text
            elif "List" in style or block.find(f"{_W}pPr/{_W}numPr") is not None:
                line = "- " + text
            else:
                line = text
            pages[-1].append(line)
        elif tag == _W + "tbl":
            from docx.table import Table

            for _ in range(breaks_in(block)):
                pages.append([])
            for row in Table(block, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip().replace("\n", " ")
                    if value and (not cells or cells[-1] != value):  # merged cells repeat
                        cells.append(value)
                if cells:
                    pages[-1].append(" | ".join(cells))
    if not title:
        for lines in pages:
            for line in lines:
                if line.startswith("#"):
                    title = line.lstrip("#").strip()
                    break
            if title:
                break
    return [Page(number=i, text="\n\n".join(lines)) for i, lines in enumerate(pages, start=1)], title


def _heading_level(style: str) -> int:
    match = re.search(r"(\d+)", style)
    return min(int(match.group(1)) + 1, 6) if match else 2
