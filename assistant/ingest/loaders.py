"""Files -> pages of text. PDF (pypdf, page numbers kept; scanned pages OCR'd, see ocr.py),
DOCX (python-docx, headings and lists kept, pages from page breaks), Markdown and plain text
(form feeds split pages), saved web pages (html.py: main content only, one page each).

Several files of one document (a plan published as one web page per theme) load as one
document through a *bundle* path, their paths joined by " + " (see bundle_path): page N is
file N's page, and the document id is the hash of their bytes in order.

Every failure is a UserError that names the file and what to do about it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant.errors import UserError
from assistant.models import Page

SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
            ".html": "html", ".htm": "html"}
BUNDLE_SEP = " + "  # joins the paths of a document made of several files (manifest `paths = [...]`)

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
    date: str = ""  # YYYY-MM-DD from the file's own metadata (a web page's <meta>); "" if none
    council: str = ""  # the publisher the file names (a web page's og:site_name); "" if none
    warnings: list[str] = field(default_factory=list)  # indexed, but something was left out (unread scans)
    running: list[str] = field(default_factory=list)  # running headers and footers, not in the pages' text


def clean_text(text: str) -> str:
    """Normalise line ends and drop invisible characters. Quotes are verbatim substrings
    of the text *after* this step (it never changes visible characters)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", text)


def supported(path: Path) -> bool:
    """A file ingest reads: a known type, and not part of a saved web page's "<page>_files" folder
    (its scripts, images and frames belong to the page, which is read on its own)."""
    path = Path(path)
    return path.suffix.lower() in SUFFIXES and _saved_page_of(path) is None


def _saved_page_of(path: Path) -> Path | None:
    for folder in path.parents:
        if folder.name.endswith("_files"):
            stem = folder.name[:-len("_files")]
            for suffix in (".html", ".htm"):
                if (folder.parent / (stem + suffix)).is_file():
                    return folder.parent / (stem + suffix)
    return None


def saved_page_html(folder: Path) -> Path | None:
    """The page of a folder holding a saved web page ("Plan.html" beside "Plan_files/")."""
    pages = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".html", ".htm"))
    with_assets = [p for p in pages if (folder / (p.stem + "_files")).is_dir()]
    if len(with_assets) == 1:
        return with_assets[0]
    if len(pages) == 1 and any(d.is_dir() and d.name.endswith("_files") for d in folder.iterdir()):
        return pages[0]
    return None


def bundle_path(paths: list[Path]) -> Path:
    """One path naming several files read as one document, in order."""
    return Path(BUNDLE_SEP.join(str(Path(p)) for p in paths))


def bundle_parts(path: Path) -> list[Path] | None:
    """The files of a bundle path, or None if it is an ordinary path."""
    text = str(path)
    if BUNDLE_SEP not in text or Path(path).exists():
        return None
    parts = [Path(p) for p in text.split(BUNDLE_SEP)]
    return parts if len(parts) > 1 else None


OnOcrPage = Callable[[int, int, int], None]  # (page number, pages done, pages to OCR)


def load_file(path: Path, max_bytes: int = 50 * 1024 * 1024, on_ocr_page: OnOcrPage | None = None) -> LoadedFile:
    path = Path(path)
    parts = bundle_parts(path)
    if parts:
        return _load_bundle(path, parts, max_bytes, on_ocr_page)
    if not path.exists():
        raise UserError(f"{path}: no such file. Check the path (quote it if it has spaces).")
    if path.is_dir():
        page = saved_page_html(path)
        if page is None:
            raise UserError(f"{path}: is a folder. Pass the files, or the folder's contents (e.g. {path}/*.pdf).")
        path = page
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        kinds = ", ".join(sorted(SUFFIXES))
        raise UserError(f"{path}: unsupported file type '{path.suffix or '(none)'}'. Supported: {kinds}. "
                        "Save the document as PDF, DOCX, HTML, Markdown or UTF-8 text.")
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path}: the file is empty. Check you exported the right file.")
    if size > max_bytes:
        raise UserError(f"{path}: {size / MB:.1f} MB is over the {max_bytes / MB:g} MB limit. "
                        "Split the document, or raise ASSISTANT_MAX_FILE_MB.")
    raw = path.read_bytes()
    if fmt == "docx":
        _refuse_zip_bomb(path, raw, max_bytes)
    date = council = ""
    warnings: list[str] = []
    running: list[str] = []
    if fmt == "pdf":
        pages, title, warnings, running = _load_pdf(path, raw, on_ocr_page)
    elif fmt == "html":
        pages, title, date, council = _load_html(path, raw)
    elif fmt == "docx":
        pages, title, running = _load_docx(path, raw)
    else:
        pages, title = _load_text(path, raw)
    pages = [p.model_copy(update={"text": clean_text(p.text)}) for p in pages]
    if not any(p.text.strip() for p in pages):
        raise UserError(f"{path}: no text found in the file."
                        + (" Save the page again once it has loaded fully (File > Save as, 'Webpage, complete')."
                           if fmt == "html" else ""))
    return LoadedFile(path=path, pages=pages, title=clean_text(title).strip(), format=fmt, raw=raw,
                      date=date, council=clean_text(council).strip(), warnings=warnings,
                      running=[clean_text(line).strip() for line in running])


def _load_bundle(path: Path, parts: list[Path], max_bytes: int, on_ocr_page: OnOcrPage | None) -> LoadedFile:
    """Several files as one document: their pages in order, numbered on (file N's page is page N
    when each file is one web page); metadata from the first file that has it."""
    loaded = [load_file(part, max_bytes, on_ocr_page) for part in parts]
    pages: list[Page] = []
    for one in loaded:
        for page in one.pages:
            pages.append(page.model_copy(update={"number": len(pages) + 1}))
    first = loaded[0]
    return LoadedFile(path=path, pages=pages, title=next((f.title for f in loaded if f.title), ""),
                      format=first.format if all(f.format == first.format for f in loaded) else "bundle",
                      raw=b"".join(f.raw for f in loaded), date=next((f.date for f in loaded if f.date), ""),
                      council=next((f.council for f in loaded if f.council), ""),
                      warnings=[f"{f.path.name}: {w}" for f in loaded for w in f.warnings],
                      running=list(dict.fromkeys(line for f in loaded for line in f.running)))


def _load_html(path: Path, raw: bytes) -> tuple[list[Page], str, str, str]:
    from lxml import etree

    from assistant.ingest.html import NotHtml, load_html

    try:
        page = load_html(raw)
    except NotHtml as exc:
        raise UserError(f"{path}: not a web page: {exc}. Check you saved the page as HTML.") from exc
    except (ValueError, etree.LxmlError) as exc:
        raise UserError(f"{path}: not a readable web page ({type(exc).__name__}). Save it again from the "
                        "browser (File > Save as) and ingest that.") from exc
    return [Page(number=1, text=page.text)], page.title, page.date, page.publisher


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


def _text_encoding(raw: bytes) -> str:
    """UTF-8 unless a byte-order mark says otherwise, or the NUL bytes of UTF-16/32 without
    one show through (every other byte NUL in English text saved as "Unicode" by Notepad)."""
    import codecs

    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return encoding
    head = raw[:4096]
    if len(head) >= 8 and head.count(0) * 4 >= len(head):
        for width, endian in ((4, "le"), (4, "be"), (2, "le"), (2, "be")):
            at = width - 1 if endian == "be" else 0  # where the character byte sits in each unit
            units = [head[i:i + width] for i in range(0, len(head) - width + 1, width)]
            text_units = sum(1 for u in units if u[at] and not any(b for j, b in enumerate(u) if j != at))
            if text_units * 10 >= len(units) * 9:
                return f"utf-{width * 8}-{endian}"
    return "utf-8-sig"


def _load_text(path: Path, raw: bytes) -> tuple[list[Page], str]:
    encoding = _text_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = encoding.replace("-sig", "").upper()
        source = "WINDOWS-1252" if name == "UTF-8" else name  # Word and Excel's "Text" exports
        raise UserError(f"{path}: not readable as {name} text (byte {exc.start} cannot be read). Re-save it as "
                        f"UTF-8, e.g. iconv -f {source} -t UTF-8 '{path}' > fixed{path.suffix}") from exc
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


def _load_pdf(path: Path, raw: bytes, on_ocr_page: OnOcrPage | None = None) -> tuple[list[Page], str, list[str]]:
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
    from assistant.ingest.ocr import read_scans

    pages, warnings = read_scans(path, raw, pages, on_ocr_page)
    pages, running = drop_running_lines(pages)
    return pages, title, warnings, running


def drop_running_lines(pages: list[Page], edge: int = 3, share: float = 0.6) -> tuple[list[Page], list[str]]:
    """Remove running headers and footers: a line among the first or last ``edge`` lines
    of most pages ("Anytown Council – Productivity Plan 2024", "Page 3 of 12"), compared
    with its digits masked. They would otherwise be quoted as if they said something.
    Returns the pages and the running lines (as first written), which say whose the document is."""
    if len(pages) < 3:
        return pages, []

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
        return pages, []
    cleaned, dropped = [], {}
    for page in pages:
        lines = page.text.split("\n")
        nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
        at_edge = set(nonblank[:edge] + nonblank[-edge:])
        kept = [ln for i, ln in enumerate(lines) if not (i in at_edge and key(ln) in running)]
        dropped.update({key(ln): ln.strip() for i, ln in enumerate(lines)
                        if i in at_edge and key(ln) in running and key(ln) not in dropped})
        cleaned.append(page.model_copy(update={"text": "\n".join(kept)}))
    return cleaned, list(dropped.values())


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _load_docx(path: Path, raw: bytes) -> tuple[list[Page], str, list[str]]:
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
    running: list[str] = []
    try:  # a Word file's running headers and footers live apart from its body
        for section in document.sections:
            for part in (section.header, section.footer):
                running += [p.text.strip() for p in part.paragraphs if p.text.strip()]
    except Exception:  # noqa: BLE001 - a damaged header must not stop the body's text
        running = []
    return ([Page(number=i, text="\n\n".join(lines)) for i, lines in enumerate(pages, start=1)], title,
            list(dict.fromkeys(running)))


def _heading_level(style: str) -> int:
    match = re.search(r"(\d+)", style)
    return min(int(match.group(1)) + 1, 6) if match else 2
