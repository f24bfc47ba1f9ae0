"""Which council a document is: named in its running header, in its opening pages ("X
District Council", "London Borough of X", a header in capitals), or in its file name (from the
council register). Checked against the manifests of the shipped corpus, ../shared/dev-corpus and
eval/plans: every council they give is found without them, bar the guidance's and a council the
minutes never name (README, "Documents")."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from assistant.models import Page

COUNCIL = re.compile(
    r"\b((?:[A-Z][a-z'’]+(?:[ -](?:and|upon|on|in|le|under)?[ -]?)?){1,4}?)"
    r"\s+(Borough|District|County|City|Metropolitan Borough|Metropolitan District|Unitary|Town|Parish)?\s*Council\b"
)
# The forms that put the council's type first ("Borough Council of King's Lynn and West Norfolk")
COUNCIL_OF = re.compile(r"\b(London Borough of|Royal Borough of|Borough Council of|Metropolitan Borough of|City of)\s+"
                        r"([A-Z][a-z'’]+(?:(?:[ -](?:and|upon|on|in|le|under))?[ -][A-Z][a-z'’]+){0,4})(\s+Council\b)?")
# Words that follow a council's name in a title, not part of it ("London Borough of X Productivity Plan")
AFTER_NAME = {"Productivity", "Plan", "Plans", "Council", "Cabinet", "Executive", "Report", "Annual", "Corporate",
              "Strategy", "Budget", "Draft", "Our", "The", "Minutes", "Meeting"}
OPENING = 300  # characters of the first page where a title names the document's council
NOT_COUNCIL_WORDS = {"The", "This", "Our", "Each", "Every", "Local", "Town", "County", "Parish", "City", "District", "Borough", "Full", "Executive"}


def infer_council(pages: list[Page], path: Path | None = None, running: list[str] = ()) -> str:
    """The council a document is about: the one its running header or footer names ("Broxtowe
    Borough Council - Productivity Plan"); else the one named most in its first pages; when they
    name none more than once, the one its file name names ("cherwell-executive-2024-07-08.txt")."""
    header = named_in_text([Page(number=1, text="\n".join(running))]) if running else None
    if header:
        return header[0]
    named = named_in_text(pages)
    if named and named[1] >= 2:
        return named[0]
    return (council_in_file_name(path) if path else "") or (named[0] if named else "")


def council_in_file_name(path: Path) -> str:
    """The register's official name of the council a file name names, "" if none. A name that
    is also an ordinary word ("reading", "bath") counts only with a council word after it."""
    from assistant.councils.names import COMMON_WORDS, find_in_text
    from assistant.councils.register import tokens

    words = re.sub(r"[\W_]+", " ", path.stem)
    current = _current_councils()
    # initials left out: "hra-business-plan.pdf" is no council's, whichever has the initials H, R, A
    for council, (start, end) in find_in_text(words, current, case_sensitive=False, initials=False):
        if " ".join(tokens(words[start:end])) not in COMMON_WORDS:  # "reading-list.pdf" is not Reading
            return council
    return ""


@lru_cache(maxsize=1)
def _current_councils() -> list[str]:
    from assistant.councils.register import register

    return sorted(a.official_name for a in register().authorities.values()
                  if a.current and a.type_code not in {"COMB", "SRA"})


def named_in_text(pages: list[Page]) -> tuple[str, int] | None:
    """The council the first pages name most ("X District Council"), and how often; among
    equals the one named first. Named once among others, only if named in the opening (a title)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for number, page in enumerate(pages[:3]):
        text = CAPITALS.sub(lambda m: _title_case(m.group()), page.text)
        found = []
        for match in COUNCIL_OF.finditer(text):  # "London Borough of Havering", "City of X Council"
            words, after = match.group(2).split(), []
            while len(words) > 1 and words[-1] in AFTER_NAME:
                after.insert(0, words.pop())
            council_word = bool(match.group(3)) or after[:1] == ["Council"]
            if match.group(1) == "City of" and not council_word:
                continue  # "the City of Marlhaven": the place
            name = f"{match.group(1)} {' '.join(words)}" + (" Council" if council_word else "")
            found.append((match.start(), match.end(), name))
        for match in COUNCIL.finditer(text):
            name, kind = match.group(1).strip(), match.group(2)
            if name.split()[0] in NOT_COUNCIL_WORDS or len(name) < 3 \
                    or any(s <= match.start() < e for s, e, _ in found):
                continue
            found.append((match.start(), match.end(), f"{name} {kind} Council" if kind else f"{name} Council"))
        for start, _, name in found:
            counts[name] += 1
            first.setdefault(name, number * 1_000_000 + start)
    if not counts:
        return None
    best = min(counts, key=lambda name: (-counts[name], first[name]))
    if counts[best] >= 2 or len(counts) == 1 or first[best] < OPENING:
        return best, counts[best]
    return None


def _title_case(line: str) -> str:
    """"GRIMSWORTH METROPOLITAN BOROUGH COUNCIL" -> "Grimsworth Metropolitan Borough Council"
    (a report's header in capitals), the joining words of a name in lower case."""
    words = [w if w.isdigit() else w[:1] + w[1:].lower() for w in line.split(" ")]
    return " ".join(w.lower() if i and w.lower() in NAME_JOINERS else w for i, w in enumerate(words))


NAME_JOINERS = {"and", "of", "upon", "on", "in", "le", "under", "the"}
CAPITALS = re.compile(r"^(?=[^a-z\n]*[A-Z]{3})[^a-z\n]+$", re.MULTILINE)  # a line in capitals
