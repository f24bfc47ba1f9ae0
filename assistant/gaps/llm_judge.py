"""The LLM judge for `gaps --llm openai|azure`: the questions the offline scores leave
unsure (partial, or close to the covered threshold) are judged again by the chat model,
from the draft's own passages, with a graded verdict and a reason (prompts/gaps_judge.*).

The model's verdict stands only on passages it was given: a "covered" or "partial" that
cites none of them keeps the offline verdict. The theme rule still applies (a passage
about another theme makes a question partial at most).
"""

from __future__ import annotations

import re

from assistant.text.markers import cited_numbers

from assistant.gaps.models import COVERED, MISSING, PARTIAL, STATUSES, QuestionFinding

BORDERLINE = 0.08  # questions within this of settings.gaps.covered_at are judged again, as are partial ones
MAX_PASSAGES = 6


class LlmJudge:
    def __init__(self, settings, backend: str):
        from assistant.generate.backends.openai import require_configured
        from assistant.generate.prompts import load_prompt

        require_configured(settings, backend)  # exit 3 now, naming what to set
        self.settings, self.backend = settings, backend
        self.prompt = load_prompt("gaps_judge")
        self.judged = 0

    def wanted(self, finding: QuestionFinding) -> bool:
        return finding.status == PARTIAL or abs(finding.score_in_theme - self.settings.gaps.covered_at) <= BORDERLINE

    def __call__(self, question, theme_title: str, finding: QuestionFinding, assessment) -> QuestionFinding:
        units, unit_theme = assessment.units, assessment.unit_theme
        if not units or not self.wanted(finding):
            return finding
        from assistant.generate.backends.openai import generate

        scores = assessment.scores[question.id].max(axis=1)
        chunks, best_unit = [], {}
        for i in sorted(range(len(units)), key=lambda i: -scores[i]):
            chunk = units[i].chunk
            if chunk.id not in best_unit:
                if len(chunks) == MAX_PASSAGES:
                    continue
                chunks.append(chunk)
                best_unit[chunk.id] = i
        messages = self.prompt.messages(
            theme=question.theme, theme_title=theme_title, question_id=question.id, question=question.text,
            evidence_points="\n".join(f"- {p}" for p in question.evidence) or "- (none listed)",
            passages=passages_block(chunks))
        reply = generate(self.settings, self.backend, messages)
        self.judged += 1
        verdict = parse_verdict(reply, len(chunks))
        judged = finding.model_copy(deep=True)
        if verdict is None:
            judged.reason = "The model's reply could not be read; the offline verdict stands."
            return judged
        status, grade, reason, cited = verdict
        cited_units = [best_unit[chunks[n - 1].id] for n in cited]
        if status != MISSING and not cited_units:
            judged.reason = f"The model said {status} but cited no passage of the draft; the offline verdict stands."
            return judged
        if status == COVERED and not any(unit_theme[i] == question.theme for i in cited_units):
            status = PARTIAL
            reason += " (It is answered only in a passage about another theme.)"
        judged.status, judged.reason, judged.judged_by = status, reason, self.backend
        judged.grade = grade
        if status != MISSING:
            judged.evidence = [units[i].evidence(float(scores[i]), "cited by the model") for i in cited_units]
            for item, i in zip(judged.evidence, cited_units):
                item.theme_section = unit_theme[i] or None
        else:
            judged.evidence = []
        return judged


def passages_block(chunks) -> str:
    """The draft's passages as numbered, delimited data."""
    from assistant.generate.backends.openai import delimit

    return delimit(chunks, "passage")


def parse_verdict(reply: str, passages: int):
    """(status, grade, reason, cited passage numbers) from the model's reply, or None.
    Takes JSON (with or without a ```json fence); falls back to the first status word."""
    from langchain_core.utils.json import parse_json_markdown

    data = None
    try:
        data = parse_json_markdown(reply)
    except ValueError:
        pass
    if isinstance(data, dict):
        status = str(data.get("verdict", "")).strip().lower()
        reason = re.sub(r"\s+", " ", str(data.get("reason") or "")).strip()
        cited = data.get("passages") or []
        try:
            grade = max(0, min(3, int(data.get("grade"))))
        except (TypeError, ValueError):
            grade = None
    else:
        match = re.search(r"\b(covered|partial|missing)\b", reply or "", re.IGNORECASE)
        if not match:
            return None
        status, reason, grade = match.group(1).lower(), "", None
        cited = cited_numbers(reply)
    if status not in STATUSES:
        return None
    numbers = []
    for n in cited if isinstance(cited, list) else [cited]:
        try:
            n = int(n)
        except (TypeError, ValueError):
            continue
        if 1 <= n <= passages and n not in numbers:
            numbers.append(n)
    return status, grade, reason, numbers
