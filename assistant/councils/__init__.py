"""Council names from data: recognise councils by any of their names (official, short, former)
in questions, documents and ``--council``, suggest spellings, and describe and filter councils
by type and region. Built on mySociety's register of UK local authorities, shipped in
``assistant/data/uk-local-authorities/``. Contains data from mySociety's UK local authority
names and codes, CC BY 4.0.

    register() / lookup(name)        the register (loaded on first use) and one authority
    canonical(name, known)            which council known to the index a name refers to
    resolve(name, known)              the same for --council, or a UserError with "did you mean"
    candidates(name, known)           the same, every possibility (for "matches several")
    find_in_text(text, known)         every known council named in free text, with spans
    councils_in(text, known)          the same, each council once
    short_name(council)               "Redditch" for "Redditch Borough Council"
    suggest(name, known)              "did you mean" for a typo
    describe(council)                 type, region, nation, population
    matches_filters(council, types, regions), resolve_types(...), resolve_regions(...)

Importing this package reads no data.
"""

from assistant.councils.filters import describe, matches_filters, resolve_regions, resolve_types
from assistant.councils.names import (
    COMMON_WORDS,
    candidates,
    canonical,
    councils_in,
    find_in_text,
    named_longer,
    resolve,
    short_name,
    suggest,
)
from assistant.councils.register import (
    ATTRIBUTION,
    DATA_DIR,
    READABLE_TYPES,
    Authority,
    Register,
    core,
    lookup,
    register,
    tokens,
)

__all__ = ["ATTRIBUTION", "COMMON_WORDS", "DATA_DIR", "READABLE_TYPES", "Authority", "Register", "candidates",
           "canonical", "core", "councils_in", "describe", "find_in_text", "lookup", "matches_filters", "named_longer",
           "register", "resolve", "resolve_regions", "resolve_types", "short_name", "suggest", "tokens"]
