"""What is not a council's own point, whatever it scores:

- **the Government's words** — the guidance's themes, questions, rules and the Minister's
  letter, which plans and cover reports quote back ("reduce wasteful expenditure, for
  example on consultants or discredited equality, diversity and inclusion programmes");
- **non-content** — a heading standing alone, a URL, a contents-list line, a form field or
  sign-off row, a committee report's furniture (recommendations, implications, contacts),
  and the plan's own paperwork (approved, submitted, the deadline).

One place for all of them, so `ask`, `chat`, `draft`, `gaps` and `compare` leave out the
same things.
"""

from __future__ import annotations

import re

from assistant.text.sentences import Unit

# Committee-report furniture and the plan's own paperwork: true, but not evidence of what
# the council has done (form fields, sign-off rows, recommendations, the request itself).
FORM_LABEL = re.compile(
    r"^\s*(relevant portfolio holder|portfolio holders?|report author|contact|wards? affected|ward councillors?|"
    r"relevant head of service|head of service|lead director|lead member|key decision|non-key decision|"
    r"strategic themes?|relevant strategic purpose|date of meeting|title of report|financial services|"
    r"legal services|policy team|climate change officer|background papers?|appendi(x|ces))\b", re.IGNORECASE)
BOILERPLATE_SECTION = re.compile(
    r"\b(recommendations?|report sign[- ]?off|background papers?|appendices|contact details|"
    r"reasons? for (the )?decisions?|other options considered|relevant consultations?|environmental impact|"
    r"risk management|(legal|other|equalit\w+|climate change|operational|strategic purposes?)( and diversity)?"
    r"( -)? implications)\b", re.IGNORECASE)
ABOUT_THE_PLAN = re.compile(r"\b(productivity plans?|(the|these|this) plans?|(this|the|covering) report)\b",
                            re.IGNORECASE)
PLAN_PAPERWORK = re.compile(
    r"\b(approv\w*|submi\w*|publish\w*|recommend\w*|resolved|endorse\w*|deadline|template|pages? in length|"
    r"\d\s*(-|to)\s*\d pages|four pages|minister|dluhc|levelling up|wrote|written to|request\w*|expect\w*|"
    r"required|requirement|need(ed|s)? to|delegated authority|considered the report|member oversight|circulated)\b",
    re.IGNORECASE)
# A question about the plan's own paperwork or the Government's request (or any mention at all):
# the question-side counterpart of PLAN_PAPERWORK and GOVERNMENT_REQUEST
PAPERWORK_QUESTION = re.compile(r"\b(approv\w*|submi\w*|publish\w*|recommend\w*|resolv\w*|endorse\w*|deadline|"
                                r"minutes|meeting|committee|cabinet|councillors?|members?|vote\w*|oversight|author|"
                                r"wrote|written|template|letter|minister|government|dluhc|mhclg|request\w*|asked|"
                                r"mention\w*|why|(?:produc(?:e|ed|es|ing)|prepar\w*|writ\w*|draft\w*) (?:a |the |its |their )?(?:productivity )?"
                                r"plans?)\b",
                                re.IGNORECASE)
# The Government's request retold ("the Government announced a new efficiency drive").
GOVERNMENT_REQUEST = re.compile(
    r"\b(government|minister|secretary of state|dluhc|mhclg)\b[^.;]{0,40}?\b(announced|wrote|asked|asks|requested|set out|"
    r"said|says|stated|states|indicated|confirmed|expects|expected|wants|wanted|written|writes|invited)\b"
    r"|\bthe (?:(?:minister|government|dluhc|mhclg)['’]s )?letter (?:said|says|asked|asks|set out|sets out|requested|"
    r"explained|stated|states)\b",
    re.IGNORECASE)
# "...in response to the DLUHC's request", "the ask of DLUHC to create the plan", "The plans
# needed to detail how the Council had transformed services..."
GOVERNMENT_ASK = re.compile(r"\b(?:requir\w*|request\w*|asked|expect\w*)\b[^.;]{0,60}\b(?:all|every) (?:english )?"
                            r"(?:councils?|local authorities|authorities)\b|"
                            # "Councils had been asked to limit their replies to four pages"
                            r"\b(?:councils|local authorities|authorities) (?:had been|have been|were|are|would be) "
                            r"(?:asked|required|requested|expected|invited) to\b|"
                            r"\b(dluhc|mhclg|government|minister|secretary of state)(?:['’]s)? (request|ask|letter|"
                            r"requirement|invitation)\b|\bthe ask of (?:the )?(dluhc|mhclg|government)\b|"
                            r"\bplans? (?:needed|needs|need|were required|are required|had|has|have|should|must|would|"
                            r"were|are)(?: to| be expected to)? (?:detail|set out|include|cover|describe|show)\b",
                            re.IGNORECASE)
PLANS_PURPOSE = re.compile(r"\b(aim|purpose)s? of (the |these )?productivity plans\b", re.IGNORECASE)
# The letter's voice ("what you have done ... your organisation"), quoted back by a report.
GUIDANCE_VOICE = re.compile(r"\byou(r)? (have|plan|should|may|organisation|council|current plans)\b", re.IGNORECASE)
THEME_LABEL = re.compile(r"^\s*theme\s*\d\b", re.IGNORECASE)
CONTACT = re.compile(r"\S+@\S+\.\w+|\btel(ephone)?\b\s*:", re.IGNORECASE)
URL = re.compile(r"\b(?:https?://|www\.)\S+|\b\S+\.(?:gov|org|co)\.uk\S*", re.IGNORECASE)
# "Theme 2: Technology ........ 4", "3. Reducing wasteful spend  7": a contents line
CONTENTS_LINE = re.compile(r"(?:\.{3,}|…+|\s{2,}|\t)\s*\d{1,3}\s*$")
# A document describing itself ("This document summarises what the Government asked…", "This
# report sets out…"): it names the topics it covers, so it reads close to any question on
# them, and says none of the facts
SELF_DESCRIPTION = re.compile(r"^\s*(?:(?:this|the present|the) (?:council['’]s )?(?:proposed |draft |final )?"
                              r"(?:document|report|paper|note|page|summary|briefing|guide|(?:productivity )?plan)|appendix \w+)\b"
                              r"[^.;:]{0,60}?\b(?:summari[sz](?:es|ed)|sets out|set out|describe[sd]|outline[sd]|explain(?:s|ed)|"
                              r"present(?:s|ed)|provides|gives|covers|brings together|highlight(?:s|ed)|included reference to|"
                              r"refers to|referred to)\b(?!\s+that\b)(?![^.;]*\b(?:such as|for example|e\.g\.|including)\b)",
                              re.IGNORECASE)
# ...which does answer a question about the document itself
DOCUMENT_QUESTION = re.compile(r"\b(?:documents?|reports?|papers?|summar\w*|purpose|overview|set out|sets out|aims?|"
                               r"outlin\w*|describ\w*|highlight\w*|appendi\w*|"
                               r"(?:is|are|was) (?:it |they )?for)\b", re.IGNORECASE)
# "…the council has considered the following themes:" leads into the Government's four themes
THEMES_LEAD_IN = re.compile(r"\b(?:the following|four|4|the government'?s|the letter'?s|the guidance'?s) themes\b",
                            re.IGNORECASE)



def is_paperwork(text: str) -> bool:
    """About the productivity plan's own request, approval or submission."""
    return bool(ABOUT_THE_PLAN.search(text) and PLAN_PAPERWORK.search(text) or PLANS_PURPOSE.search(text)
                or GOVERNMENT_REQUEST.search(text) or GUIDANCE_VOICE.search(text))


def asks_about_paperwork(question: str) -> bool:
    """A question the Government's request retold may answer: about the request itself, the
    plan's approval, submission or meeting, or any mention of something."""
    return bool(PAPERWORK_QUESTION.search(question))


def describes_itself(unit: Unit, question: str) -> bool:
    """The document's account of itself, when the question is not about the document."""
    return bool(SELF_DESCRIPTION.search(unit.text)) and not DOCUMENT_QUESTION.search(question)


# "Kesterton is a borough of 128,000 people…", "The borough has a young and growing population:
# 24% of residents are under 18…": the place a plan introduces, not what its council does
PLACE = re.compile(r"\b(?:is|are) (?:a|an)\b[^.;:]{0,60}\b(?:borough|district|county|city|town|area|region)\b"
                   r"[^.;:]{0,40}\bof (?:about |around |some |over |nearly |almost )?[\d,.]+(?: million| thousand)?"
                   r" (?:people|residents|inhabitants)\b"
                   r"|\b(?:has|have) (?:a|an)\b[^.;:]{0,40}\bpopulation\b", re.IGNORECASE)
PLACE_QUESTION = re.compile(r"\b(?:population|people|residents|demograph\w*|households?|area|place|size|"
                            r"large|small|young|old|age[ds]?|deprivation|deprived|live|lives|borough|district)\b",
                            re.IGNORECASE)


def describes_the_place(unit: Unit, question: str) -> bool:
    """A plan's introduction to its area and people, when the question is not about them."""
    return bool(PLACE.search(unit.text)) and not PLACE_QUESTION.search(question)


def is_background(unit: Unit, question: str) -> bool:
    """The document's account of itself or of its place, when the question is not about it."""
    return describes_itself(unit, question) or describes_the_place(unit, question)


def retells_government(unit: Unit) -> bool:
    """What the Government asked, retold in a council's document ("The plan had been produced
    in response to the DLUHC's request…", "The Government expects the plans to cover…" and
    the list it leads into): not something the council did or said of its own."""
    def retold(text: str) -> bool:
        return bool(GOVERNMENT_REQUEST.search(text) or GOVERNMENT_ASK.search(text))
    return retold(unit.text) or (unit.kind == "item" and retold(unit.lead_in))


def names_the_themes(unit: Unit, guidance) -> bool:
    """A sentence naming every theme ("…four themes relating to transformation, use of
    technology, plans to reduce wasteful spend and the barriers preventing progress"), or an
    item of a list of them ("…has considered the following themes:"): the shape of the
    Government's request, not something the council did."""
    from assistant.evidence.expansions import theme_names
    from assistant.evidence.scoring import content_stems

    if unit.kind == "item" and THEMES_LEAD_IN.search(unit.lead_in or ""):
        return True
    names = theme_names(guidance)
    stems = content_stems(unit.text)
    return len(names) > 1 and all(words and words & stems for words in names.values())


def guidance_wordings(guidance) -> list[str]:
    """The guidance's own words: themes, their notes, rules, questions and the letter's
    wording of each theme. The one list every job checks echoes against."""
    key = (guidance.id, len(guidance.questions()))
    if key not in _WORDINGS:
        _WORDINGS[key] = _wordings(guidance)
    return _WORDINGS[key]


_WORDINGS: dict = {}


def _wordings(guidance) -> list[str]:
    return [t.title for t in guidance.themes] + [t.note for t in guidance.themes if t.note] + \
        [r.text for r in guidance.rules] + [q.text for q in guidance.questions()] + \
        [t.letter_wording for t in guidance.themes if t.letter_wording]


def echoes(text: str, wordings: list[str], ratio: int = 80, phrases: list[str] = ()) -> bool:
    """Whether a sentence restates the guidance (every plan repeats the four themes) or
    carries one of the Government's own phrases (``phrases``: the guidance's letter_phrases)."""
    from rapidfuzz import fuzz

    lowered = " ".join(text.lower().split())
    if any(p.lower() in lowered for p in phrases):
        return True
    return any(fuzz.token_set_ratio(lowered, g.lower()) >= ratio for g in wordings
               if 0.6 * len(g) <= len(lowered) <= 1.6 * len(g))


# "MINUTES of a meeting of the Cabinet held at County Hall, Elmbury, on Tuesday 16 July 2024":
# a record's heading, however long, not something the meeting said
MEETING_HEADER = re.compile(r"^(?:minutes|notes|record|summary)\s+of\s+(?:a|the)\s+(?:\w+\s+)?meeting\s+of\b"
                            r"(?!.*[.!?]\s*$)", re.IGNORECASE)


def is_non_content(unit: Unit) -> bool:
    """A heading alone, a URL, a contents line, a form row: never a point."""
    text = unit.text.strip()
    words = re.findall(r"[A-Za-z£0-9][\w£%'’-]*", text)
    if unit.kind == "sentence" and len(words) < 3:
        return True
    if URL.search(text) and len(URL.sub("", text).split()) < 6:
        return True
    if CONTENTS_LINE.search(text) or MEETING_HEADER.match(text):
        return True
    if unit.kind == "sentence" and not re.search(r"[.!?:;)\]”\"]\s*$", text) and len(words) <= 8 \
            and sum(w[0].isupper() for w in words) >= 0.6 * len(words):
        return True  # "Our Approach To Digital", a heading on a line of its own
    return cut_off(unit)


def cut_off(unit: Unit) -> bool:
    """The last words of a text cut off mid-word ("3) APPROVED the C"), as a saved web page
    or a page of extracted text can end: it says nothing yet."""
    text = unit.text.rstrip()
    return unit.end >= len(unit.chunk.text.rstrip()) and bool(re.search(r"\s(?![aAI]\b)[A-Za-z]$", text))


def is_boilerplate(unit: Unit) -> bool:
    """Report furniture and the plan's paperwork (used where points are evidence of what a
    council did: drafts, gaps' peers, comparisons, answers across councils)."""
    text = unit.text.strip()
    if THEME_LABEL.match(text) or CONTACT.search(text):
        return True
    if FORM_LABEL.match(text) and not text.endswith((".", "!", "?")):  # "Report Author  Jane Doe"
        return True
    # a row of a form or sign-off table; not a row of a table with a header ("Year | Savings
    # delivered | …"), which text/blocks.py reads as an item under it
    if ("\t" in text or " | " in text) and len(text.split()) <= 12 and not (
            unit.kind == "item" and " | " in unit.lead_in):
        return True
    if unit.kind == "sentence" and text[:1].islower():  # the tail of a broken line, not a sentence
        return True
    if BOILERPLATE_SECTION.search(unit.chunk.section.split(" › ")[0]):
        return True
    return is_paperwork(text) or (unit.kind == "item" and is_paperwork(unit.lead_in))
