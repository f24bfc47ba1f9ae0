"""The guidance's rules for a plan, checked on the draft: length (words and estimated
pages), all themes present, theme 3's spend topics (consultants and agency staff; EDI),
dated implementation milestones, member endorsement (and where it will be published).

Length is measured the same way for every format: the words of the text the loader reads
(running headers, footers and page numbers already dropped; a word broken across a line
end counted once), divided by the guidance's words_per_page, to the nearest half page.
The pages of the file itself (PDF pages, Word page breaks) are shown but never decide.

The rules come from the guidance file's [[rule]] tables, by id. A rule id this module does
not know is reported as not checked automatically (passed: null), with its text.
"""

from __future__ import annotations

import math
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
}

# Member oversight: a sentence that says members (Cabinet, the Executive, full Council, the
# Leader...) approved, endorsed or agreed the plan itself, or are asked to or will. A budget
# decision or the publication of spending data is not the plan's endorsement.
PLAN = re.compile(r"\b(?:(?:this|the|our|draft|a)\s+(?:(?:council's|draft|2024|final)\s+)?productivity\s+plan|"
                  r"productivity\s+plan|(?:this|the|our)\s+(?:draft\s+)?plan)\b", re.IGNORECASE)
ENDORSE = re.compile(r"\b(?:approv(?:e|ed|es|al|ing)|endors(?:e|ed|es|ement|ing)|agree[ds]?|adopt(?:ed|s)?|"
                     r"ratif(?:y|ied)|signed\s+off|sign\s+off)\b", re.IGNORECASE)
MEMBERS = re.compile(r"\b(?:cabinet|executive|full\s+council|council\s+meeting|members?|councillors?|leader|"
                     r"committee|mayor)\b|\bbe\s+(?:approved|endorsed|agreed)\b", re.IGNORECASE)
PUBLISH = re.compile(r"\bpublish(?:ed|es|ing)?\b|\bon\s+(?:the|our)\s+(?:council's\s+)?website\b", re.IGNORECASE)


def endorses_plan(text: str) -> bool:
    return bool(PLAN.search(text) and ENDORSE.search(text) and MEMBERS.search(text))


def publishes_plan(text: str) -> bool:
    return bool(PUBLISH.search(text) and (PLAN.search(text) or re.search(r"\bprogress\b", text, re.IGNORECASE)))


def page_estimate(words: int, words_per_page: int) -> float:
    """Pages at ``words_per_page``, to the nearest half page."""
    return math.floor(words / words_per_page * 2 + 0.5) / 2

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
            estimated = page_estimate(words, length.words_per_page)
            ok = length.min_pages <= estimated <= length.max_pages
            detail = (f"{words} words: about {estimated:g} page{'s' if estimated != 1 else ''} at {length.words_per_page} words a page, "
                      f"to the nearest half page, whatever the format ({pages} page{'s' if pages != 1 else ''} "
                      f"in the file); the guidance asks for {length.min_pages}-{length.max_pages} pages")
            if estimated < length.min_pages:
                detail += f": about {length.min_pages * length.words_per_page - words} words short; add substance to the thin themes"
            elif estimated > length.max_pages:
                detail += f": about {words - length.max_pages * length.words_per_page} words over; shorten it"
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
        elif rule.id == "oversight":
            checks.append(_oversight_check(units))
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


def _oversight_check(units: list[DraftUnit]) -> Check:
    """Passes when the draft says members endorsed (or will endorse) the plan; says whether it
    also says where the plan will be published."""
    endorsed = [u for u in units if endorses_plan(u.unit.with_context())]  # "Members are asked to: (i) approve..."
    published = [u for u in units if publishes_plan(u.unit.text)]
    evidence = [u.evidence(1.0, "member endorsement") for u in endorsed[:2]] + \
        [u.evidence(1.0, "publication") for u in published[:1] if u not in endorsed[:2]]
    if not endorsed:
        detail = ("no sentence says members approved or endorsed the plan (or will): say which meeting "
                  "(Cabinet, the Executive, full Council) endorses it and when")
    else:
        detail = "says members endorse the plan"
    detail += ("; says it will be published" if published else
               "; also say that the plan will be published on the council's website, with progress updates")
    return Check(id="oversight", passed=bool(endorsed), detail=detail, evidence=evidence)
