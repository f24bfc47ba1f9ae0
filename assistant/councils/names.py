"""Which of the councils KNOWN TO THE INDEX a name or a piece of text refers to.

A known council that is in the register is matched by every name the register gives it
(official, short, alternative, former names of councils it replaced, the first place of a
merged authority: "Bournemouth", "King's Lynn"), and by the name as the index gives it; one
the register lacks (a fictional council) by its own name, its core ("Northmoor") and its first
place. In free text the longest name wins and every register name takes part, so "Greater
Manchester" and "Wyre Forest" are not "Manchester" and "Wyre" even when only those are
indexed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.councils.register import TOKEN, core, first_part, norm, register, tokens

# Short names that are also ordinary words: in free text they count only when capitalised, and
# at the start of a sentence only with council context ("Reading's", "Reading Borough Council")
# or alone ("Reading?"). Listed by reading the register's short names; "down" is the only one
# found lowercase in the shipped and dev corpora.
COMMON_WORDS = {"reading", "bath", "hart", "eden", "down", "bury", "rugby", "highland", "fife", "craven", "slough",
                "derby", "harrow", "swale", "hull", "taff", "three rivers", "test valley", "castle point",
                "high peak", "new forest", "mole valley", "forest heath"}
# Names whose bare mention usually means something else ("Westminster" = Parliament): they
# count only with council context ("City of Westminster", "Westminster's", "Westminster Council").
CONTEXT_ONLY = {"westminster"}
# Words after a name that belong to it ("Blaby District Council", "Sandwell MBC"), and before it.
_TAIL = {"metropolitan", "city", "borough", "district", "county", "council", "councils", "mbc", "bc", "dc", "cc",
         "cbc", "mdc", "ua"}
_TAIL_END = _TAIL - {"metropolitan", "city"}
_PREFIXES = [("london", "borough", "of"), ("royal", "borough", "of"), ("borough", "council", "of"),
             ("metropolitan", "borough", "of"), ("borough", "of"), ("county", "of"), ("city", "of")]
# Public-sector acronyms that are also some council's initials ("PCC": the Police and Crime
# Commissioner, not Preston City Council)
NOT_INITIALISMS = {"pcc", "lga", "nhs", "dwp", "icb", "ccg", "ict", "dsg", "efs", "mtfs", "mtfp", "idb", "erp", "crm",
                   "cwb", "ope", "lgps", "cipfa", "send", "hmrc", "dfe", "mhclg", "dluhc", "ceo", "cfo"}
_PLACEHOLDERS = {"unnamed", "unknown"}  # "Unnamed county council": a council the documents do not name
_FILLER = {"and", "what", "about", "how", "the", "for", "same", "again", "also", "please"}
_KEEP = {"of", "the", "and", "council", "borough", "district", "county", "city", "metropolitan", "royal", "london",
         "unitary", "town", "parish", "government", "unnamed"}


class _Known:
    """The index's council names, prepared for matching."""

    def __init__(self, known: tuple[str, ...]):
        reg = register()
        self.by_code: dict[str, str] = {}
        self.own: dict[tuple[str, ...], str] = {}  # the names as given, their cores, first places
        for name in known:
            words, codes = tokens(name), reg.codes(name, strict=True)
            if codes:
                self.by_code.setdefault(codes[0], name)
            forms = [words, core(words)]
            if all(w in _PLACEHOLDERS for w in core(words)):  # "Unnamed county council": "the county council"
                forms = [words, ("the",) + tuple(w for w in words if w not in _PLACEHOLDERS)]
            elif not codes:
                forms.append(first_part(name))
            for form in forms:
                if form and form not in reg.not_councils:
                    self.own.setdefault(form, name)
        self.initialisms = self._initialisms(known, reg)
        self.longest = max([reg.longest] + [len(k) for k in self.own])
        self.first_words = {k[0] for k in [*reg.keys, *self.own, *reg.not_councils]}

    def _initialisms(self, known: tuple[str, ...], reg) -> set[tuple[str, ...]]:
        """"WLDC", "TMBC", "LBH": a known council's initials (of its name as given and its
        official name), where no other known council, register name or common acronym has them."""
        owners: dict[tuple[str, ...], set[str]] = {}
        for name in known:
            authority = reg.lookup(name, strict=True)
            for variant in {name, authority.official_name if authority else name}:
                letters = "".join(w[0] for w in tokens(variant) if w not in {"of", "and", "the"})
                if len(letters) >= 3:
                    owners.setdefault((letters,), set()).add(name)
        found = set()
        for form, names in owners.items():
            if len(names) == 1 and form not in self.own and form not in reg.keys and form[0] not in NOT_INITIALISMS:
                self.own[form] = next(iter(names))
                found.add(form)
        return found

    def is_name(self, words: tuple[str, ...]) -> bool:
        reg = register()
        return words in self.own or words in reg.keys or words in reg.not_councils

    def resolve(self, words: tuple[str, ...]) -> str | None:
        if words in self.own:
            return self.own[words]
        reg = register()
        if words in reg.not_councils:
            return None
        for code in reg.ranked(words):
            found = reg.successor(code, self.by_code)
            if found:
                return found
        return None


@lru_cache(maxsize=32)
def _known(known: tuple[str, ...]) -> _Known:
    return _Known(known)


def find_in_text(text: str, known: list[str], short_names: bool = True, case_sensitive: bool = True,
                 initials: bool = True) -> list[tuple[str, tuple[int, int]]]:
    """Every naming of a known council in ``text``, in order: (council as known, (start, end)).
    The span covers the whole naming ("the Redditch Borough Council", "Redditch's") so a caller
    can strip it. ``short_names=False`` counts only names with a council word ("Blaby District
    Council", "Blaby council"), for reading documents. ``case_sensitive=False`` drops the
    capitalisation rule for names that are ordinary words (for a name typed on its own);
    ``initials=False`` leaves out councils' initials ("WLDC")."""
    index = _known(tuple(known))
    spans = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
    norms = [norm(t) for _, _, t in spans]
    alts = [norm(t[:-2]) if t[-2:].lower() in {"'s", "’s"} else None for _, _, t in spans]  # "Redditch's"
    found, i = [], 0
    while i < len(norms):
        hit = _longest(index, norms, alts, i)
        if hit is None:
            i += 1
            continue
        words, name_end, possessive = hit
        if words in index.initialisms and (not initials or case_sensitive
                                           and not re.sub(r"['’]s$", "", spans[i][2]).isupper()):
            i += 1  # "WLDC" is West Lindsey District Council; "wldc" in running text is not a name
            continue
        start, i = i, name_end
        council = index.resolve(words)
        if council is None:
            continue
        end = name_end
        if not possessive:
            end, possessive = _tail(norms, alts, name_end)
            i = end
        first = start - next((len(p) for p in _PREFIXES if tuple(norms[max(0, start - len(p)):start]) == p), 0)
        context = possessive or end > name_end or first < start
        name = " ".join(words)
        if not short_names and not (context or {"council", "borough", "district", "county", "of"} & set(words)):
            continue
        if name in CONTEXT_ONLY and not context:
            continue
        if name in COMMON_WORDS and case_sensitive and not _ordinary_word_ok(text, spans, norms, (start, name_end),
                                                                              (first, end), context):
            continue
        if first > 0 and norms[first - 1] == "the":
            first -= 1
        found.append((council, (spans[first][0], spans[end - 1][1])))
    return found


def _longest(index: _Known, norms: list[str], alts: list[str | None], i: int):
    """The longest name starting at word ``i``: (its words, where it ends, possessive?)."""
    if norms[i] not in index.first_words and alts[i] not in index.first_words:
        return None
    for length in range(min(index.longest, len(norms) - i), 0, -1):
        words, alt = tuple(norms[i:i + length]), alts[i + length - 1]
        if index.is_name(words):
            return words, i + length, False
        if alt and index.is_name(words[:-1] + (alt,)):
            return words[:-1] + (alt,), i + length, True
    return None


def _tail(norms: list[str], alts: list[str | None], j: int) -> tuple[int, bool]:
    """Where the council words after a name end ("District Council"), and whether possessive."""
    end, possessive = j, False
    while j < len(norms) and norms[j] in _TAIL and not possessive:
        j += 1
        if norms[j - 1] in _TAIL_END:
            end, possessive = j, alts[j - 1] is not None
    return end, possessive


def _ordinary_word_ok(text, spans, norms, name: tuple[int, int], whole: tuple[int, int], context: bool) -> bool:
    """A name that is also an ordinary word counts only capitalised, and at the start of a
    sentence ("Reading the plans, ...") only with council context or standing alone."""
    if not all(t[0].isupper() for _, _, t in spans[name[0]:name[1]] if t.lower() not in {"and", "of"}):
        return False
    before = text[:spans[whole[0]][0]].rstrip(" \t\"'“‘(")
    alone = all(w in _FILLER for w in norms[:whole[0]] + norms[whole[1]:])
    sentence_start = not before or before[-1] in ".?!:;\n"
    return not sentence_start or context or alone


def councils_in(text: str, known: list[str], **options) -> list[str]:
    """The known councils ``text`` names, each once, in order of first mention."""
    return list(dict.fromkeys(council for council, _ in find_in_text(text, known, **options)))


def candidates(name: str, known: list[str]) -> list[str]:
    """The known councils ``name`` may refer to, best first (one when it is unambiguous; none
    for a real council the index does not hold: "Oxford" is not "Oxfordshire")."""
    words = tokens(name)
    if not words:
        return []
    exact = [k for k in known if tokens(k) == words]
    same_core = [k for k in known if core(tokens(k)) == core(words)]
    if exact or len(same_core) == 1:
        return (exact or same_core)[:1]
    reg, index = register(), _known(tuple(known))
    codes = reg.codes(name)
    for code in codes:
        found = reg.successor(code, index.by_code)
        if found:
            return [found]
    if codes:
        return []
    in_text = councils_in(name, known, case_sensitive=False)
    if in_text:
        return in_text
    # today's forgiving match for names the register lacks: every distinctive word, or a part of the name
    distinctive, joined = {w for w in words if w not in _KEEP}, " ".join(words)
    return [k for k in known if (distinctive and distinctive <= set(tokens(k)))
            or (len(joined) >= 3 and joined in " ".join(tokens(k)))]


def canonical(name: str, known: list[str]) -> str | None:
    """The known council ``name`` refers to, or None when it names none or several."""
    found = candidates(name, known)
    return found[0] if len(found) == 1 else None


def resolve(name: str, known: list[str]) -> str:
    """The known council ``name`` refers to, or a UserError that says why not: several match,
    "did you mean" for a typo, or a real council none of whose documents are indexed."""
    from assistant.errors import UserError

    found = candidates(name, known)
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(f"council '{name}' matches several: {'; '.join(found)}. Give more of the name.")
    message = f"unknown council '{name}'."
    close, authority = suggest(name, known), register().lookup(name)
    if close:
        message += f" Did you mean {' or '.join(repr(c) for c in close)}?"
    elif authority:
        # "Wyre" is Wyre Borough Council; the officer may mean the indexed Wyre Forest District Council
        longer = [k for k in named_longer(name, known) if k != authority.official_name]
        if longer:
            message += f" Did you mean {' or '.join(repr(c) for c in longer)}?"
        message += (f" {authority.official_name} has no documents indexed; add them with: "
                    f"assistant ingest FILE --council \"{authority.official_name}\".")
    listed = "; ".join(known) if len(known) <= 30 else "; ".join(known[:30]) + f"; and {len(known) - 30} more"
    raise UserError(f"{message} Known councils: {listed or 'none yet (run: assistant ingest ...)'}")


def named_longer(name: str, known: list[str]) -> list[str]:
    """The known councils whose names begin with ``name`` and go on ("Wyre" -> Wyre Forest
    District Council)."""
    words = tokens(name)
    return [k for k in known if words and tokens(k)[:len(words)] == words and len(tokens(k)) > len(words)]


def short_name(council: str) -> str:
    """How an officer names a council: its name without type words, spelt as given
    ("Redditch", "King's Lynn and West Norfolk", "York"), or "the county council" for a
    placeholder such as "Unnamed county council". ``find_in_text`` recognises it."""
    words = tokens(council)
    short = core(words)
    if all(w in _PLACEHOLDERS for w in short):
        return " ".join(("the",) + tuple(w for w in words if w not in _PLACEHOLDERS))
    if short == words:
        return council.strip()
    spans = [(m.start(), m.end()) for m in TOKEN.finditer(council)]
    at = next(k for k in range(len(words)) if words[k:k + len(short)] == short)
    return council[spans[at][0]:spans[at + len(short) - 1][1]]


def _forms(council: str) -> set[str]:
    words = tokens(council)
    forms = {words, core(words), first_part(council)}
    authority = register().lookup(council, strict=True)
    if authority:
        for alias in (authority.nice_name, *authority.alt_names, *authority.former_names):
            forms |= {tokens(alias), core(tokens(alias)), first_part(alias)}
    return {" ".join(f) for f in forms if f}


# Calibrated on 157 random one-letter typos (deletion, swap, vowel) of the short names of the
# shipped, dev-corpus and test councils: the right council came first for every one; other
# councils scored up to 81 only where names share a word ("Oxfordshire", "West Oxfordshire").
SUGGEST_CUTOFF = 75


def suggest(name: str, known: list[str], limit: int = 3) -> list[str]:
    """Known councils close in spelling to ``name`` ("Reditch" -> "Redditch Borough Council"),
    for a "did you mean" in the error for an unknown council."""
    from rapidfuzz import fuzz, process

    query = " ".join(core(tokens(name)))
    choices: dict[str, str] = {}
    for council in known:
        for form in _forms(council):
            choices.setdefault(form, council)
    scored = process.extract(query, list(choices), scorer=fuzz.ratio, limit=None, score_cutoff=SUGGEST_CUTOFF)
    return list(dict.fromkeys(choices[form] for form, _, _ in scored))[:limit]
