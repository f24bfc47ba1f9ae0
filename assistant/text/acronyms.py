"""Acronyms officers write in questions and plans write out in full, or the other way round
("EDI" / "equality, diversity and inclusion"). The keyword index and the word-overlap score
see different words for one thing, and the small offline embedder does not know most of
them, so both are given the words written out.

Only acronyms with one meaning in English local government, written in capitals.
"""

from __future__ import annotations

import re

SPELLED_OUT = {
    "AI": "artificial intelligence",
    "ASC": "adult social care",
    "CRM": "customer relationship management",
    "DSG": "dedicated schools grant",
    "DWP": "Department for Work and Pensions",
    "EDI": "equality, diversity and inclusion",
    "EHCP": "education, health and care plan",
    "EHCPs": "education, health and care plans",
    "FTE": "full-time equivalent",
    "HRA": "housing revenue account",
    "ICT": "information and communications technology",
    "IDB": "internal drainage board",
    "IDBs": "internal drainage boards",
    "KPI": "key performance indicator",
    "KPIs": "key performance indicators",
    "LGA": "Local Government Association",
    "LGR": "local government reorganisation",
    "MTFP": "medium term financial plan",
    "MTFS": "medium term financial strategy",
    "RPA": "robotic process automation",
    "SEND": "special educational needs and disabilities",
}
ACRONYM = re.compile(r"\b(" + "|".join(sorted(SPELLED_OUT, key=len, reverse=True)) + r")\b")


def spell_out(text: str) -> str:
    """``text`` with each known acronym replaced by its words ("EDI spend" -> "equality,
    diversity and inclusion spend")."""
    return ACRONYM.sub(lambda m: SPELLED_OUT[m.group(1)], text)


def with_spelled_out(text: str) -> str:
    """``text`` with each known acronym followed by its words in brackets, once: a search
    query then finds passages written either way."""
    found = list(dict.fromkeys(ACRONYM.findall(text)))
    return text + "".join(f" ({SPELLED_OUT[a]})" for a in found)
