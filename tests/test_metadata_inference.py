"""What `ingest` works out about a file an officer downloads and indexes without a manifest:
whose it is, what kind of document, and a title that tells two councils' items apart."""

from __future__ import annotations

from conftest import make_pdf


def _ingested(cli, home, path, *flags) -> dict:
    result = cli("ingest", path, *flags, "--json", home=home)
    assert result.code == 0, result.output
    return result.json["results"][0]


# A committee system's item page as councils publish them: the page title is the system's,
# and the text never names the council
ITEM_PAGE = """Issue - meetings

Local Government Productivity Plan

Meeting: 08/07/2024 - Executive (Item 22)

22 Local Government Productivity Plan

Report of the Director of Finance

The Executive considered a draft Productivity Plan setting out how services have been redesigned.

Decision:

Resolved

(1) That the Productivity Plan be approved for submission.
"""


def test_a_committee_item_page_gets_its_council_from_the_file_name_and_a_title_from_its_heading(cli, home, tmp_path):
    path = tmp_path / "cherwell-executive-2024-07-08.txt"
    path.write_text(ITEM_PAGE, encoding="utf-8")
    result = _ingested(cli, home, path)
    document = result["document"]
    assert document["council"] == "Cherwell District Council"
    assert document["kind"] == "minutes"
    assert document["title"] == "Local Government Productivity Plan (Executive, 8 July 2024, item 22)"
    assert document["date"] == "2024-07-08"
    assert result["warnings"] == []
    # the officer's own words for the council find it
    found = cli("search", "draft plan", "--council", "Cherwell", "--json", home=home).json
    assert found["hits"] and {h["council"] for h in found["hits"]} == {"Cherwell District Council"}


def test_a_report_whose_header_is_in_capitals_and_whose_pdf_title_is_word_s(cli, home, tmp_path):
    path = make_pdf(tmp_path / "item-8.pdf", [
        "LONDON BOROUGH OF HAVERING\nREPORT TO CABINET\nDate of meeting: 10 July 2024\n"
        "Title: Productivity Plan 2024\nThe council has moved 70% of its customer contact online.",
    ], title="Microsoft Word - Item 8 Productivity Plan v3.docx")
    document = _ingested(cli, home, path)["document"]
    assert document["council"] == "London Borough of Havering"
    assert document["kind"] == "report"
    # "Item 8 Productivity Plan v3" is a working file's name: the report's title field says what it is
    assert document["title"] == "Productivity Plan 2024"
    untitled = make_pdf(tmp_path / "scan0042.pdf", [
        "LONDON BOROUGH OF HAVERING\nREPORT TO CABINET\nDate of meeting: 10 July 2024\n"
        "Title of Report: Productivity Plan 2024\nThe council has closed two offices since 2021.",
    ], title="Untitled")
    assert _ingested(cli, home, untitled)["document"]["title"] == "Productivity Plan 2024"


def test_the_council_a_plan_names_first_and_most_is_its_own_not_a_partner_it_names(cli, home, tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("Borough Council of King's Lynn and West Norfolk: Productivity Plan 2024\n\n"
                    "We share a chief executive with Breckland District Council. The Borough Council of King's Lynn "
                    "and West Norfolk has moved its revenues service online. Breckland District Council runs "
                    "our payroll.\n", encoding="utf-8")
    # named twice each: the one named first, in the title, is the plan's own
    assert _ingested(cli, home, path)["document"]["council"] == "Borough Council of King's Lynn and West Norfolk"


def test_a_file_whose_council_cannot_be_told_is_indexed_with_a_warning_saying_how_to_fix_it(cli, home, tmp_path):
    path = tmp_path / "reading-list.txt"  # "reading" is a word here, not Reading Borough Council
    path.write_text("Productivity Plan 2024\n\nWe have reduced agency spend by 30% since 2022.\n", encoding="utf-8")
    result = _ingested(cli, home, path)
    assert result["document"]["council"] == ""
    assert any("no council is named" in w and "--council" in w for w in result["warnings"])
    shown = cli("ingest", path, "--council", "Anytown Council", home=home)
    assert shown.code == 0 and "no council is named" not in shown.stdout + shown.stderr
    again = tmp_path / "reading-list-2.txt"
    again.write_text("Productivity Plan 2024\n\nWe have closed two depots.\n", encoding="utf-8")
    printed = cli("ingest", again, home=home)
    printed = printed.stdout + printed.stderr
    assert "no council is named" in printed and "reading-list-2.txt" in printed


def test_a_pdf_named_only_in_its_running_header_is_that_councils(cli, home, tmp_path):
    """The header on every page names the council; the body never does, and the PDF's own
    title is a working file's name. The header is dropped from the text (never quoted) but
    still says whose the document is."""
    path = make_pdf(tmp_path / "PP_final_v4.pdf", [
        "We run a shared ICT service with a neighbouring council, saving 310,000 pounds a year.",
        "Agency spend fell by 40% between 2022/23 and 2023/24.",
        "Single-year funding settlements stop us committing to invest-to-save projects.",
    ], title="Microsoft Word - PP v4 FINAL.docx", header="Broxtowe Borough Council - Productivity Plan July 2024",
        footer="Page {page} of 3")
    result = _ingested(cli, home, path)
    assert result["document"]["council"] == "Broxtowe Borough Council"
    assert result["document"]["title"] == "Broxtowe Borough Council - Productivity Plan July 2024"
    assert result["document"]["date"] == "2024-07"
    assert result["warnings"] == []
    answer = cli("ask", "What does Broxtowe say about funding settlements?", "--json", home=home).json
    assert answer["refused"] is False, answer["answer"]
    assert all("Page" not in c["quote"] and "Productivity Plan July" not in c["quote"] for c in answer["citations"])


def test_a_word_files_header_names_its_council(cli, home, tmp_path):
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Rushcliffe Borough Council"
    document.add_paragraph("Our approach to transformation")
    document.add_paragraph("We moved 85% of council tax transactions online in 2023.")
    path = tmp_path / "productivity-plan.docx"
    document.save(str(path))
    assert _ingested(cli, home, path)["document"]["council"] == "Rushcliffe Borough Council"


def test_a_file_name_names_a_council_by_its_name_never_by_initials_or_an_ordinary_word():
    from pathlib import Path

    from assistant.ingest.document_council import council_in_file_name

    assert council_in_file_name(Path("tonbridge-and-malling-cabinet-2024-07-08.txt")) == \
        "Tonbridge and Malling Borough Council"
    assert council_in_file_name(Path("west-oxfordshire.txt")) == "West Oxfordshire District Council"
    for name in ("hra-business-plan.pdf", "wldc-plan.pdf", "reading-list.txt", "Productivity Plan.pdf"):
        assert council_in_file_name(Path(name)) == "", name
