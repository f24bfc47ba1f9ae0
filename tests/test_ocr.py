"""Scanned PDF pages: OCR'd with Tesseract when it is installed (and marked as OCR'd); without it,
each unread page is reported by file and number with the fix, and the rest is indexed."""

from __future__ import annotations

import os

import pytest

from assistant.errors import UserError
from assistant.ingest import ocr
from assistant.ingest.loaders import load_file

TYPED = ("Anyshire District Council Productivity Plan 2024. Our shared revenues and benefits service "
         "with two neighbouring councils saves four hundred thousand pounds a year.")
SCANNED = ["Signed letter from the Leader of the Council.",
           "The council will close the Marsh Lane depot in 2025 and move",
           "the refuse vehicle fleet to the Station Road site, which",
           "will save the cost of running two depots."]
NO_TESSERACT = {"ASSISTANT_TESSERACT": "/nonexistent/tesseract"}


def said(result: dict) -> str:
    """Everything ingest told the officer about one file."""
    return " ".join([result["message"], *result.get("warnings", [])])


def needs_tesseract():
    available, why = ocr.ocr_available()
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Tesseract (.ci/run): {why}")
        pytest.skip(why)


def scan_image(lines: list[str]):
    """A page of text as a 300 dpi A4 greyscale image, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for i, line in enumerate(lines):
        draw.text((220, 300 + i * 80), line, font=font, fill=0)
    return image


def make_scanned_pdf(path, typed: list[str], scanned: list[list[str]]):
    """Pages with a text layer (fpdf2), then pages that are only an image of text."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for text in typed:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    for lines in scanned:
        pdf.add_page()
        pdf.image(scan_image(lines), x=0, y=0, w=210, h=297)
    pdf.output(str(path))
    return path


@pytest.fixture
def part_scanned(tmp_path):
    return make_scanned_pdf(tmp_path / "anyshire-plan.pdf", [TYPED], [SCANNED])


def test_scanned_page_is_read_by_ocr_and_marked(part_scanned):
    needs_tesseract()
    steps = []
    loaded = load_file(part_scanned, on_ocr_page=lambda *step: steps.append(step))
    typed, scanned = loaded.pages
    assert not typed.ocr and "shared revenues and benefits" in typed.text
    assert scanned.ocr and "Marsh Lane depot" in scanned.text and "Station Road" in scanned.text
    assert steps == [(2, 1, 1)]  # one progress step per OCR'd page
    assert loaded.warnings == []

    from assistant.guidance import load_guidance
    from assistant.ingest.chunking import chunk_document
    from assistant.models import Document
    from assistant.resources import corpus_dir

    guidance = load_guidance(corpus_dir() / "guidance" / "productivity-plans-2024.toml")
    chunks = chunk_document(Document(id="d", source=str(part_scanned), pages=2), loaded.pages, guidance)
    assert {(c.page, c.ocr) for c in chunks} == {(1, False), (2, True)}


@pytest.mark.slow
def test_ocr_page_answers_a_question_with_its_page_number(cli, home, part_scanned):
    needs_tesseract()
    result = cli("ingest", part_scanned, "--council", "Anyshire District Council", "--kind", "plan", "--json",
                 home=home)
    assert result.code == 0, result.stderr
    assert "not indexed" not in said(result.json["results"][0])
    answer = cli("ask", "Which depot will the council close?", "--json", home=home).json
    assert not answer["refused"]
    cited = answer["citations"][0]
    assert cited["page"] == 2 and "Marsh Lane depot" in cited["quote"]
    assert cited["quote"] in load_file(cited["source"]).pages[1].text  # OCR gives the same text again
    assert cited["ocr"] is True  # the citation says the page was read by OCR
    shown = cli("ask", "Which depot will the council close?", home=home).stdout
    assert "p. 2, OCR" in " ".join(shown.split())


def test_without_tesseract_the_scanned_page_is_reported_and_the_rest_indexed(cli, home, part_scanned):
    result = cli("ingest", part_scanned, "--council", "Anyshire District Council", "--kind", "plan", "--json",
                 home=home, env=NO_TESSERACT)
    assert result.code == 0, result.stderr
    outcome = result.json["results"][0]
    assert outcome["status"] == "added"
    assert outcome["path"].endswith("anyshire-plan.pdf")
    assert "page 2 not indexed: no text layer (scanned)" in said(outcome)
    assert "apt-get install tesseract-ocr" in said(outcome)
    hits = cli("search", "shared revenues and benefits service", "--json", home=home).json["hits"]
    assert hits[0]["page"] == 1 and "shared revenues and benefits" in hits[0]["text"]

    shown = cli("ingest", part_scanned, "--council", "Other Council", home=home, env=NO_TESSERACT)
    assert "anyshire-plan.pdf: page 2 not indexed" in shown.stdout  # the terminal report names the file


@pytest.mark.slow
def test_installing_tesseract_then_ingesting_again_adds_the_scanned_page(cli, home, part_scanned):
    needs_tesseract()
    args = ("ingest", part_scanned, "--council", "Anyshire District Council", "--kind", "plan", "--json")
    assert cli(*args, home=home, env=NO_TESSERACT).json["results"][0]["status"] == "added"
    again = cli(*args, home=home).json["results"][0]
    assert again["status"] == "replaced" and "not indexed" not in said(again)
    hits = cli("search", "Marsh Lane depot", "--json", home=home).json["hits"]
    assert hits[0]["page"] == 2 and "Marsh Lane depot" in hits[0]["text"]
    assert cli(*args, home=home).json["results"][0]["status"] == "unchanged"


def test_fully_scanned_pdf_without_tesseract_fails_with_the_fix(cli, home, tmp_path):
    path = make_scanned_pdf(tmp_path / "signed-letter.pdf", [], [SCANNED])
    result = cli("ingest", path, "--json", home=home, env=NO_TESSERACT)
    assert result.code == 2
    message = result.json["results"][0]["message"]
    assert "signed-letter.pdf: no text layer on any page" in message
    assert "ASSISTANT_TESSERACT=/nonexistent/tesseract" in message and "apt-get install tesseract-ocr" in message


def test_blank_pages_are_not_reported_as_scans(tmp_path, monkeypatch):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, TYPED)
    pdf.add_page()  # "this page is intentionally left blank", without the words
    pdf.output(str(tmp_path / "with-blank.pdf"))
    monkeypatch.setenv("ASSISTANT_TESSERACT", NO_TESSERACT["ASSISTANT_TESSERACT"])
    loaded = load_file(tmp_path / "with-blank.pdf")
    assert loaded.warnings == [] and loaded.pages[1].text == ""


def test_ocr_available_says_what_is_missing(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TESSERACT", "/nonexistent/tesseract")
    available, why = ocr.ocr_available()
    assert not available and "ASSISTANT_TESSERACT=/nonexistent/tesseract" in why and "tesseract-ocr" in why
    monkeypatch.delenv("ASSISTANT_TESSERACT")
    if ocr.tesseract_command():
        assert ocr.ocr_available()[0]
        monkeypatch.setenv("ASSISTANT_OCR_LANG", "xxx")
        available, why = ocr.ocr_available()
        assert not available and "no 'xxx' language data" in why and "tesseract-ocr-xxx" in why


def test_fully_scanned_pdf_is_read_when_tesseract_is_installed(tmp_path):
    needs_tesseract()
    loaded = load_file(make_scanned_pdf(tmp_path / "signed-letter.pdf", [], [SCANNED]))
    assert loaded.pages[0].ocr and "Marsh Lane depot" in loaded.pages[0].text


def test_failing_ocr_is_reported_not_silent(tmp_path, monkeypatch):
    """A tesseract that exits with an error: the page is named with the error, the rest indexed;
    a document with nothing else fails."""
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = --list-langs ]; then echo 'List of available languages (1):'; "
                    "echo eng; exit 0; fi\necho 'Error in pixReadMem: Unknown format' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ASSISTANT_TESSERACT", str(fake))
    loaded = load_file(make_scanned_pdf(tmp_path / "part.pdf", [TYPED], [SCANNED]))
    assert loaded.warnings == ["page 2 not indexed: no text layer (scanned) and OCR failed: page 2: Tesseract "
                               "failed (Error in pixReadMem: Unknown format). Check the file opens in a PDF reader, "
                               "or set ASSISTANT_TESSERACT to a working tesseract."]
    with pytest.raises(UserError, match=r"scan.pdf: no text layer on any page, and OCR failed: page 1"):
        load_file(make_scanned_pdf(tmp_path / "scan.pdf", [], [SCANNED]))
