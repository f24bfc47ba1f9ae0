"""The words of a question that say what kind of answer is wanted ("compare", "its", "does")
are not what it is about: they neither decide which sentences answer nor outweigh the words
that do (assistant/evidence/scoring.py)."""

import pytest

from assistant.evidence.scoring import content_stems
from tests.conftest import ask_json as ask, home_with_plan, settings_for

PLAN = """# Examplebury Borough Council Productivity Plan 2024

## Introduction

This Productivity Plan outlines the work under way to keep our promise of modern, good-value services
and one of the lowest council tax rates in England.

## Technology

We moved our telephony to the cloud in 2023 and closed two data centres. Our IT service desk now
resolves most requests through self-service, and IT staff time has moved to cyber security.

## Workforce

We have cut agency spend from £7.2m to £5.1m since 2022 by recruiting permanent social workers.
"""


@pytest.fixture(scope="module")
def plan_home(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("question-words"), PLAN, "Examplebury Borough Council")


def test_function_and_comparison_words_are_not_content():
    assert content_stems("What does the council say its plan is for?") == set()
    assert content_stems("Compare how they have approached agency spend") == content_stems("approached agency spend")


def test_a_question_about_what_its_plan_is_for_is_answered_from_the_plan_not_from_it_services(plan_home):
    # "its" stems to "it", which also stands for information technology in the plan
    answer = ask(plan_home, "What does Examplebury say its productivity plan is for?")
    assert answer["refused"] is False, answer["answer"]
    quotes = [c["quote"] for c in answer["citations"]]
    assert "modern, good-value services" in quotes[0], quotes
    assert not any("IT service desk" in q or "IT staff" in q for q in quotes), quotes


def test_function_words_do_not_change_how_well_a_sentence_answers(plan_home):
    # bm25s keeps "its" out of the index, so as a question word it read as the rarest of all and
    # outweighed "productivity plan": the same question worded with "its" scored lower
    from assistant.workspace import Workspace

    with Workspace(settings_for(plan_home)) as workspace:
        engine = workspace.evidence

        def best(question):
            points = engine.answer_points(engine.retrieve(question))
            return points[0].unit.text, points[0].score

        (text_its, score_its), (text_the, score_the) = (best("What does Examplebury say its productivity plan is for?"),
                                                        best("What does Examplebury say the productivity plan is for?"))
        assert text_its == text_the
        assert score_its == pytest.approx(score_the, abs=0.03)  # what is left is the wording's meaning
