"""Document metadata: from a manifest (TOML), from flags, or inferred from the text where
it is obvious (a council named in the opening pages, "minutes" in the title, a date)."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from assistant.errors import UserError
from assistant.ingest.document_council import infer_council
from assistant.ingest.titles import clean_title
from assistant.models import KINDS, DocumentMeta, Page

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH = "(" + "|".join(MONTHS) + ")"
DATE_ISO = re.compile(r"\b(20\d\d)[-_](0[1-9]|1[0-2])(?:[-_](0[1-9]|[12]\d|3[01]))?\b")
DATE_TEXT = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(20\d\d)\b", re.IGNORECASE)
DATE_NUMERIC = re.compile(r"\b([0-3]?\d)/([01]?\d)/(20\d\d)\b")  # 18/06/2024: UK order
MONTH_YEAR = re.compile(r"(?<![\d\w] )\b" + _MONTH + r"\s+(20\d\d)\b", re.IGNORECASE)

# What a date in a document's opening is, from the words just before it (same line, up to
# DATE_CONTEXT characters). A meeting or publication date is the document's date; a deadline
# ("by 19 July 2024"), the Minister's letter or a council's founding ("came into being on
# 1 April 2023") is not. Calibrated on the shipped corpus, ../shared/dev-corpus and eval/plans
# against their manifests' dates.
DATE_CONTEXT = 80
LABELLED = re.compile(r"\b(?:date|dated|meeting|published|publication|approved|agreed|adopted|issued|updated|"
                      r"held|submitted|version)\b", re.IGNORECASE)
NOT_THE_DATE = re.compile(
    r"(?:\b(?:by|before|until|till|from|since)\s+(?:the\s+)?$"  # "by 19 July", "before the 19th July"
    r"|\b(?:deadline|due|no\s+later\s+than|submission|submit|letter|wrote|written|minister|came\s+into\s+being|"
    r"established|founded|formed|created|vesting|launched)\b)", re.IGNORECASE)
AFTER_NOT_THE_DATE = re.compile(r"^[^.\n]{0,60}\b(?:minister\b[^.\n]*\bwrote|letter)\b", re.IGNORECASE)


def real_date(text: str) -> bool:
    """YYYY-MM-DD, YYYY-MM or YYYY naming a day, month or year that exists."""
    try:
        if len(text) == 10:
            date.fromisoformat(text)
        elif len(text) == 7:
            date.fromisoformat(text + "-01")
        return len(text) in (4, 7, 10)
    except ValueError:
        return False


@dataclass
class ManifestEntry:
    path: Path
    meta: DocumentMeta


def validate_meta(meta: DocumentMeta, where: str) -> DocumentMeta:
    if meta.kind not in KINDS:
        raise UserError(f"{where}: unknown kind '{meta.kind}'. Use one of: {', '.join(KINDS)}.")
    label = "--date" if where == "command line" else "date"
    if meta.date and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", meta.date):
        raise UserError(f"{where}: {label} '{meta.date}' is not YYYY-MM-DD (or YYYY-MM, YYYY).")
    if meta.date and not real_date(meta.date):
        raise UserError(f"{where}: {label} '{meta.date}' is not a real date (check the month and the day: "
                        f"{_month_hint(meta.date)}). Give it as YYYY-MM-DD, or as YYYY-MM if the day is not known.")
    return meta


def _month_hint(text: str) -> str:
    year, month = int(text[:4]), int(text[5:7])
    if not 1 <= month <= 12:
        return "months run 01 to 12"
    days = ((date(year + month // 12, month % 12 + 1, 1)) - date(year, month, 1)).days
    return f"{date(year, month, 1):%B %Y} has {days} days"


MANIFEST_FIELDS = ("council", "kind", "title", "date", "origin")
IGNORED_FIELDS = {"council_type"}  # the dev-corpus manifest's; the council register knows each council's type


def read_manifest(path: Path, allow_outside: bool = False,
                  on_warning: Callable[[str], None] | None = None) -> list[ManifestEntry]:
    """The manifest's [[document]] entries. ``source`` (where the file came from) is kept as
    ``origin``; unknown fields are ignored with a warning (to stderr unless ``on_warning``).
    A path outside the manifest's folder needs ``allow_outside``."""
    path = Path(path)
    warn = on_warning or (lambda message: print(message, file=sys.stderr))
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError as exc:
        raise UserError(f"{path}: manifest not found.") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text. Save the manifest as UTF-8.") from exc
    except tomllib.TOMLDecodeError as exc:
        hint = ""
        line = re.search(r"at line (\d+)", str(exc))
        if line and re.match(r"\s*date\s*=", (text.splitlines() + [""])[int(line.group(1)) - 1]):
            hint = " The date is not a real date: write it in quotes as YYYY-MM-DD, e.g. date = \"2024-07-09\"."
        raise UserError(f"{path}: not valid TOML ({exc}).{hint} Each document is a [[document]] table "
                        "with path, council, kind, title, date.") from exc
    entries = []
    unknown_seen: dict[str, list[int]] = {}
    for i, item in enumerate(data.get("document", []), start=1):
        where = f"{path} (document {i})"
        if not isinstance(item, dict) or ("path" in item) == ("paths" in item):
            raise UserError(f"{where}: every [[document]] needs a path, relative to the manifest (or paths = "
                            "[\"page1.html\", \"page2.html\"] for one document saved as several files).")
        for name in sorted(set(item) - {"path", "paths", "source", *MANIFEST_FIELDS, *IGNORED_FIELDS}):
            unknown_seen.setdefault(name, []).append(i)
        fields = {}
        for name in MANIFEST_FIELDS + ("source",):
            value = item.get(name)
            if value is None:
                continue
            if isinstance(value, date) and name == "date":
                value = value.isoformat()
            if not isinstance(value, str):
                raise UserError(f"{where}: {name} must be text in quotes, e.g. {name} = \"...\" "
                                f"(found {type(value).__name__} {value!r}).")
            fields[name] = value
        source = fields.pop("source", "")
        if source and not fields.get("origin"):
            fields["origin"] = source
        meta = DocumentMeta(**fields)
        entries.append(ManifestEntry(path=_entry_path(path, item, where, allow_outside),
                                     meta=validate_meta(meta, where)))
    for name, documents in unknown_seen.items():
        listed = ", ".join(map(str, documents[:5])) + (" ..." if len(documents) > 5 else "")
        warn(f"{path}: ignoring unknown field '{name}' (document{'s' if len(documents) > 1 else ''} {listed}). "
             f"Fields are path (or paths), {', '.join(MANIFEST_FIELDS)}, source.")
    if not entries:
        raise UserError(f"{path}: the manifest lists no [[document]] tables.")
    return entries


def _entry_path(manifest: Path, item: dict, where: str, allow_outside: bool = False) -> Path:
    """`path`, or for `paths = [...]` one bundle path: the files read in order as one document."""
    if "path" in item:
        if not isinstance(item["path"], str) or not item["path"]:
            raise UserError(f"{where}: path must be a file name in quotes, relative to the manifest.")
        return _inside(manifest, item["path"], where, allow_outside)
    from assistant.ingest.loaders import bundle_path

    paths = item["paths"]
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise UserError(f"{where}: paths must be a list of file names in page order, e.g. "
                        "paths = [\"theme-1.html\", \"theme-2.html\"].")
    return bundle_path([_inside(manifest, p, where, allow_outside) for p in paths])


def _inside(manifest: Path, name: str, where: str, allow_outside: bool) -> Path:
    """The entry's file; one outside the manifest's folder ("../x.pdf", "/elsewhere/x.pdf") only
    with --allow-outside, so a manifest from elsewhere cannot quietly index other files."""
    folder = Path(os.path.abspath(manifest.parent))
    target = Path(os.path.normpath(folder / name))
    if not allow_outside and not target.is_relative_to(folder):
        raise UserError(f"{where}: path '{name}' is outside the manifest's folder ({folder}). Move the file "
                        "into that folder, or pass --allow-outside to ingest files the manifest names elsewhere.")
    return target.resolve()


KIND_WORDS = (
    ("minutes", ("minutes",)),
    ("corporate-plan", ("corporate plan", "council plan", "corporate strategy", "district plan", "borough plan")),
    ("plan", ("productivity plan",)),
    ("draft", ("draft",)),
    ("guidance", ("guidance", "letter from the minister")),
    ("report", ("report", "cabinet", "committee")),
)


def infer_kind(path: Path, title: str, pages: list[Page]) -> str:
    """A committee's record or report by its furniture; else by the words of the file name and title,
    then of the opening ("Productivity Plan" as the title, whatever corporate plan it cites)."""
    from assistant.ingest.titles import is_committee_report, is_meeting_record

    if is_meeting_record(pages):
        return "minutes"
    if is_committee_report(pages):
        return "report"
    for haystack in (f"{path.stem} {title}", pages[0].text[:600] if pages else ""):
        haystack = haystack.lower().replace("_", " ").replace("-", " ")
        for kind, words in KIND_WORDS:
            if any(w in haystack for w in words):
                return kind
    return "other"


def infer_date(path: Path, pages: list[Page]) -> str:
    """The document's date: from its file name, else from its first page (see date_from_text)."""
    for match in DATE_ISO.finditer(path.stem):
        found = "-".join(g for g in match.groups() if g)
        if real_date(found):
            return found
    return date_from_text(pages[0].text[:3000]) if pages else ""


def date_from_text(text: str) -> str:
    """A meeting or publication date ("Date of meeting: 10 July 2024", "Published 2 July 2024",
    a "July 2024" line of its own under the title); failing that the latest full date that is
    not a deadline, the Minister's letter or the council's founding; "" if none."""
    labelled, alone, others = [], [], []
    for found, start, end, full in _dates(text):
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - DATE_CONTEXT):start]
        if LABELLED.search(before) and not re.search(r"\b(?:by|before|until)\s+(?:the\s+)?$", before, re.I):
            labelled.append(found)
        elif NOT_THE_DATE.search(before) or AFTER_NOT_THE_DATE.search(text[end:]):
            continue
        elif not text[line_start:start].strip(" ,–-") and not text[end:text.find("\n", end) % (len(text) + 1)].strip(" .,"):
            alone.append(found)  # a date on a line of its own: the document's own date under its title
        elif full:
            others.append(found)
    if labelled:
        return labelled[0]
    if alone:
        return alone[0]
    return max(others) if others else ""


def _dates(text: str):
    """(YYYY-MM-DD or YYYY-MM, start, end, has a day) for each real date written in the text."""
    taken: list[tuple[int, int]] = []
    for pattern, order in ((DATE_TEXT, "dmy"), (DATE_NUMERIC, "dmy#"), (MONTH_YEAR, "my")):
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            groups = match.groups()
            if order == "my":
                found = f"{groups[1]}-{MONTHS[groups[0].lower()]:02d}"
            else:
                month = int(groups[1]) if order == "dmy#" else MONTHS[groups[1].lower()]
                found = f"{groups[2]}-{month:02d}-{int(groups[0]):02d}"
            if real_date(found):
                taken.append((match.start(), match.end()))
                yield found, match.start(), match.end(), order != "my"


def _header_date(text: str) -> str:
    """The date a running header gives ("Productivity Plan July 2024" -> 2024-07), "" if none."""
    full = next((found for found, *_ in _dates(text)), "")
    month = re.search(r"\b" + _MONTH + r"\s+(20\d\d)\b", text, re.IGNORECASE)
    found = full or (f"{month.group(2)}-{MONTHS[month.group(1).lower()]:02d}" if month else "")
    return found if real_date(found) else ""


def title_from_path(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip().capitalize() or path.name


def resolve_meta(path: Path, pages: list[Page], file_title: str, given: DocumentMeta, fields_given: set[str],
                 file_date: str = "", file_council: str = "", running: list[str] = ()) -> DocumentMeta:
    """Fill what the officer did not give from the document itself. ``file_date`` and
    ``file_council`` are what the file says of itself (a web page's <meta> date and publisher);
    ``running`` its running headers and footers ("Broxtowe Borough Council - Productivity Plan")."""
    meta = given.model_copy()
    if "title" not in fields_given or not meta.title:
        meta.title = clean_title(file_title, pages, running) or title_from_path(path)
    if "council" not in fields_given or not meta.council:
        publisher = file_council if re.search(r"\bcouncil\b", file_council, re.IGNORECASE) else ""
        meta.council = publisher or infer_council(pages, path, running)
    if "kind" not in fields_given:
        meta.kind = infer_kind(path, meta.title, pages)
    if "date" not in fields_given:
        file_date = file_date if real_date(file_date) else ""
        header_date = _header_date("\n".join(running))
        meta.date = infer_date(path, []) or file_date or header_date or infer_date(path, pages)
    return validate_meta(meta, str(path))
