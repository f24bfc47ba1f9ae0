"""The guidance's evidence points as query expansions: what an answer to a question would
mention ("barriers" -> "single-year settlements", "competitive bidding")."""

from __future__ import annotations

from assistant.evidence.scoring import content_stems


def guidance_expansions(question: str, guidance, embedder, tuning) -> list[str]:
    """What an answer to this question would mention, from the guidance checklist: the
    evidence points of the prompting questions it is closest to. They widen retrieval and
    scoring beyond the question's own words ("barriers" finds "single-year settlements").

    When the question's words point to a theme ("barriers" -> theme 4), the theme's
    questions within ``expansion_theme_window`` of its closest one count; any other guidance
    question counts only if very close in meaning (``expansion_cosine``)."""
    import numpy as np

    from assistant.guidance import tag_themes

    questions = guidance.questions()
    if not questions:
        return []
    sims = _guidance_vectors(guidance, embedder) @ np.array(embedder.embed_query(question))
    # shared words count too: MiniLM does not know that "EDI" is equality, diversity and inclusion
    asked = content_stems(question)
    if asked:
        for i, q in enumerate(questions):
            sims[i] += tuning.expansion_shared_words * len(asked & content_stems(" ".join([q.text, *q.evidence]))) / len(asked)
    themes = set(tag_themes(question, "", guidance, min_hits=1))
    in_theme = [i for i in range(len(questions)) if questions[i].theme in themes]
    best_in_theme = max((sims[i] for i in in_theme), default=0.0)
    chosen = [i for i in in_theme if sims[i] >= best_in_theme - tuning.expansion_theme_window]
    chosen += [i for i in range(len(questions)) if i not in chosen and sims[i] >= tuning.expansion_cosine]
    chosen = sorted(chosen, key=lambda i: -sims[i])[:tuning.expansion_questions]
    if not asked or asked & theme_name_stems(guidance):
        return [point for i in chosen for point in questions[i].evidence]
    # A question on part of a theme ("workforce", not "transformation") takes, from the theme's
    # questions it is not itself close to, only the evidence points sharing one of its words
    return [point for i in chosen for point in questions[i].evidence
            if sims[i] >= tuning.expansion_cosine or asked & content_stems(point)]


def theme_name_stems(guidance) -> set[str]:
    """The words naming a theme ("technology", "data", "barriers"). A question using one asks
    about the whole theme."""
    return set().union(*theme_names(guidance).values())


def theme_names(guidance) -> dict[int, set[str]]:
    """Each theme's naming words: in its title and one of its single-word keywords. Worked out
    once per guidance: the filters ask it of every sentence scored."""
    key = (guidance.id, len(guidance.themes))
    if key not in _THEME_NAMES:
        _THEME_NAMES[key] = {theme.number: content_stems(theme.title)
                             & content_stems(" ".join(k for k in theme.keywords if " " not in k))
                             for theme in guidance.themes}
    return _THEME_NAMES[key]


_THEME_NAMES: dict = {}


_VECTORS: dict = {}


def _guidance_vectors(guidance, embedder):
    import numpy as np

    key = (guidance.id, id(embedder), len(guidance.questions()))
    if key not in _VECTORS:
        _VECTORS[key] = np.array(embedder.embed_documents([q.text for q in guidance.questions()]))
    return _VECTORS[key]
