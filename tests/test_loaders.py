"""Each loader on real files made by the tests, and each kind of bad input."""

from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.ingest.loaders import load_file
from tests.conftest import make_docx, make_pdf


def test_pdf_pages_come_back_with_their_numbers(tmp_path):
    path = make_pdf(tmp_path / "plan.pdf", [
        "Theme 1: Transformation. We merged our back office with a neighbouring council.",
        "Theme 2: Technology. We introduced robotic process automation in revenues.",
        "Theme 4: Barriers. Single-year funding settlements make planning hard.",
    ], title="Anytown Productivity Plan")
    loaded = load_file(path)
    assert [p.number for p in loaded.pages] == [1, 2, 3]
    assert "back office" in loaded.pages[0].text
    assert "robotic process automation" in loaded.pages[1].text
    assert "Single-year funding settlements" in loaded.pages[2].text
    assert loaded.title == "Anytown Productivity Plan"
    assert loaded.format == "pdf"


def test_docx_keeps_headings_lists_tables_and_page_breaks(tmp_path):
    path = make_docx(tmp_path / "plan.docx", [
        ("h1", "Our Productivity Plan"),
        ("p", "We have transformed how we deliver services."),
        ("bullet", "Shared management team with a neighbouring district"),
        ("table", "Measure|Value\nAgency spend|£1.2m"),
        ("pagebreak", ""),
        ("h2", "Barriers"),
        ("p", "New burdens arrive without funding."),
    ])
    loaded = load_file(path)
    assert len(loaded.pages) == 2
    first, second = loaded.pages[0].text, loaded.pages[1].text
    assert "# Our Productivity Plan" in first
    assert "- Shared management team with a neighbouring district" in first
    assert "Agency spend | £1.2m" in first
    assert "### Barriers" in second and "New burdens arrive without funding." in second
    assert loaded.title == "Our Productivity Plan"


def test_markdown_and_text(tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Draft plan\n\nWe use data to target services.\n", encoding="utf-8")
    assert load_file(md).title == "Draft plan"
    txt = tmp_path / "pages.txt"
    txt.write_text("Page one text.\fPage two text.", encoding="utf-8")
    loaded = load_file(txt)
    assert [p.text for p in loaded.pages] == ["Page one text.", "Page two text."]


def test_text_cleaning_drops_invisible_characters_only(tmp_path):
    txt = tmp_path / "odd.txt"
    txt.write_text("Zero\u200bwidth and \x07bell\r\nline two", encoding="utf-8")
    assert load_file(txt).pages[0].text == "Zerowidth and bell\nline two"


@pytest.mark.parametrize("name, content, message", [
    ("missing.pdf", None, "no such file"),
    ("plan.xlsx", b"PK\x03\x04", "unsupported file type"),
    ("empty.txt", b"", "the file is empty"),
    ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "damaged or not a PDF"),
    ("latin1.txt", "Caf\u00e9 budget \u00a3100".encode("cp1252"), "not readable as UTF-8 text"),
    ("broken.docx", b"PK\x03\x04 not a zip", "not a readable Word"),
    ("blank.md", b"   \n\n  ", "no text found"),
])
def test_bad_input_names_the_file_and_the_fix(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError) as error:
        load_file(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def _encrypted_pdf(path: Path, user_password: str) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Protected plan text about shared services.")
    pdf.output(str(path))
    return path


def test_password_protected_pdf_is_refused_with_advice(tmp_path):
    path = _encrypted_pdf(tmp_path / "locked.pdf", user_password="open-sesame")
    with pytest.raises(UserError) as error:
        load_file(path)
    assert "password-protected" in str(error.value) and "qpdf" in str(error.value)


def test_pdf_encrypted_only_against_editing_still_loads(tmp_path):
    path = _encrypted_pdf(tmp_path / "no-edit.pdf", user_password="")
    assert "shared services" in load_file(path).pages[0].text


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(UserError) as error:
        load_file(path, max_bytes=1000)
    assert "limit" in str(error.value) and "ASSISTANT_MAX_FILE_MB" in str(error.value)


def test_running_headers_and_footers_are_dropped_from_pdfs(tmp_path):
    path = make_pdf(tmp_path / "plan.pdf", ["We merged our back office.", "We automated revenues.", "Agency spend fell.",
                                             "Funding is short."],
                    header="Anytown Borough Council - Productivity Plan 2024", footer="Page {page} of 4")
    loaded = load_file(path)
    assert [p.text.strip() for p in loaded.pages] == ["We merged our back office.", "We automated revenues.",
                                                      "Agency spend fell.", "Funding is short."]
    # kept aside: they say whose the document is
    assert loaded.running == ["Anytown Borough Council - Productivity Plan 2024", "Page 1 of 4"]


PLAN_TEXT = "Anytown Council\n\nWe cut agency spend by 12% and saved £1.2m — see the café review.\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
                                      "utf-8-sig"])
def test_unicode_text_files_are_read_whatever_their_encoding(tmp_path, encoding):
    # "utf-16"/"utf-32"/"utf-8-sig" write a byte-order mark; -le/-be do not (found by their NUL bytes)
    path = tmp_path / "plan.txt"
    path.write_bytes(PLAN_TEXT.encode(encoding))
    page, = load_file(path).pages
    assert page.text == PLAN_TEXT


def test_a_broken_utf16_file_gets_a_hint_naming_utf16(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(PLAN_TEXT.encode("utf-16")[:-1])  # cut mid-character
    with pytest.raises(UserError) as error:
        load_file(path)
    assert f"iconv -f UTF-16 -t UTF-8 '{path}'" in str(error.value)
