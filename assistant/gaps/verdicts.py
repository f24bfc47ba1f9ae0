"""The offline verdicts: a prompting question's status from the draft's scored units, and a
theme's status from its questions' (the thresholds are settings.gaps)."""

from __future__ import annotations

from assistant.gaps.matching import DraftUnit
from assistant.gaps.models import COVERED, MISSING, PARTIAL, QuestionFinding


def theme_status(findings: list[QuestionFinding], own_units: int, tuning, own_paragraphs: int = 0) -> str:
    """Missing when the draft has almost nothing of its own on the theme: fewer than
    theme_min_units units (unless they make a paragraph of their own that answers one of its
    questions: a short answer, partial; a sentence or two inside another theme's paragraph
    is not one), or a little that answers none of its questions even partly. Covered when
    one of its questions is covered in the theme's own passages, or the draft gives the
    theme a substantial passage of its own (theme_substantial_units); partial otherwise."""
    covered = any(f.status == COVERED for f in findings)
    if own_units < tuning.theme_min_units:
        return PARTIAL if covered and own_paragraphs else MISSING
    answered = any(f.score_in_theme >= tuning.partial_at for f in findings)
    substantial = own_units >= tuning.theme_substantial_units
    if not (answered or substantial):
        return MISSING
    return COVERED if substantial or covered else PARTIAL


def is_required(question) -> bool:
    """Asked in the letter's own words (the guidance marks it verbatim), not a prompt
    reconstructed from published plans."""
    return str(getattr(question, "status", "verbatim")).startswith("verbatim")


def judge_question(question, units: list[DraftUnit], scores, unit_theme: list[int], tuning) -> QuestionFinding:
    """Offline verdict for one prompting question from ``scores`` [units x (question and its
    evidence points)]: covered by a unit of the question's own theme, partial by any unit."""
    import numpy as np

    targets = [question.text] + list(question.evidence)
    if not units:
        return QuestionFinding(id=question.id, question=question.text, theme=question.theme, status=MISSING,
                               score=0.0, points_missing=list(question.evidence), required=is_required(question))
    best = scores.max(axis=1)
    home = np.array([t == question.theme for t in unit_theme])
    in_theme = float(best[home].max()) if home.any() else 0.0
    anywhere = float(best.max())
    status = COVERED if in_theme >= tuning.covered_at else PARTIAL if anywhere >= tuning.partial_at else MISSING
    found = [p for j, p in enumerate(question.evidence, start=1) if scores[:, j].max() >= tuning.partial_at]
    evidence = []
    strong = sorted((i for i in range(len(units)) if best[i] >= tuning.partial_at), key=lambda i: (not home[i], -best[i]))
    for i in strong[:tuning.max_evidence]:  # the passages about the question's own theme first
        item = units[i].evidence(float(best[i]), targets[int(scores[i].argmax())])
        item.theme_section = unit_theme[i] or None
        evidence.append(item)
    return QuestionFinding(id=question.id, question=question.text, theme=question.theme, status=status,
                           score=round(anywhere, 3), required=is_required(question),
                           score_in_theme=round(in_theme, 3), evidence=evidence, points_found=found,
                           points_missing=[p for p in question.evidence if p not in found])
