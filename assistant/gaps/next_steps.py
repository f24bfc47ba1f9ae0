"""The "what to do next" list at the top of a gap report: the missing and thin questions,
most important first, each with the best peer example.

Order (most important first):
  1. the theme's status: a question of a missing theme before one of a partial theme,
     before one of a covered theme (the guidance asks for all four themes);
  2. the question's status in the guidance: asked in the letter's own words (verbatim)
     before a prompt reconstructed from published plans;
  3. the question's own status: missing before partial;
  4. how far its best match is below covered_at (the bigger gap first).
Questions the officer accepted or overrode (--reply) are left out.
"""

from __future__ import annotations

from assistant.gaps.models import COVERED, MISSING, PARTIAL, GapReport, NextStep

THEME_WEIGHT = {MISSING: 0, PARTIAL: 1, COVERED: 2}


def next_steps(report: GapReport, covered_at: float, limit: int | None = None) -> list[NextStep]:
    steps = []
    for theme in report.themes:
        for q in theme.questions:
            if q.status == COVERED or q.reply is not None:
                continue
            gap = max(0.0, covered_at - q.score_in_theme)
            key = (THEME_WEIGHT.get(theme.status, 2), not q.required, q.status != MISSING, -gap)
            why = [f"theme {theme.theme} is {theme.status}",
                   "asked in the letter" if q.required else "a prompt reconstructed from published plans",
                   f"scores {q.score_in_theme:.2f} in its theme's passages (covered at {covered_at:.2f})"]
            steps.append((key, NextStep(question=q.id, text=q.question, theme=theme.theme, status=q.status,
                                        why="; ".join(why),
                                        example=q.peer_examples[0] if q.peer_examples else None)))
    steps.sort(key=lambda item: item[0])
    return [step for _, step in steps[:limit]]
