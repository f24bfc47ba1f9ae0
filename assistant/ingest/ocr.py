"""Scanned PDF pages -> text with Tesseract.

A page whose text layer is empty (or holds only a scanner's stamp) but that draws an image is
rendered by PDFium (pypdfium2, bundled in its wheel) at OCR_DPI and read by the ``tesseract``
program. The program is found on PATH, or named by ASSISTANT_TESSERACT (a path or command
name); the language by ASSISTANT_OCR_LANG (default "eng", Tesseract's +-joined form for
several). The OCR'd text *is* the page's text from then on, so quotes stay verbatim
substrings of it; Tesseract gives the same text for the same page every time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from assistant.errors import UserError
from assistant.models import Page

TESSERACT_ENV = "ASSISTANT_TESSERACT"
LANG_ENV = "ASSISTANT_OCR_LANG"
# Tesseract is trained on ~300 dpi scans; lower loses small print, higher only costs time.
OCR_DPI = 300
MAX_PIXELS = 60_000_000  # an A0 drawing at 300 dpi would be ~140 Mpx: render it smaller instead
# A page whose text layer has fewer non-space characters than this is treated as a scan: scanner
# apps stamp "Scanned with CamScanner" (21) on image pages, while a typed page has hundreds.
MIN_TEXT_CHARS = 25
PAGE_TIMEOUT_S = 180  # a dense A3 page takes ~10 s on one core; this only catches a hung process
INSTALL_HINT = ("install Tesseract OCR (Debian/Ubuntu: apt-get install tesseract-ocr; macOS: brew install "
                "tesseract; Windows: install Tesseract and set ASSISTANT_TESSERACT to tesseract.exe), "
                "then ingest the file again")

OnPage = Callable[[int, int, int], None]  # (page number, pages done, pages to do)


class OcrUnavailable(Exception):
    """Why OCR cannot run here, in words an officer can act on."""


class OcrFailed(Exception):
    """Tesseract ran but could not read a page."""


def language() -> str:
    return os.environ.get(LANG_ENV) or "eng"


def tesseract_command() -> str | None:
    """The tesseract program to run: ASSISTANT_TESSERACT if set, else the one on PATH."""
    configured = os.environ.get(TESSERACT_ENV)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        return shutil.which(configured)
    return shutil.which("tesseract")


def check() -> str:
    """The tesseract command line to use; raises OcrUnavailable saying what is missing."""
    command = tesseract_command()
    where = f"{TESSERACT_ENV}={os.environ[TESSERACT_ENV]}" if os.environ.get(TESSERACT_ENV) else "on PATH"
    if not command:
        raise OcrUnavailable(f"Tesseract OCR was not found ({where}): {INSTALL_HINT}")
    try:
        listed = subprocess.run([command, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"Tesseract at {command} does not run ({exc}): {INSTALL_HINT}") from exc
    have = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()[1:] if line.strip()}
    missing = [lang for lang in language().split("+") if lang not in have]
    if missing:
        raise OcrUnavailable(f"Tesseract has no '{'+'.join(missing)}' language data: install it "
                             f"(Debian/Ubuntu: apt-get install tesseract-ocr-{missing[0]}), or set "
                             f"{LANG_ENV} to one of: {', '.join(sorted(have)) or 'none installed'}")
    try:
        import pypdfium2  # noqa: F401
    except ImportError as exc:
        raise OcrUnavailable("the PDF renderer is missing: pip install pypdfium2") from exc
    return command


def ocr_available() -> tuple[bool, str]:
    """For `assistant doctor`: can scanned pages be read, and if not, what to do."""
    try:
        command = check()
    except OcrUnavailable as exc:
        return False, f"scanned PDF pages cannot be read: {exc}"
    version = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=30)
    first = (version.stdout or version.stderr).strip().splitlines()
    return True, f"{first[0] if first else 'tesseract'} ({command}, language {language()})"


def read_scans(path: Path, raw: bytes, pages: list[Page], on_page: OnPage | None = None) -> tuple[list[Page], list[str]]:
    """OCR a PDF's pages that have no text layer but draw an image. Without Tesseract (or if it
    fails) those pages stay empty and are named in a warning; a PDF with no other text fails."""
    textless = [p.number for p in pages if is_textless(p.text)]
    scans = pages_with_images(raw, textless) if textless else []
    if not scans:
        return pages, []
    only_scans = all(p.number in scans or not p.text.strip() for p in pages)
    try:
        texts = ocr_pdf_pages(raw, scans, check(), on_page)
    except OcrUnavailable as exc:
        if only_scans:
            raise UserError(f"{path}: no text layer on any page (a scanned document), and {exc}.") from exc
        return pages, [f"{page_list(scans)} not indexed: no text layer (scanned) and {exc}."]
    except OcrFailed as exc:
        fix = "Check the file opens in a PDF reader, or set ASSISTANT_TESSERACT to a working tesseract."
        if only_scans:
            raise UserError(f"{path}: no text layer on any page, and OCR failed: {exc}. {fix}") from exc
        return pages, [f"{page_list(scans)} not indexed: no text layer (scanned) and OCR failed: {exc}. {fix}"]
    return [p.model_copy(update={"text": texts[p.number], "ocr": True}) if p.number in texts else p
            for p in pages], []


def is_textless(text: str) -> bool:
    return len(re.sub(r"\s+", "", text)) < MIN_TEXT_CHARS


def pages_with_images(raw: bytes, numbers: list[int]) -> list[int]:
    """Of these pages, those that draw an image (a scan); a page drawing nothing is blank."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(raw)
    except Exception:  # noqa: BLE001 - pypdf read it; if PDFium cannot, let OCR report the page
        return numbers
    try:
        found = []
        for n in numbers:
            try:
                page = pdf[n - 1]
                draws_image = next(iter(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))), None) is not None
            except Exception:  # noqa: BLE001 - a damaged page: OCR decides
                draws_image = True
            if draws_image:
                found.append(n)
        return found
    finally:
        pdf.close()


def ocr_pdf_pages(raw: bytes, numbers: list[int], command: str, on_page: OnPage | None = None) -> dict[int, str]:
    """OCR the given pages (numbered from 1); returns page number -> text."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(raw)
    except Exception as exc:  # noqa: BLE001 - PDFium's errors for files pypdf could read
        raise OcrFailed(f"the PDF could not be rendered for OCR ({exc})") from exc
    texts: dict[int, str] = {}
    try:
        for done, n in enumerate(numbers, start=1):
            try:
                page = pdf[n - 1]
                width, height = page.get_size()  # points
                scale = OCR_DPI / 72
                if width * height * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (width * height)) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
            except Exception as exc:  # noqa: BLE001
                raise OcrFailed(f"page {n} could not be rendered for OCR ({exc})") from exc
            texts[n] = tidy(run_tesseract(command, _pgm(bitmap), round(scale * 72), n))
            if on_page:
                on_page(n, done, len(numbers))
    finally:
        pdf.close()
    return texts


def _pgm(bitmap) -> bytes:
    """An 8-bit grey bitmap as a binary PGM image, which Tesseract reads from stdin (no Pillow needed)."""
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    buffer = bytes(bitmap.buffer)
    if stride == width:
        pixels = buffer[:width * height]
    else:
        pixels = b"".join(buffer[y * stride:y * stride + width] for y in range(height))
    return b"P5\n%d %d\n255\n" % (width, height) + pixels


def run_tesseract(command: str, image: bytes, dpi: int, page: int) -> str:
    args = [command, "stdin", "stdout", "-l", language(), "--dpi", str(dpi), "--psm", "3"]
    # Tesseract's OpenMP threads cost 4x the CPU for one page and are 4x slower on a busy machine
    # (8.9 vs 2.0 CPU-s, 39 vs 10 s a dense A4 page at load 17 on the dev machine)
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    try:
        done = subprocess.run(args, input=image, capture_output=True, timeout=PAGE_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired as exc:
        raise OcrFailed(f"page {page}: Tesseract took longer than {PAGE_TIMEOUT_S} s") from exc
    except OSError as exc:
        raise OcrFailed(f"page {page}: Tesseract could not start ({exc})") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed(f"page {page}: Tesseract failed ({detail[-1] if detail else f'exit {done.returncode}'})")
    return done.stdout.decode("utf-8", "replace")


_WORDLIKE = re.compile(r"[^\W\d_]{3,}|\d{2,}")


def tidy(text: str) -> str:
    """Tesseract's output as page text: no form feed, no trailing spaces, and no lines of
    specks (a stamp or a photo read as "| ee ."), which have no word of three letters or a number."""
    lines = [line.rstrip() for line in text.replace("\f", "\n").split("\n")]
    kept = [line if _WORDLIKE.search(line) else "" for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def page_list(numbers: list[int]) -> str:
    """[2, 3, 4, 7] -> "pages 2-4, 7"."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"page{'s' if len(numbers) > 1 else ''} {text}"
