"""Which theme each passage of a draft answers, by what it says.

Every unit (sentence or list item) gets an affinity to each theme from three signals of
substance and one of layout:

  affinity[u, t] = example_weight  * closeness to what answers to theme t typically say
                                     (the mean of its 3 closest statements in theme_signals.toml)
                 + question_weight * its best match to theme t's questions and evidence points
                                     (the gap check's scorer, Matcher)
                 + keyword_weight  * how many of theme t's keywords it uses (the guidance's, at most 3)
                 - theme_bias[t]     (themes whose wording is broad attract everything a little)
                 + heading_weight    if its section's heading names theme t ("Theme 2", "Digital
                                     and data", the letter's question): one signal, never the only one

Then the draft is read in order, as a sequence of passages (Viterbi): each unit takes the
theme that explains the whole sequence best, where changing theme inside a paragraph costs
``switch_in_passage`` and between paragraphs ``switch_between_passages``; a unit that
matches no theme well (below ``context_at``) is context (0: an introduction, a title, an
approval note). A unit that only restates the guidance counts for no theme. So a
paragraph on the council's new CRM sits with theme 2 wherever it is and whatever its
heading, and one mention of "online" in a paragraph about restructuring does not make a
theme-2 passage.

Weights in settings.gaps (GapsTuning), calibrated on the calibration plans of
eval/datasets/gaps_plans.toml (eval/gaps_eval.py --ablations).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from assistant.text.themes import theme_numbers

SIGNALS = Path(__file__).with_name("theme_signals.toml")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
THEME_WORD = re.compile(r"\btheme\s+(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
CONTEXT = 0


@lru_cache(maxsize=4)
def theme_examples(guidance_id: str) -> dict[int, list[str]]:
    """The typical answers per theme for this guidance, or {} (the guidance's own words only)."""
    data = tomllib.loads(SIGNALS.read_text(encoding="utf-8")).get(guidance_id, {})
    return {int(number): list(texts) for number, texts in data.items()}


def heading_theme(section: str, themes, heading_vector, name_vectors, tuning) -> int | None:
    """The theme a heading names: "Theme 3", "Theme Three", or wording clearly closest to
    one theme's title, letter wording or questions; None otherwise."""
    named = theme_numbers(section) or [NUMBER_WORDS[m.lower()] for m in THEME_WORD.findall(section)]
    numbers = [t.number for t in themes]
    if named and named[0] in numbers:
        return named[0]
    if heading_vector is None:
        return None
    import numpy as np

    closeness = np.array([float((names @ heading_vector).max()) for names in name_vectors])
    order = np.argsort(-closeness)
    lead = closeness[order[0]] - (closeness[order[1]] if len(themes) > 1 else 0.0)
    if closeness[order[0]] >= tuning.heading_names_at and lead >= tuning.heading_lead:
        return themes[order[0]].number
    return None


def unit_themes(units, matcher, guidance, question_scores, tuning) -> list[int]:
    """The theme (1..n, or 0 for context) of each unit, read in order. ``question_scores`` is
    [units x questions] (guidance.questions() order): each unit's best match to each question."""
    import numpy as np

    themes = guidance.themes
    if not units or not themes:
        return [CONTEXT] * len(units)
    embedder = matcher.embedder
    owner = np.array([q.theme for q in guidance.questions()])
    numbers = [t.number for t in themes]
    matched = np.stack([question_scores[:, owner == n].max(axis=1) if (owner == n).any() else
                        np.zeros(len(units)) for n in numbers], axis=1)
    examples = theme_examples(guidance.id)
    plain = matcher.matrix.plain  # the units' own vectors
    typical = np.zeros_like(matched)
    for j, n in enumerate(numbers):
        texts = examples.get(n) or [q.text for q in themes[j].questions]
        vectors = np.array(embedder.embed_documents(texts))
        sims = np.sort(plain @ vectors.T, axis=1)
        typical[:, j] = sims[:, -3:].mean(axis=1)
    patterns = dict(guidance.theme_patterns)
    keywords = np.array([[min(3, sum(1 for p in patterns.get(n, []) if p.search(u.unit.text.lower())))
                          for n in numbers] for u in units], dtype=float)
    bias = np.array([tuning.theme_bias.get(str(n), 0.0) for n in numbers])
    affinity = (tuning.example_weight * typical + tuning.question_weight * matched
                + tuning.keyword_weight * keywords - bias)
    affinity += tuning.heading_weight * _heading_votes(units, themes, embedder, tuning)
    emission = np.concatenate([np.full((len(units), 1), tuning.context_at), affinity], axis=1)
    echo = np.array([u.echo for u in units])
    emission[echo] = tuning.context_at  # a restatement of the guidance says nothing of the draft
    states = [CONTEXT] + numbers
    path = _viterbi(emission, _passage_starts(units), tuning.switch_in_passage, tuning.switch_between_passages)
    return [states[s] for s in path]


def _heading_votes(units, themes, embedder, tuning):
    """[units x themes]: 1 where the unit's section heading names the theme."""
    import numpy as np

    votes = np.zeros((len(units), len(themes)))
    sections = sorted({u.section for u in units if u.section})
    if not sections:
        return votes
    name_vectors = [np.array(embedder.embed_documents(
        [x for x in (t.title, t.short, t.letter_wording) if x] + [q.text for q in t.questions])) for t in themes]
    heading_vectors = np.array(embedder.embed_documents(sections))
    theme_of = {s: heading_theme(s, themes, v, name_vectors, tuning) for s, v in zip(sections, heading_vectors)}
    index = {t.number: j for j, t in enumerate(themes)}
    for i, u in enumerate(units):
        number = theme_of.get(u.section)
        if number is not None:
            votes[i, index[number]] = 1.0
    return votes


def _passage_starts(units) -> list[bool]:
    """Whether each unit starts a new passage: a new paragraph, list or section."""
    keys = [(u.section, u.chunk.page, ("list", u.unit.lead_in) if u.unit.kind == "item" and u.unit.lead_in
             else u.paragraph) for u in units]
    return [i == 0 or keys[i] != keys[i - 1] for i in range(len(keys))]


def passage_ids(units) -> list[int]:
    """The passage (paragraph, list or section) each unit belongs to, numbered in order."""
    ids, current = [], -1
    for start in _passage_starts(units):
        current += start
        ids.append(current)
    return ids


def _viterbi(emission, starts: list[bool], switch_in: float, switch_between: float) -> list[int]:
    """The best state sequence: the sum of emissions less a cost for every change of state."""
    import numpy as np

    n, states = emission.shape
    change = 1 - np.eye(states)
    score = emission[0].copy()
    back = np.zeros((n, states), dtype=int)
    for i in range(1, n):
        moved = score[:, None] - (switch_between if starts[i] else switch_in) * change
        back[i] = moved.argmax(axis=0)
        score = moved.max(axis=0) + emission[i]
    path = [int(score.argmax())]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i][path[-1]]))
    return path[::-1]
