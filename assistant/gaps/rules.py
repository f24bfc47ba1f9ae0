"""The guidance's rules for a plan, checked on the draft: length (words and estimated
pages), all themes present, theme 3's spend topics (consultants and agency staff; EDI),
dated implementation milestones, member endorsement and publication.

The rules come from the guidance file's [[rule]] tables, by id. A rule id this module does
not know is reported as not checked automatically (passed: null), with its text.
"""

from __future__ import annotations

import re

from assistant.gaps.matching import DraftUnit, Matcher
from assistant.gaps.models import MISSING, Check, ThemeFinding

MILESTONES_NEEDED = 2

# What the draft must show for a rule: each aspect is found when a unit matches one of its
# texts at settings.gaps.covered_at or better. Rules of the guidance file not listed here (and not
# "length", "all-themes" or "milestones") are reported as not checked automatically.
RULE_ASPECTS = {
    "theme3-spend": {
        "consultant and agency spend": ["spend on agency staff", "spend on consultants",
                                        "reducing reliance on agency staff and consultants"],
        "EDI spend": ["spend on equality, diversity and inclusion", "EDI roles and programmes",
                      "equality and diversity staff costs"],
    },
    "oversight": {
        "member endorsement": ["plan approved by Cabinet", "plan endorsed by members", "agreed by full Council",
                               "member oversight and approval of the plan"],
        "publication": ["published on the council's website", "progress updates published"],
    },
}

MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
WHEN = re.compile(
    rf"\b(?:(?:by|in|from|during|until|before|within|over|end of|early|late|q[1-4]|spring|summer|autumn|winter|{MONTH})"
    rf"\s+(?:the\s+)?(?:end\s+of\s+)?(?:{MONTH}\s+)?20[2-4]\d(?:\s*[/-]\s*\d{{2,4}})?"
    r"|20[2-4]\d\s*[/-]\s*\d{2}\b"
    r"|next\s+(?:two|three|four|five|\d+)\s+years|(?:by|within)\s+(?:the\s+)?(?:end\s+of\s+)?(?:this|next)\s+(?:year|financial year))",
    re.IGNORECASE)
FORWARD = re.compile(r"\b(?:will|shall|plan(?:s|ned)?|aim(?:s)?|target(?:s|ed)?|due|deliver|implement\w*|introduc\w*|"
                     r"launch\w*|roll(?:ing)? out|complet\w*|by)\b", re.IGNORECASE)


def dated_commitment(text: str, from_year: int) -> bool:
    """A sentence that commits to something by a date from ``from_year`` on ("a new contact
    centre by December 2024", "over the next two years"), not one that reports the past."""
    if not FORWARD.search(text):
        return False
    for match in WHEN.finditer(text):
        years = [int(y) for y in re.findall(r"20\d\d", match.group(0))]
        if not years or max(years) >= from_year:
            return True
    return False


def check_rules(guidance, units: list[DraftUnit], matcher: Matcher, themes: list[ThemeFinding],
                words: int, pages: int) -> list[Check]:
    checks = []
    for rule in guidance.rules:
        if rule.id == "length":
            length = guidance.length
            estimated = words / length.words_per_page
            ok = length.min_pages - 0.5 <= estimated <= length.max_pages + 0.5
            detail = (f"{words} words, about {estimated:.1f} pages at {length.words_per_page} words a page "
                      f"({pages} page{'s' if pages != 1 else ''} in the file); the guidance asks for "
                      f"{length.min_pages}-{length.max_pages} pages (half a page either way passes)")
            if not ok:
                detail += ": " + ("add substance to the thin themes" if estimated < length.min_pages else
                                  "shorten it")
            checks.append(Check(id=rule.id, passed=ok, detail=detail))
        elif rule.id == "all-themes":
            missing = [t for t in themes if t.status == MISSING]
            detail = (f"all {len(themes)} themes are addressed" if not missing else
                      "missing: " + "; ".join(f"theme {t.theme} ({t.title})" for t in missing))
            checks.append(Check(id=rule.id, passed=not missing, detail=detail))
        elif rule.id == "milestones":
            from_year = int(guidance.letter_date[:4]) if guidance.letter_date[:4].isdigit() else 0
            found = [u for u in units if not u.echo and dated_commitment(u.unit.text, from_year)]
            evidence = [u.evidence(1.0, "a dated commitment") for u in found[:5]]
            ok = len(found) >= MILESTONES_NEEDED
            detail = (f"{len(found)} dated commitment{'s' if len(found) != 1 else ''} found" +
                      ("" if ok else f"; name at least {MILESTONES_NEEDED} implementation milestones with dates"))
            checks.append(Check(id=rule.id, passed=ok, detail=detail, evidence=evidence))
        elif rule.id in RULE_ASPECTS:
            checks.append(_aspect_check(rule.id, RULE_ASPECTS[rule.id], units, matcher))
        else:
            checks.append(Check(id=rule.id, passed=None, detail=f"not checked automatically: {rule.text}"))
    return checks


def _aspect_check(rule_id: str, aspects: dict[str, list[str]], units: list[DraftUnit], matcher: Matcher) -> Check:
    found, missing, evidence = [], [], []
    for name, texts in aspects.items():
        scores = matcher.match(texts)
        best = scores.max(axis=1) if len(units) else []
        i = int(best.argmax()) if len(units) else -1
        if i >= 0 and best[i] >= matcher.vocabulary.tuning.covered_at:
            found.append(name)
            evidence.append(units[i].evidence(float(best[i]), name))
        else:
            missing.append(name)
    detail = ("covers " + " and ".join(found)) if not missing else (
        "does not cover " + " or ".join(missing) + (f" (covers {' and '.join(found)})" if found else ""))
    return Check(id=rule_id, passed=not missing, detail=detail, evidence=evidence)
