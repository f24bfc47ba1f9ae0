"""A council's type, region, nation and population, for compare's columns, and filters by
type and region that accept what officers type ("districts", "NMD", "west midlands")."""

from __future__ import annotations

from assistant.councils.register import READABLE_TYPES, register, tokens

# Other words for each type; its code, readable name and the register's name also work, in the
# singular or plural, with or without "council(s)"/"authority". "unitary" is England's
# unitaries: Welsh and Scottish ones are their own types.
TYPE_WORDS = {"NMD": ["non metropolitan district", "shire district", "lower tier"],
              "UA": ["english unitary"], "CTY": ["shire county", "upper tier"],
              "MD": ["metropolitan", "metropolitan district", "met", "mbc"],
              "LBO": ["london"], "WPA": ["welsh"], "SCO": ["scottish"], "NID": ["ni district"],
              "COMB": ["combined", "ca", "mayoral combined"], "SRA": ["gla"], "CC": ["city of london"]}
REGION_WORDS = {"east": ["East of England"], "eastern": ["East of England"], "east anglia": ["East of England"],
                "yorkshire": ["Yorkshire and The Humber"], "humber": ["Yorkshire and The Humber"],
                "midlands": ["East Midlands", "West Midlands"], "ne": ["North East"], "nw": ["North West"],
                "se": ["South East"], "sw": ["South West"], "em": ["East Midlands"], "wm": ["West Midlands"],
                "ni": ["Northern Ireland"]}


def describe(council: str) -> dict:
    """Type, region, nation and population of a council (None each for a council the register
    lacks, such as a fictional one), with its register code and official name."""
    a = register().lookup(council, strict=True)
    if a is None:
        return dict.fromkeys(["code", "official_name", "type", "type_code", "region", "nation", "population",
                              "current"])
    return {"code": a.code, "official_name": a.official_name, "type": a.type, "type_code": a.type_code,
            "region": a.region or None, "nation": a.nation, "population": a.population, "current": a.current}


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _type_key(value: str) -> str:
    skip = {"council", "councils", "authority", "authorities", "the", "all", "a", "an"}
    return " ".join(_singular(w) for w in tokens(value) if w not in skip)


def _region_key(value: str) -> str:
    return " ".join(w for w in tokens(value) if w not in {"the", "region", "of", "and"})


def _unknown(what: str, value: str, options: list[str]):
    from rapidfuzz import process

    from assistant.errors import UserError

    close = [o for o, _, _ in process.extract(value, options, limit=2, score_cutoff=70)]
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    return UserError(f"unknown {what} '{value}'.{hint} Use one of: {', '.join(options)}.")


def resolve_types(values: list[str]) -> set[str]:
    """Register type codes from forgiving names ("districts", "NMD", "London boroughs"); a
    UserError names the accepted ones."""
    aliases = {_type_key(a.type_name): a.type_code for a in register().authorities.values()}
    for code, readable in READABLE_TYPES.items():
        aliases.update({_type_key(w): code for w in [code, readable, *TYPE_WORDS.get(code, [])]})
    codes = set()
    for value in values:
        if _type_key(value) not in aliases:
            raise _unknown("council type", value, list(READABLE_TYPES.values()))
        codes.add(aliases[_type_key(value)])
    return codes


def resolve_regions(values: list[str]) -> set[str]:
    """Region or nation names from forgiving spellings ("west midlands", "Yorkshire",
    "Midlands", "Wales"); a UserError names the accepted ones."""
    reg = register()
    aliases = {_region_key(p): [p] for p in reg.regions + reg.nations}
    aliases.update({_region_key(w): regions for w, regions in REGION_WORDS.items()})
    resolved = set()
    for value in values:
        if _region_key(value) not in aliases:
            raise _unknown("region", value, reg.regions + [n for n in reg.nations if n not in reg.regions])
        resolved.update(aliases[_region_key(value)])
    return resolved


def matches_filters(council: str, types: list[str] | None = None, regions: list[str] | None = None) -> bool:
    """Whether a council is of one of ``types`` and in one of ``regions`` (a nation counts as a
    region); an empty list sets no condition. A council the register lacks matches no filter."""
    if not types and not regions:
        return True
    a = register().lookup(council, strict=True)
    if a is None:
        return False
    if types and a.type_code not in resolve_types(types):
        return False
    return not regions or bool({a.region, a.nation} & resolve_regions(regions))
