"""The one scorer: how well each unit (sentence or list item) of some passages answers
target texts (a question, the guidance's evidence points for it).

  semantic = the best cosine of the unit, the unit with its lead-in or heading, and its
             clauses (a long sentence is as relevant as its most relevant clause)
  lexical  = share of a target's stemmed content words found in the unit and its context,
             each word weighted by its rarity (IDF): "productivity", in every chunk of a
             productivity-plan corpus, counts for little
  match    = w * semantic + (1 - w) * lexical     (w: settings, per job)

``ask``, ``chat``, ``draft``, ``compare`` and ``gaps`` all score with ``UnitMatrix``; they
differ only in their targets and weights (assistant/settings.py says where each weight
was calibrated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from assistant.text.acronyms import spell_out
from assistant.text.sentences import Unit, clauses

# Words that say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = frozenset({
    "what", "which", "who", "how", "why", "when", "where", "did", "does", "do", "say", "said", "says", "cite",
    "cited", "mention", "mentioned", "mentions", "tell", "list", "describe", "explain", "give", "show", "about",
    "council", "councils", "peer", "peers", "other", "others", "document", "documents", "their", "they", "there",
    "any", "anything", "many", "much", "plan", "plans", "summarise", "summarize", "compare", "compared",
    "comparison", "contrast",
    # the frame of "What has X done to / about...?", "What steps has X taken to...?", "Give
    # examples of...", "What initiatives has X introduced...?": what it did is asked, not the word
    "done", "made", "steps", "taken", "example", "examples", "initiative", "initiatives", "introduced",
    "implemented", "ways",
    # "X's biggest savings": the largest asked for, not the word
    "biggest", "largest",
    # how the answer should look, not what it is about
    "brief", "briefly", "concise", "concisely", "bullet", "bullets", "summary", "tldr",
})
# Words that ask for a plan in brief ("What has X achieved?", "X's approach to productivity?")
# when no sentence answers them more closely (EvidenceEngine.overview_points)
OVERVIEW_WORDS = frozenset({"approach", "approaches", "overview", "priorities", "main", "key", "points", "done",
                            "achieved", "achieve", "achievement", "achievements", "progress", "made", "work",
                            # "What does X's plan cover / contain / include?"
                            "cover", "covers", "contain", "contains", "include", "includes"})
# Function words the lexical index's short stop list (bm25s's STOPWORDS_EN) keeps: "its" would
# stem to "it", rare in the index and so weighted as the question's key word. All are in
# bm25s's STOPWORDS_EN_PLUS, which the gap check uses (importing bm25s costs an answer ~0.3 s).
FUNCTION_WORDS = frozenset({
    "its", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "having", "our", "ours", "we",
    "you", "your", "yours", "from", "can", "should", "so", "than", "too", "very", "some", "he", "she", "his", "her",
    "him", "them", "i", "me", "my", "whom", "doing", "an", "the", "a",
})


# Words the stemmer would merge with another sense in this domain: "planning" (the service)
# is not "plan" (the document), nor "wasteful" (spend) "waste" (bins), nor an "officer" an
# "office" (a building). They stand for themselves.
OWN_SENSE = {"planning": "planning", "planner": "planning", "planners": "planning", "wasteful": "wasteful",
             "officer": "officer", "officers": "officer", "accountability": "accountability",
             "accountable": "accountability", "informal": "informal"}


# Minutes call councillors "Members": the same people, one stem
SAME_PEOPLE = {"councillor": "member", "councillors": "members", "cllr": "member", "cllrs": "members"}


def index_stem(stem: str) -> str:
    """The stem the keyword index holds for a content stem: a word kept in its own sense
    ("accountability") is indexed under the stemmer's stem ("account")."""
    from assistant.index.lexical import tokenize

    return tokenize([stem])[0][0] if stem in OWN_SENSE.values() else stem


def content_stems(text: str, extra_stop: set[str] | frozenset = frozenset()) -> set[str]:
    """The stemmed content words of ``text`` (question words and ``extra_stop`` left out)."""
    from assistant.index.lexical import tokenize

    words = [SAME_PEOPLE.get(w, w) for w in re.findall(r"[A-Za-z0-9£%]+", spell_out(text).lower())
             if w not in QUESTION_WORDS and w not in FUNCTION_WORDS and w not in extra_stop]
    own = {OWN_SENSE[w] for w in words if w in OWN_SENSE}
    rest = [w for w in words if w not in OWN_SENSE]
    return own | (set(tokenize([" ".join(rest)])[0]) if rest else set())


def weighted_overlap(wanted: set[str], present: set[str], weight: Callable[[str], float]) -> float:
    """Share of ``wanted`` stems in ``present``, each counted by ``weight(stem)``."""
    total = sum(weight(s) for s in wanted)
    return sum(weight(s) for s in wanted & present) / total if total else 0.0


def weights_from(idf: dict[str, float], default: float = 1.0) -> Callable[[str], float]:
    return lambda stem: idf.get(stem, default)


@dataclass
class ScoredUnit:
    unit: Unit
    semantic: float
    lexical: float
    score: float  # the match, discounted when the unit only echoes the guidance
    echo: bool = False  # restates the guidance's (the Government's) own wording


class UnitMatrix:
    """Units with their vectors, embedded once, scored against any number of targets."""

    def __init__(self, units: list[Unit], embedder, extra_stop: frozenset = frozenset()):
        import numpy as np

        self.units, self.embedder = units, embedder
        n = len(units)
        owners, parts = [], []
        for i, unit in enumerate(units):
            for part in clauses(unit):
                owners.append(i)
                parts.append(part)
        texts = [u.text for u in units] + [u.in_full() for u in units] + parts
        vectors = np.array(embedder.embed_documents(texts)) if texts else np.zeros((0, 1))
        self.plain, self.in_context, self.parts = vectors[:n], vectors[n:2 * n], vectors[2 * n:]
        self.owners = np.array(owners, dtype=int)
        self.extra_stop = extra_stop
        self.stems = [content_stems(u.with_context(), extra_stop) for u in units]

    def cosine(self, target_vectors):
        """[units x targets]: the best cosine of each unit's forms with each target."""
        import numpy as np

        t = np.atleast_2d(np.asarray(target_vectors))
        if not self.units:
            return np.zeros((0, len(t)))
        sims = np.maximum(self.plain @ t.T, self.in_context @ t.T)
        if len(self.owners):
            np.maximum.at(sims, self.owners, self.parts @ t.T)
        return sims

    def lexical(self, wanted: list[set[str]], weight: Callable[[str], float]):
        """[units x targets]: weighted share of each target's stems in each unit."""
        import numpy as np

        return np.array([[weighted_overlap(w, present, weight) for w in wanted] for present in self.stems]) \
            .reshape(len(self.units), len(wanted))

    def match(self, targets: list[str], weight: Callable[[str], float], semantic_weight: float):
        """[units x targets] of semantic_weight * cosine + (1 - semantic_weight) * lexical."""
        import numpy as np

        vectors = np.array(self.embedder.embed_documents(list(targets)))
        wanted = [content_stems(t, self.extra_stop) for t in targets]
        return semantic_weight * self.cosine(vectors) + (1 - semantic_weight) * self.lexical(wanted, weight)
