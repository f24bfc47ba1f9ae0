"""The register: every UK local authority, past and present, from mySociety's "UK local
authority names and codes" (shipped in ``assistant/data/uk-local-authorities/``; contains
data from mySociety's UK local authority names and codes, CC BY 4.0).

Names are compared as word sequences after normalising case, punctuation, "&"/"and",
"St"/"Saint", apostrophes (King's = Kings), accents and hyphens. A name's *core* also drops a
leading "The", "London Borough of", "Royal Borough of", "Borough Council of", "City of ...
Council" and a trailing "Council", "Borough Council", "MBC", "BC", "DC", "CC"... ("Redditch
BC" -> "redditch"). The CSV files are read on first use (about 20 ms), never at import.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "uk-local-authorities"
ATTRIBUTION = "Contains data from mySociety's UK local authority names and codes, CC BY 4.0."
READABLE_TYPES = {"NMD": "district", "UA": "unitary", "CTY": "county", "MD": "metropolitan borough",
                  "LBO": "London borough", "WPA": "Welsh unitary", "SCO": "Scottish unitary",
                  "NID": "Northern Ireland district", "COMB": "combined authority", "SRA": "strategic authority",
                  "CC": "city corporation"}

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
_PREFIXES = {("the",), ("london", "borough", "of"), ("royal", "borough", "of"), ("borough", "council", "of"),
             ("metropolitan", "borough", "of"), ("council", "of", "the"), ("borough", "of"), ("county", "of"),
             ("city", "and", "county", "of")}
_SUFFIXES = {("city", "and", "district", "council"), ("metropolitan", "borough", "council"),
             ("metropolitan", "district", "council"), ("county", "borough", "council"), ("borough", "council"),
             ("district", "council"), ("county", "council"), ("city", "council"), ("council",), ("mbc",),
             ("bc",), ("dc",), ("cc",), ("cbc",), ("mdc",), ("ua",), ("london", "boro"), ("district",),
             ("borough",), ("county",), ("city",)}
# Word sequences that contain a council's name but are not one; region and nation names join them
# ("West Midlands" the region, not the combined authority; "London" is not the City of London).
_NOT_COUNCILS = ["New York", "New England", "New South Wales", "Newcastle United", "Manchester United",
                 "Durham University"]
# Words officers write for a name's words: the counties' customary abbreviations ("West Oxon",
# "Herts", "S Glos") and compass initials. "Beds", "Bucks" and "Staffs" are left out: as
# ordinary words they would turn "hospital beds" into a council.
_SAME = {"&": "and", "saint": "st", "oxon": "oxfordshire", "glos": "gloucestershire", "gloucs": "gloucestershire",
         "hants": "hampshire", "herts": "hertfordshire", "berks": "berkshire", "cambs": "cambridgeshire",
         "lancs": "lancashire", "leics": "leicestershire", "lincs": "lincolnshire", "northants": "northamptonshire",
         "notts": "nottinghamshire", "wilts": "wiltshire", "worcs": "worcestershire", "derbys": "derbyshire",
         "shrops": "shropshire", "warks": "warwickshire", "yorks": "yorkshire", "gt": "great",
         "n": "north", "s": "south", "e": "east", "w": "west"}
_COMPASS = {("mid",), ("north",), ("south",), ("east",), ("west",)}


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """``text`` as normalised words: "Borough Council of King's Lynn & West Norfolk" ->
    ("borough", "council", "of", "kings", "lynn", "and", "west", "norfolk")."""
    return tuple(norm(m.group()) for m in TOKEN.finditer(text))


@lru_cache(maxsize=16384)
def norm(token: str) -> str:
    t = unicodedata.normalize("NFKD", token.lower())
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).replace("'", "").replace("’", "")
    return _SAME.get(t, t)


@lru_cache(maxsize=8192)
def core(words: tuple[str, ...]) -> tuple[str, ...]:
    """A name without its type words: ("redditch", "borough", "council") -> ("redditch",)."""
    changed = True
    while changed:
        changed = False
        if len(words) > 3 and words[:2] == ("city", "of") and words[-1] == "council":
            words = words[2:-1]
        for n in (4, 3, 2, 1):
            if len(words) > n and words[:n] in _PREFIXES:
                words, changed = words[n:], True
                break
            if len(words) > n and words[-n:] in _SUFFIXES:
                words, changed = words[:-n], True
                break
    return words


def first_part(name: str) -> tuple[str, ...]:
    """The first place of a merged authority's name ("kings lynn" of "Borough Council of Kings
    Lynn and West Norfolk"), or () for a name of one place."""
    parts = re.split(r",\s*|\s+and\s+|\s+&\s+", name.strip())
    first = core(tokens(parts[0])) if len(parts) > 1 else ()
    return first if first and first not in _COMPASS else ()


@dataclass(frozen=True)
class Authority:
    code: str
    official_name: str
    nice_name: str  # the short name officers use ("Redditch")
    alt_names: tuple[str, ...]
    former_names: tuple[str, ...]  # names of the councils it replaced
    nation: str
    region: str
    type_code: str  # the register's: NMD, UA, CTY, MD, LBO, WPA, SCO, NID, COMB, SRA, CC
    type_name: str  # the register's: "Non-metropolitan district"
    start_date: str
    end_date: str
    replaced_by: tuple[str, ...]  # codes of its successors
    current: bool
    population: int | None  # 2020 estimate

    @property
    def type(self) -> str:
        """Readable type: "district", "county", "unitary", "metropolitan borough", "London borough"..."""
        return READABLE_TYPES.get(self.type_code, self.type_name.lower())


class Register:
    """Every authority by code, and every name as a word sequence -> codes."""

    def __init__(self, folder: Path = DATA_DIR):
        path = folder / "uk_local_authorities.csv"
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                header = next(reader)
                rows = [dict(zip(header, row)) for row in reader]
            with open(folder / "lookup_name_to_registry.csv", newline="", encoding="utf-8") as f:
                variants = [(row[1], row[0]) for row in csv.reader(f)][1:]
            self._load(rows, variants)
        except (OSError, KeyError, IndexError, ValueError, StopIteration) as exc:
            raise RuntimeError(f"the council register {path} is missing or damaged ({exc!r}); "
                               "reinstall Plan Assistant") from exc

    def _load(self, rows: list[dict], variants: list[tuple[str, str]]) -> None:
        formers: dict[str, list[str]] = {}
        for r in rows:
            for successor in filter(None, r["replaced-by"].split(",")):
                formers.setdefault(successor.strip(), []).extend([r["official-name"].strip(), r["nice-name"].strip()])
        self.authorities: dict[str, Authority] = {}
        for r in rows:
            code, pop = r["local-authority-code"], r["pop-2020"].strip()
            self.authorities[code] = Authority(
                code=code, official_name=r["official-name"].strip(), nice_name=r["nice-name"].strip(),
                # entries are comma-separated; a comma followed by a space is inside one ("Bristol, City of")
                alt_names=tuple(a.strip() for a in re.split(r",(?! )", r["alt-names"]) if a.strip()),
                former_names=tuple(dict.fromkeys(formers.get(code, []))), nation=r["nation"], region=r["region"],
                type_code=r["local-authority-type"], type_name=r["local-authority-type-name"],
                start_date=r["start-date"], end_date=r["end-date"],
                replaced_by=tuple(c.strip() for c in r["replaced-by"].split(",") if c.strip()),
                current=r["current-authority"] == "True", population=int(float(pop)) if pop else None)
        self.regions = sorted({a.region for a in self.authorities.values() if a.region})
        self.nations = sorted({a.nation for a in self.authorities.values() if a.nation})
        places = {tokens(p) for p in self.regions + self.nations}
        # word sequence -> {code: priority}: 0 a name in the data, 1 its core, 2 a merged authority's first place
        self.keys: dict[tuple[str, ...], dict[str, int]] = {}
        names = {(n, code) for code, a in self.authorities.items()
                 for n in (a.official_name, a.nice_name, *a.alt_names)}
        names.update((n, code) for n, code in variants if code in self.authorities)
        for name, code in names:
            words = tokens(name)
            self._add(words, 0, code)
            if core(words) not in places:
                self._add(core(words), 1, code)
        for code, a in self.authorities.items():
            if a.type_code not in {"COMB", "SRA"} and first_part(a.nice_name):
                self._add(first_part(a.nice_name), 2, code)
        self.not_councils = places | {tokens(n) for n in _NOT_COUNCILS}
        self.longest = max(map(len, self.keys))

    def _add(self, words: tuple[str, ...], priority: int, code: str) -> None:
        entries = self.keys.setdefault(words, {})
        if entries.get(code, 9) > priority:
            entries[code] = priority

    def ranked(self, words: tuple[str, ...], strict: bool = False) -> list[str]:
        """Codes of a name's exact words, best first: current before former, own names before
        derived ones; ``strict`` leaves out first places of merged authorities."""
        found = [(not self.authorities[c].current, p, c) for c, p in self.keys.get(words, {}).items()
                 if not strict or p < 2]
        return [c for _, _, c in sorted(found)]

    def codes(self, name: str, strict: bool = False) -> list[str]:
        """Codes a name may denote, best first (by its words, else by its core)."""
        words = tokens(name)
        return self.ranked(words, strict) or self.ranked(core(words), strict)

    def lookup(self, name: str, strict: bool = False) -> Authority | None:
        codes = self.codes(name, strict)
        return self.authorities[codes[0]] if codes else None

    def successor(self, code: str, wanted: dict[str, str]) -> str | None:
        """The first of ``code`` and its successors that is in ``wanted``, following only
        one-to-one replacements (Taunton Deane -> Somerset West and Taunton -> Somerset;
        not Cumbria, which became two councils)."""
        for _ in range(6):
            if code in wanted:
                return wanted[code]
            following = self.authorities[code].replaced_by
            if len(following) != 1 or following[0] not in self.authorities:
                return None
            code = following[0]
        return None


@lru_cache(maxsize=1)
def register() -> Register:
    return Register()


def lookup(name: str) -> Authority | None:
    """The authority a name denotes, by any of its names ("Kings Lynn", "Redditch BC",
    "Bournemouth" -> Bournemouth, Christchurch and Poole); the current one when a former
    council had the same name ("Somerset")."""
    return register().lookup(name)
