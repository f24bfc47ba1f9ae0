"""Document metadata: from a manifest (TOML), from flags, or inferred from the text where
it is obvious (a council named in the opening pages, "minutes" in the title, a date)."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UserError
from assistant.models import KINDS, DocumentMeta, Page

COUNCIL = re.compile(
    r"\b((?:[A-Z][a-z'’]+(?:[ -](?:and|upon|on|in|le|under)?[ -]?)?){1,4}?)"
    r"\s+(Borough|District|County|City|Metropolitan Borough|Metropolitan District|Unitary|Town|Parish)?\s*Council\b"
)
NOT_COUNCIL_WORDS = {"The", "This", "Our", "Each", "Every", "Local", "Town", "County", "Parish", "City", "District", "Borough", "Full", "Executive"}

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
DATE_ISO = re.compile(r"\b(20\d\d)[-_](0[1-9]|1[0-2])(?:[-_](0[1-9]|[12]\d|3[01]))?\b")
DATE_TEXT = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\s+(" + "|".join(MONTHS) + r")\s+(20\d\d)\b", re.IGNORECASE)


@dataclass
class ManifestEntry:
    path: Path
    meta: DocumentMeta


def validate_meta(meta: DocumentMeta, where: str) -> DocumentMeta:
    if meta.kind not in KINDS:
        raise UserError(f"{where}: unknown kind '{meta.kind}'. Use one of: {', '.join(KINDS)}.")
    if meta.date and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", meta.date):
        raise UserError(f"{where}: date '{meta.date}' is not YYYY-MM-DD (or YYYY-MM, YYYY).")
    return meta


def read_manifest(path: Path) -> list[ManifestEntry]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"{path}: manifest not found.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc}). Each document is a [[document]] table "
                        "with path, council, kind, title, date.") from exc
    entries = []
    for i, item in enumerate(data.get("document", []), start=1):
        where = f"{path} (document {i})"
        if not isinstance(item, dict) or "path" not in item:
            raise UserError(f"{where}: every [[document]] needs a path, relative to the manifest.")
        unknown = set(item) - {"path", "council", "kind", "title", "date", "origin"}
        if unknown:
            raise UserError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}. "
                            "Fields are path, council, kind, title, date, origin.")
        meta = DocumentMeta(**{k: str(v) for k, v in item.items() if k != "path"})
        entries.append(ManifestEntry(path=(path.parent / item["path"]).resolve(), meta=validate_meta(meta, where)))
    if not entries:
        raise UserError(f"{path}: the manifest lists no [[document]] tables.")
    return entries


def infer_council(pages: list[Page]) -> str:
    """The council a document is about: the one named most in its first pages."""
    counts: Counter[str] = Counter()
    for page in pages[:3]:
        for match in COUNCIL.finditer(page.text):
            name, kind = match.group(1).strip(), match.group(2)
            first = name.split()[0]
            if first in NOT_COUNCIL_WORDS or len(name) < 3:
                continue
            counts[f"{name} {kind} Council" if kind else f"{name} Council"] += 1
    if not counts:
        return ""
    (best, n), = counts.most_common(1)
    return best if n >= 2 or len(counts) == 1 else ""


def infer_kind(path: Path, title: str, pages: list[Page]) -> str:
    haystack = f"{path.stem} {title} {pages[0].text[:600] if pages else ''}".lower().replace("_", " ").replace("-", " ")
    for kind, words in (
        ("minutes", ("minutes",)),
        ("corporate-plan", ("corporate plan", "council plan", "corporate strategy", "district plan", "borough plan")),
        ("plan", ("productivity plan",)),
        ("draft", ("draft",)),
        ("guidance", ("guidance", "letter from the minister")),
        ("report", ("report", "cabinet", "committee")),
    ):
        if any(w in haystack for w in words):
            return kind
    return "other"


def infer_date(path: Path, pages: list[Page]) -> str:
    match = DATE_ISO.search(path.stem)
    if match:
        return "-".join(g for g in match.groups() if g)
    text = "\n".join(p.text for p in pages[:1])[:3000]
    match = DATE_TEXT.search(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{MONTHS[month.lower()]:02d}-{int(day):02d}"
    return ""


def title_from_path(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip().capitalize() or path.name


def resolve_meta(path: Path, pages: list[Page], file_title: str, given: DocumentMeta, fields_given: set[str]) -> DocumentMeta:
    """Fill what the officer did not give from the document itself."""
    meta = given.model_copy()
    if "title" not in fields_given or not meta.title:
        meta.title = file_title or title_from_path(path)
    if "council" not in fields_given or not meta.council:
        meta.council = infer_council(pages)
    if "kind" not in fields_given:
        meta.kind = infer_kind(path, meta.title, pages)
    if "date" not in fields_given:
        meta.date = infer_date(path, pages)
    return validate_meta(meta, str(path))
