"""Follow-up questions in a chat, made standalone before they are searched.

Offline (no model), what the officer typed is read against the previous turn, by the
first of these rules that applies:

1. Narrowing: "which of those mention recruitment?", "do any of them ...", "of these,
   which ...". The question without its back-reference is answered from the passages
   the previous answer cited, and nothing else is searched.
2. Switching: a short follow-up that names only a council and/or a theme ("and what
   about Blaby?", "Sandwell?", "same for theme 2", "what did the county council say?").
   The previous question is asked again of that council (its council, or "peer
   councils", replaced by the new one) or under that theme.
3. Same scope, new topic: "what about recruitment?", "and agency staff?" become "What
   did <the previous question's council(s), or peer councils> say about recruitment?".
4. Back-reference: "what did they say about ...", "their workforce" in a question that
   names no council: "they"/"their" become the previous question's council(s).
5. Anything else stands alone (a leading "and", "also", "so" is dropped).

With an LLM backend, the condense prompt (prompts/condense.*.md) writes the standalone
question instead; rule 1 still decides when to search only the previous answer's passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text.themes import THEME_REFERENCE, replace_theme, theme_numbers

from assistant.evidence.question import PEER_WORDS, council_key_words

LEADING = re.compile(r"^\s*(?:(?:and|also|now|ok|okay|so|then|but|right|next)\b[\s,]*)+", re.IGNORECASE)
ABOUT = re.compile(r"^(?:(?:what|how)\s+about|what\s+of|(?:the\s+)?same\s+(?:question\s+|again\s+|thing\s+)?for|"
                   r"likewise\s+for|and\s+for|for|in)\b[\s,:]*", re.IGNORECASE)
REFERENCE = r"(?:those|these|them|the above|that list|this list|the list|that answer|the last answer|the answer)"
NARROW = re.compile(
    rf"\b(?:of|among|amongst|from|within)\s+{REFERENCE}\b|"
    r"\b(?:any|none|all|some|each|one|many|both|either|neither|how many)\s+of\s+(?:those|these|them)\b|"
    r"\bwhich\s+ones\b|\b(?:do|does|did)\s+(?:those|these)\b|\bthose\s+(?:that|which)\b",
    re.IGNORECASE)
THEY = re.compile(r"\b(?:(?:did|do|does|have|has|had|will|would|can|could|should)\s+(they)|(their))\b", re.IGNORECASE)
THEME = re.compile(r"\b(?:under\s+|in\s+|for\s+|on\s+)?" + THEME_REFERENCE.pattern[2:], re.IGNORECASE)
PEER_PHRASE = re.compile(r"\b(?:(?:the\s+)?(?:peer|other|neighbouring)\s+(?:councils|authorities)|peers|"
                         r"all councils|(?<!which )(?<!many )councils)\b", re.IGNORECASE)
# Words that add nothing to a follow-up that only names a council or a theme.
FILLER = {"the", "a", "an", "council", "councils", "please", "too", "also", "then", "as", "well", "again", "instead",
          "same", "question", "thing", "and", "or", "what", "how", "about", "for", "in", "of", "there", "do", "does",
          "did", "say", "said", "says", "s", "that", "this", "one", "ones", "here", "under", "on", "cite", "cited",
          "mention", "mentioned", "think", "tell", "me", "us", "with", "from"}
EDGE_WORDS = {"in", "for", "at", "by", "from", "of", "on", "the", "a", "an", "about", "with", "to", "and"}
QUESTION_START = re.compile(r"^\s*(?:what|which|who|whom|whose|how|why|when|where|did|do|does|is|are|was|were|can|"
                            r"could|should|would|will|has|have|had|list|tell|show|give|summari[sz]e|describe|"
                            r"explain|compare)\b", re.IGNORECASE)
SHORT = 8  # words: a longer follow-up carries a question of its own


@dataclass
class Previous:
    """What a follow-up can refer to: the last turn."""

    question: str  # the standalone question it was answered as
    councils: list[str] = field(default_factory=list)  # councils its search was limited to
    across: bool = False  # it asked across councils (peers)
    cited: int = 0  # passages its answer cited


@dataclass
class Rewrite:
    question: str  # the standalone question to search
    narrow: bool = False  # answer from the previous answer's cited passages only
    councils: list[str] = field(default_factory=list)  # councils to limit this turn's search to
    followup: bool = False  # whether the typed text was read as a follow-up
    carried: str = ""  # for a narrowing, the question with its context, for the next follow-up

    @property
    def standalone(self) -> str:
        return self.carried or self.question


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def council_namings(text: str, councils: list[str]) -> list[tuple[str, tuple[int, int]]]:
    """Each council ``text`` names and where, the first naming of each, in order: by any of its
    names, as questions are read ("Redditch", "the Redditch Borough Council", "King's Lynn",
    "West Oxon", "WLDC", "the county council" for "Unnamed county council")."""
    from assistant.councils.names import find_in_text

    first: dict[str, tuple[int, int]] = {}
    for council, span in find_in_text(text, councils):
        first.setdefault(council, span)
    return list(first.items())


def named_councils(text: str, councils: list[str]) -> tuple[list[str], str]:
    """The councils ``text`` names, and ``text`` without those names. A council whose name
    has no distinctive word ("Unnamed county council") is named when the whole text is
    part of its name ("the county council")."""
    from assistant.councils.names import find_in_text

    namings = find_in_text(text, councils)
    found = list(dict.fromkeys(council for council, _ in namings))
    rest = text
    for _, (start, end) in reversed(namings):
        rest = rest[:start] + " " + rest[end:]
    if not found:
        phrase = " ".join(w for w in words(text) if w not in FILLER - {"council", "councils"})
        partial = [c for c in councils if not council_key_words(c) and len(phrase) >= 4 and phrase in c.lower()]
        if len(partial) == 1:
            return partial, ""
    return found, rest


def spoken_name(council: str) -> str:
    """How a rewritten question names a council: as an officer would ("Blaby", "Tonbridge and
    Malling"; "Borough Council" would count as words to look for), or "the county council" for
    a placeholder (the search is then limited to it by a filter)."""
    from assistant.councils.names import short_name

    return short_name(council)


def join_names(names: list[str]) -> str:
    return " and ".join(names)


def possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    text = re.sub(r"\s+([?,.;:])", r"\1", text)
    return text[:1].upper() + text[1:] if text else text


def trim_edges(text: str) -> str:
    parts = re.sub(r"[?!.]+$", "", text).split()
    while parts and parts[0].lower() in EDGE_WORDS:
        parts.pop(0)
    while parts and parts[-1].lower() in EDGE_WORDS:
        parts.pop()
    return " ".join(parts)


def without_reference(text: str) -> str:
    """A narrowing follow-up without its back-reference: "Which of those mention X?" -> "Which mention X?"."""
    text = LEADING.sub("", text)
    text = re.sub(r"\b(any|none|all|some|each|one|many|both|either|neither|how many)\s+of\s+(?:those|these|them)\b",
                  r"\1", text, flags=re.IGNORECASE)
    text = re.sub(rf"\b(?:of|among|amongst|from|within)\s+{REFERENCE}\b", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\bwhich\s+ones\b", "which", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(do|does|did)\s+(?:those|these)\b", r"\1 any", text, flags=re.IGNORECASE)
    text = re.sub(r"\bthose\s+(that|which)\b", r"the ones \1", text, flags=re.IGNORECASE)
    return tidy(text)


def swap_council(question: str, names: list[str], known: list[str]) -> str:
    """``question`` asked of the councils ``names`` instead of the one (or the peers) it asks about."""
    new = join_names(names)
    spans = [span for _, span in council_namings(question, known)]
    if len(spans) == 1:
        start, end = spans[0]
        return question[:start] + new + question[end:]
    if not spans:
        peer = PEER_PHRASE.search(question)
        if peer:
            return question[:peer.start()] + new + question[peer.end():]
    return f"{new}: {question}"


def set_theme(question: str, number: int) -> str:
    if theme_numbers(question):
        return replace_theme(question, number)
    return re.sub(r"[?.!\s]*$", "", question) + f" under theme {number}?"


def who_was_asked(previous: Previous) -> str:
    if previous.councils:
        return join_names([spoken_name(c) for c in previous.councils])
    return "peer councils" if previous.across else ""


def rewrite(text: str, previous: Previous | None, known_councils: list[str]) -> Rewrite:
    """The standalone question for what the officer typed (the rules in this module's docstring)."""
    from assistant.errors import UserError

    typed = text.strip()
    if NARROW.search(typed):
        if previous is None or not previous.cited:
            raise UserError("there is no cited answer to narrow down. Ask the full question instead.")
        question = without_reference(typed)
        if not [w for w in words(question) if w not in FILLER | {"which", "who", "any", "ones", "mention", "mentions"}]:
            raise UserError("say what to look for among them, e.g. \"which of those mention recruitment?\"")
        carried = f"{re.sub(r'[?.!]+$', '', previous.question)} — {question[:1].lower() + question[1:]}"
        return Rewrite(question, narrow=True, followup=True, carried=carried)

    body = LEADING.sub("", typed)
    if previous is None:
        return Rewrite(tidy(body) or typed)
    had_cue = len(body) < len(typed)
    about = ABOUT.match(body)
    remainder = body[about.end():] if about else body
    councils, rest = named_councils(remainder, known_councils)
    theme = THEME.search(rest)
    rest_words = [w for w in words(THEME.sub(" ", rest)) if w not in FILLER]
    short = len(words(typed)) <= SHORT

    # 2. only a council and/or a theme: the previous question, asked again of them
    if (councils or theme) and not rest_words and (short or had_cue or about):
        question = previous.question
        if councils:
            question = swap_council(question, [spoken_name(c) for c in councils], known_councils)
        if theme:
            question = set_theme(question, int(theme.group(1)))
        return Rewrite(tidy(question), councils=councils or previous.councils, followup=True)

    # 3. a new topic in the previous question's scope
    asks_itself = bool(QUESTION_START.match(remainder))
    if (about or (had_cue and short and not asks_itself)) and rest_words:
        names = [spoken_name(c) for c in councils]
        who = join_names(names) if names else who_was_asked(previous)
        topic = trim_edges(re.sub(r"\s+", " ", rest))
        question = f"What did {who} say about {topic}?" if who else f"What do the documents say about {topic}?"
        return Rewrite(tidy(question), councils=councils or previous.councils, followup=True)

    # 4. "they" / "their": the previous question's councils
    who = who_was_asked(previous)
    if not councils and who and THEY.search(body) and not PEER_WORDS.search(body):
        def replace(match: re.Match) -> str:
            if match.group(2):
                return possessive(who)
            return match.group(0)[: match.start(1) - match.start(0)] + who

        return Rewrite(tidy(THEY.sub(replace, body)), councils=previous.councils, followup=True)

    return Rewrite(tidy(body) or typed, followup=False)


def condense_with_llm(settings, backend: str, history: list[tuple[str, str]], text: str) -> str:
    """The standalone question an LLM writes from the conversation (prompts/condense.*.md).
    ``history`` is (question, answer) pairs, oldest first; answers are data, not instructions."""
    from assistant.generate.backends.openai import generate
    from assistant.text.markers import strip_markers
    from assistant.generate.prompts import load_prompt

    lines = []
    for question, answer in history[-3:]:
        answer = strip_markers(answer)
        lines.append(f"Officer: {question}\nAssistant: {answer[:800]}")
    messages = load_prompt("condense").messages(history="\n\n".join(lines), question=text)
    reply = generate(settings, backend, messages).strip()
    reply = reply.splitlines()[0].strip().strip('"“”') if reply else ""
    reply = re.sub(r"^(?:standalone question|question)\s*:\s*", "", reply, flags=re.IGNORECASE)
    return reply or text
