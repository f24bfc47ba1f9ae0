"""Reading a question before searching: which councils it names, which theme, whether it
asks about the guidance or across peers, and which names in it no document mentions.

Council names match forgivingly: "Redditch" finds "Redditch Borough Council".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.errors import UserError
from assistant.models import KINDS, Filters
from assistant.text.themes import theme_numbers

COUNCIL_TYPE_WORDS = {"borough", "district", "county", "city", "metropolitan", "council", "unitary", "town",
                      "parish", "of", "the", "and", "royal", "london", "unnamed", "government"}
# A question about what councils did or said, as opposed to one that merely mentions
# councils ("What spending did the statement say councils should cut?" is about guidance).
PEER_WORDS = re.compile(
    r"\b(peers?|peer councils|other councils|other authorities|others|which councils?|which authorities|"
    r"each council|every council|all councils|councils'|across councils|compare|comparison|"
    r"(?:do|did|have|had|are|were|can) (?:the |other |peer |most |many |some )?(?:councils|authorities)|"
    r"(?:councils|authorities) (?:cite|cited|say|said|mention|mentioned|use|used|using|report|reported|describe|"
    r"described|measure|measured|do|did|plan|planned|highlight|highlighted|include|included|have|are|face|faced|"
    r"facing|need|needed|want|wanted|see|saw|identify|identified|propose|proposed|experience|experienced|"
    r"struggle|struggled|call|called|find|found|share|shared|spend|spent|save|saved|achieve|achieved)|"
    r"(?:facing|confronting) (?:the |most |many )?(?:councils|authorities))\b",
    re.IGNORECASE)
GUIDANCE_WORDS = re.compile(
    r"\b(guidance|the letter|minister'?s? letter|prompting questions?|what (?:does|did) (?:the )?government ask|"
    r"government asks?|asked councils|"
    # the plans' own rules: what the Government set, not what a council did
    r"template for (?:the|a) (?:productivity )?plan|how long should (?:a|the) (?:productivity )?plans?|"
    r"how many pages|deadline for (?:the )?productivity plans?|when did the minister|which minister|"
    # the themes themselves: "What are the four themes?", "What themes should a plan cover?"
    r"(?:four|4) themes|what (?:are|were) the themes|what themes (?:should|must|do|did|does))\b",
    re.IGNORECASE)
# "its 2025 productivity plan update", "their 2024 plans": a document of that year is asked for
DOCUMENT_YEAR = re.compile(r"\b(?:its|their|the|our|this|that)\s+(20\d\d)(?:\s*[/-]\s*\d{2,4})?\s+(?:productivity\s+)?"
                           r"(?:plans?|updates?|progress\s+reports?|reports?|submissions?|refresh)\b", re.IGNORECASE)
# Capitalised words that are not names to look for in the corpus.
COMMON_CAPITALS = {"i", "what", "which", "who", "how", "why", "when", "where", "did", "does", "do", "is", "are",
                   "was", "were", "can", "could", "should", "would", "will", "has", "have", "the", "a", "an", "and",
                   "or", "of", "in", "on", "for", "to", "tell", "list", "show", "give", "summarise", "summarize",
                   "describe", "explain", "compare", "council", "councils", "government", "theme", "plan", "plans",
                   "productivity", "uk", "england", "english", "minister", "mr", "mrs", "ms", "dr", "cllr", "please"}


def council_key_words(council: str) -> list[str]:
    """The distinctive words of a council's name ("Redditch" of "Redditch Borough Council")."""
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", council)]
    distinctive = [w for w in words if w not in COUNCIL_TYPE_WORDS]
    # "Unnamed county council" has no name of its own: "the county council" finds it
    return distinctive or [w for w in words if w not in {"council", "unnamed", "the", "of", "and"}]


def match_councils(text: str, councils: list[str]) -> list[str]:
    """Councils named in ``text`` by any of their names: official, short, former
    ("Bournemouth", "King's Lynn", "Durham"), each once, in order of mention."""
    from assistant.councils import councils_in

    return councils_in(text, councils)


def resolve_council(name: str, councils: list[str]) -> str:
    """One council from a forgiving name, or a UserError with "did you mean"."""
    from assistant.councils import resolve

    return resolve(name, councils)


def resolve_kinds(kinds: list[str] | None) -> list[str]:
    """Document kinds, checked against the known ones (a UserError lists them)."""
    resolved = [k.strip().lower() for k in kinds or []]
    for kind in resolved:
        if kind not in KINDS:
            raise UserError(f"unknown kind '{kind}'. Use one of: {', '.join(KINDS)}.")
    return resolved


def resolve_filters(councils: list[str] | None, kinds: list[str] | None, themes: list[int] | None,
                    known_councils: list[str]) -> Filters:
    resolved_kinds = resolve_kinds(kinds)
    for theme in themes or []:
        if not 1 <= theme <= 9:
            raise UserError(f"theme {theme} is out of range; the guidance has themes 1 to 4.")
    return Filters(councils=[resolve_council(c, known_councils) for c in councils or []], kinds=resolved_kinds,
                   themes=list(themes or []))


@dataclass
class QuestionAnalysis:
    text: str
    councils: list[str] = field(default_factory=list)  # councils the question names
    themes: list[int] = field(default_factory=list)
    about_guidance: bool = False
    across_councils: bool = False  # asks about peers / several councils: diversify, group by council
    unknown_names: list[str] = field(default_factory=list)  # names and words no document uses
    topic: str = ""  # the question without the councils' names: what it is about, not who
    document_year: str = ""  # "in its 2025 plan": only documents of that year answer


COMPOUND = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b")
# "a four day week", "three year settlements": a count of a unit qualifying the noun after it is
# the hyphenated term written spaced ("four-day week"); "saved £2m in one year" is not one
SPACED_COMPOUND = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|\d+) (day|week|month|year|hour|tier)s? "
                             r"(?!(?:a|an|the|of|in|on|to|for|and|or|ago|since|from|by|with|at)\b)[a-z]{3,}")


def compound_terms(question: str) -> list[str]:
    """Hyphenated terms a question hinges on ("four-day", "gold-plated", "in-house"), also
    written spaced ("a four day week"): the keyword index splits them into common words, so
    they are looked for whole."""
    text = re.sub(r"\w+['’]s\b", " ", question.lower())  # "arm's-length": not a compound of "s"
    spaced = [f"{m.group(1)}-{m.group(2)}" for m in SPACED_COMPOUND.finditer(text)]
    return list(dict.fromkeys(COMPOUND.findall(text) + spaced))


# "Exceptional Financial Support", "Internal Drainage Board": a named thing a question asks about
NAMED_PHRASE = re.compile(r"\b[A-Z][a-z]+(?:,?\s+(?:(?:of|and|for|the|on)\s+)?[A-Z][a-z]+)+")


def named_phrases(topic: str) -> list[str]:
    """Capitalised phrases of two or more words in a question (the councils' names already
    taken out), past its first word: "Which councils have received Exceptional Financial Support?"."""
    first = re.match(r"\s*\S+", topic)
    rest = topic[first.end():] if first else topic
    phrases = []
    for phrase in NAMED_PHRASE.findall(rest):
        words = phrase.split()
        while words and words[0].strip(",").lower() in COMMON_CAPITALS:
            words = words[1:]
        if len(words) >= 2:
            phrases.append(" ".join(words))
    return phrases


def mentions_named(text: str, phrase: str) -> bool:
    """Most of ``phrase``'s words in ``text`` ("drainage board levies" for "Internal Drainage
    Board"), or its initials as an acronym ("EFS")."""
    from assistant.evidence.scoring import content_stems

    initials = "".join(w[0] for w in re.findall(r"[A-Z][a-z]+", phrase))
    if len(initials) >= 2 and re.search(rf"\b{initials}s?\b", text):
        return True
    wanted = content_stems(phrase)
    return bool(wanted) and 3 * len(wanted & content_stems(text)) >= 2 * len(wanted)


def mentions(text: str, term: str) -> bool:
    """``term`` ("four-day") in ``text`` as written, spaced or joined ("four day", "fourday")."""
    parts = term.split("-")
    return re.search(r"\b" + r"[\s‐‑–-]?".join(map(re.escape, parts)) + r"\b", text, re.IGNORECASE) is not None


def capitalised_names(question: str) -> list[str]:
    """Names and figures a question hinges on: capitalised words past the first word
    ("Leeds" in "What did Leeds say?") and years or numbers ("2030")."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*|\b\d{2,}\b", question)
    names = []
    for word in words[1:]:
        if word.isdigit() or (word[0].isupper() and word.lower() not in COMMON_CAPITALS):
            names.append(word.strip("'’"))
    return names


def analyse(question: str, known_councils: list[str], vocabulary, uncommon_zipf: float) -> QuestionAnalysis:
    """``vocabulary.mentions(word)`` says whether any indexed chunk contains the word,
    ``vocabulary.mentions_like(word)`` whether any has a word that begins as it does; a word
    below ``uncommon_zipf`` in English (wordfreq's Zipf scale; AnswerTuning) that none has is unknown."""
    from assistant.councils import find_in_text

    found = find_in_text(question, [c for c in known_councils if not c.lower().startswith("government")])
    councils = list(dict.fromkeys(council for council, _ in found))
    topic = question
    for start, end in sorted((span for _, span in found), reverse=True):
        topic = topic[:start] + "\0" + topic[end:]
    # "Compare how A and B approach..." -> "Compare how approach...": the names, the words
    # joining them and their possessive go
    topic = re.sub(r"\0(?:\s*(?:,|and|or|&|versus|vs\.?)\s*\0)+", "\0", topic)
    topic = re.sub(r"\0(?:['’]s\b)?", " ", topic)
    analysis = QuestionAnalysis(
        text=question,
        councils=councils,
        topic=" ".join(topic.split()),
        themes=theme_numbers(question),
        about_guidance=bool(GUIDANCE_WORDS.search(question)),
        document_year=(DOCUMENT_YEAR.search(question) or [None, ""])[1],
    )
    analysis.across_councils = not councils and bool(PEER_WORDS.search(question)) or len(councils) > 1
    analysis.unknown_names = [n for n in capitalised_names(analysis.topic) if not _mentioned(n, vocabulary.mentions)]
    analysis.unknown_names += [w for w in topic_words(analysis.topic, councils)
                               if not _mentioned(w, vocabulary.mentions_like) and _uncommon(w, uncommon_zipf)]
    if not councils:  # ("Since when have Bromsgrove and Redditch shared…?": Redditch's documents may say)
        analysis.unknown_names += shadowed_councils(analysis.topic, known_councils)
    return analysis


# "What did Leeds say…?", "…does Wyre use?": a place named as the one that acts, with a verb
# after it; not "How do Worcestershire districts share…?" (a plural noun: the place qualifies it)
AS_ACTOR = (r"\b(?:did|does|do|has|have|had|is|was|will|would|can|could)\s+{name}\s+(?![a-z]*[^s]s\b)[a-z]+\b"
            r"|\b{name}(?:['’]s|['’])\s+(?:productivity\s+)?(?:plan|report|paper|minutes|approach|barriers?)\b")


def _name_runs(topic: str) -> list[str]:
    """Capitalised words past the first, run together as names are ("North Somerset"), each
    run and its last word alone ("Somerset")."""
    runs = re.findall(r"(?<!^)(?<=\s)[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}", topic)
    names = []
    for run in (re.sub(r"['’]s?$", "", r) for r in runs):  # "Leeds's", "Leeds'"
        names.append(run)
        if " " in run:
            names.append(run.split()[-1])
    return list(dict.fromkeys(n for n in names if n.lower() not in COMMON_CAPITALS))


def shadowed_councils(topic: str, known_councils: list[str]) -> list[str]:
    """Names of real councils none of whose documents is indexed, although the documents use
    the word: named as the one that says or does something ("What did Leeds say…?" when a
    plan mentions the Leeds City Region), or only the beginning of an indexed council's name
    ("Wyre" when Wyre Forest District Council is indexed). "Councils in Kent" names a place."""
    from assistant.councils import named_longer, register, tokens

    found = []
    for name in _name_runs(topic):
        words = tokens(name)
        authority = register().lookup(name, strict=True) if words else None
        if authority is None or not authority.current or authority.official_name in known_councils:
            continue
        if named_longer(name, known_councils) or re.search(AS_ACTOR.format(name=re.escape(name)), topic):
            found.append(name)
    return found


def _uncommon(word: str, zipf: float) -> bool:
    """Not an everyday English word: a question's "drones" or "gamification" is what it is
    about, while its "spent" or "happened" may simply be worded differently from the documents."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") < zipf


def topic_words(topic: str, councils: list[str]) -> list[str]:
    """The lower-case words a question is about ("drones" in "Does X use drones to inspect its
    roads?"): an uncommon word no document uses, nor any word beginning as it does, cannot be
    answered from them. Capitalised words are names (capitalised_names); adverbs ("roughly")
    say how, not what."""
    from assistant.evidence.scoring import FUNCTION_WORDS, OVERVIEW_WORDS, QUESTION_WORDS

    own = {w for c in councils for w in council_key_words(c)} | COUNCIL_TYPE_WORDS
    return [w for w in dict.fromkeys(re.findall(r"(?<![\w'’-])[a-z]{4,}(?![\w'’-])", topic))
            if w not in QUESTION_WORDS and w not in FUNCTION_WORDS and w not in OVERVIEW_WORDS and w not in own
            and not w.endswith("ly")]


def _mentioned(name: str, vocabulary_has) -> bool:
    """A name the documents use: as written, or an acronym they write out ("EDI": most words
    of "equality, diversity and inclusion" indexed)."""
    from assistant.text.acronyms import SPELLED_OUT

    if vocabulary_has(name):
        return True
    words = [w for w in re.findall(r"[A-Za-z]+", SPELLED_OUT.get(name, "")) if len(w) > 3]
    return bool(words) and 2 * sum(bool(vocabulary_has(w)) for w in words) > len(words)
