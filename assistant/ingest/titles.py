"""A document's title and kind when its file says little of them: a committee system's page
furniture ("Issue - meetings", "Agenda item"), an office program's leftovers ("Microsoft Word -
Item 8 Productivity Plan.docx", "Untitled"). The title then comes from the document's first
heading, with the meeting it was an item of ("Local Government Productivity Plan (Executive,
8 July 2024, item 22)"), so two councils' items no longer read alike in `sources` and answers.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.models import Page

# Titles that say nothing of the document: committee-system pages, office defaults
GENERIC = re.compile(r"(?:issue\s*-\s*meetings|agenda items?|agenda and (?:draft )?minutes|agenda|minutes|"
                     r"(?:decision|meeting|issue|item) details|report|document\s*\d*|untitled(?: document)?|"
                     r"powerpoint presentation|slide \d+|home|print(?:able)? version|page \d+|title|draft|"
                     r"report to (?:the )?[a-z ]{3,40})",
                     re.IGNORECASE)
# A committee report's title field: "Title of Report  Productivity Plan 2024/25", "Subject: ..."
TITLE_FIELD = re.compile(r"^[ \t]*(?:title of report|report title|title|subject)[ \t]*(?::[ \t]*|\t[ \t]*|[ \t]{2,}|(?<=report) )"
                         r"(\S[^\n]{2,118})$", re.IGNORECASE | re.MULTILINE)
COUNCIL_NAME = re.compile(r"(?:[\w'’-]+\s+){0,6}council", re.IGNORECASE)  # a running header, not a title
# A working file's name, not a title: "PP v4 FINAL", "Productivity plan draft 3"
WORKING_NAME = re.compile(r"\bv\d+(?:\.\d+)*\b|\bFINAL\b|\bdraft\s*\d|_", re.IGNORECASE)
# A running header or footer that names the document ("Broxtowe Borough Council - Productivity Plan July 2024")
NAMES_A_DOCUMENT = re.compile(r"\b(?:plan|report|minutes|strategy|productivity)\b", re.IGNORECASE)
OFFICE_PREFIX = re.compile(r"^microsoft (?:word|powerpoint|excel)\s*-\s*", re.IGNORECASE)
FILE_EXTENSION = re.compile(r"\.(?:docx?|pdf|odt|rtf|pptx?|txt|html?)$", re.IGNORECASE)
# "Meeting: 08/07/2024 - Executive (Item 22)": a committee system's item page (modern.gov)
MEETING = re.compile(r"^\s*Meeting:\s*([0-3]?\d)/([01]?\d)/(20\d\d)\s*-\s*(.+?)\s*\(Item\s*([\w.]+)\)\s*$",
                     re.IGNORECASE | re.MULTILINE)
# What only a record of a meeting has: its item line, its decision and minutes labels
RECORD = re.compile(r"^\s*(?:Meeting:\s*[0-3]?\d/[01]?\d/20\d\d\b|(?:Decision|Minutes|Resolved)\s*:?\s*$|"
                    r"RESOLVED\b|(?:Issue\s*-\s*meetings|Agenda item|Agenda and (?:draft )?minutes)\s*$)",
                    re.MULTILINE)
BULLET = re.compile(r"^(?:[-•*–▪◦]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")  # a list's item, not a heading
# What a committee report's cover has: its addressee and its labelled fields
REPORT_COVER = re.compile(r"^[ \t]*(?:report to\b|report of\b|title of report\b|report title\b|report author\b|"
                          r"date of meeting\b|meeting date\b)", re.IGNORECASE | re.MULTILINE)
HEADING_LINES = 12  # lines of the first page searched for a heading
MAX_TITLE = 120


def is_generic(title: str) -> bool:
    """A title that names no document: furniture, an office default, a working file's name, or
    a bare file name ("scan0042")."""
    title = title.strip()
    return not title or bool(GENERIC.fullmatch(title)) or bool(COUNCIL_NAME.fullmatch(title)) \
        or bool(WORKING_NAME.search(title)) or (" " not in title and bool(re.search(r"\d", title)))


def clean_title(file_title: str, pages: list[Page], running: list[str] = ()) -> str:
    """The file's own title without an office program's leftovers; when that names nothing,
    a report's title field, a running header naming the document, or the first page's first
    heading; with the meeting it was an item of. "" if none."""
    title = FILE_EXTENSION.sub("", OFFICE_PREFIX.sub("", file_title.strip())).strip(" -_")
    first = pages[0].text if pages else ""
    meeting = MEETING.search(first)
    if is_generic(title):
        field = TITLE_FIELD.search("\n".join(first.splitlines()[:HEADING_LINES * 2]))
        header = next((line for line in running if NAMES_A_DOCUMENT.search(line) and len(line) <= MAX_TITLE
                       and len(line.split()) >= 3 and not is_generic(line)), "")
        title = field.group(1).strip() if field else header or first_heading(first, meeting.group(5) if meeting else "")
    if title and meeting:
        day, month, year, committee, item = meeting.groups()
        try:
            held = date(int(year), int(month), int(day))
        except ValueError:
            return title
        when = f"{held.day} {held:%B %Y}"
        if committee.lower() not in title.lower():
            title = f"{title} ({committee}, {when}, item {item})"
    return title


def first_heading(text: str, item: str = "") -> str:
    """The first line of ``text`` that reads as a heading (short, not a sentence, not
    furniture); an item's number before it ("22 Local Government Productivity Plan") dropped."""
    lines = [line.strip().lstrip("#").strip() for line in text.splitlines()]
    for line in [line for line in lines if line][:HEADING_LINES]:
        if item and re.match(rf"{re.escape(item)}\.?\s+\S", line):
            line = line[len(item):].lstrip(". ")
        if is_generic(line) or MEETING.match(line) or BULLET.match(line) or len(line) > MAX_TITLE \
                or line.endswith((".", ":", ";", ",")):
            continue
        if len(re.findall(r"[A-Za-z]{2,}", line)) >= 2:
            return line
    return ""


def is_meeting_record(pages: list[Page]) -> bool:
    """A committee's record of an item (its decision, its minutes), by what only such a page has."""
    return bool(pages) and bool(RECORD.search(pages[0].text[:3000]))


def is_committee_report(pages: list[Page]) -> bool:
    """A report to a committee, by its cover's addressee or labelled fields."""
    return bool(pages) and bool(REPORT_COVER.search(pages[0].text[:3000]))
