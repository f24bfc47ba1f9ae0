"""The words of a question that say what kind of answer is wanted ("compare", "its", "does")
are not what it is about: they neither decide which sentences answer nor outweigh the words
that do (assistant/evidence/scoring.py)."""

import pytest

from assistant.evidence.scoring import content_stems
from tests.conftest import ask_json as ask, home_with_plan, run_cli, settings_for

PLAN = """# Examplebury Borough Council Productivity Plan 2024

## Introduction

This Productivity Plan outlines the work under way to keep our promise of modern, good-value services
and one of the lowest council tax rates in England.

## Technology

We moved our telephony to the cloud in 2023 and closed two data centres; the last closes in 2025. Our IT service desk now
resolves most requests through self-service, and IT staff time has moved to cyber security. Most of
our forms are now digital.

## Highways

Our highway inspectors use vehicle-mounted cameras with image recognition to find potholes on our
roads, so repairs can be grouped and planned.

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


def test_a_question_hinging_on_an_uncommon_word_no_document_uses_is_refused_naming_it(plan_home):
    answer = ask(plan_home, "Does Examplebury use drones to inspect its roads?")
    assert answer["refused"] is True, answer["answer"]
    assert "drones" in answer["answer"]


def test_everyday_words_and_other_forms_of_a_documents_word_are_not_unknown(plan_home):
    from assistant.workspace import Workspace

    assert ask(plan_home, "How much has Examplebury spent on agency staff?")["refused"] is False  # "spend" in the plan
    with Workspace(settings_for(plan_home)) as workspace:
        read = workspace.evidence.read
        assert read("How far has Examplebury digitalised its forms?").unknown_names == []  # begins as "digital"
        assert read("Has Examplebury digitalised its gamification?").unknown_names == ["gamification"]


def test_a_question_about_a_years_plan_is_answered_from_that_years_documents_or_says_none_is_indexed(plan_home):
    answer = ask(plan_home, "What did Examplebury say in its 2025 productivity plan update?")
    assert answer["refused"] is True
    assert "No 2025 document of Examplebury Borough Council is indexed" in answer["answer"]
    assert "Examplebury Borough Council Productivity Plan 2024" in answer["answer"]  # what there is

    answer = ask(plan_home, "What did Examplebury say in its 2024 plan about agency spend?")
    assert answer["refused"] is False, answer["answer"]
    assert "£5.1m" in answer["citations"][0]["quote"]


SAVINGS = """# Northfold District Council Productivity Plan

## Introduction

Since 2010/11 the council's budget has been reduced by 41%.

Most savings have come from staffing reductions (c34%). Further savings came from renegotiating the waste
contract (c27%) and from charging for garden waste collections (c10%).
"""


def test_what_a_council_has_done_or_made_is_asked_by_the_frame_not_by_the_word(seeded_copy, tmp_path):
    """"What has X done to save money?": "done" is the question's frame. Weighed as a rare
    content word it outweighed "save", and the plan's savings sentences were refused."""
    for frame in ("What has the council done to cut agency spend?", "What steps has the council taken to cut agency spend?",
                  "Give examples of ways councils cut agency spend", "What initiatives were introduced to cut agency spend?",
                  "How has the council implemented cuts to agency spend?", "What are the biggest cuts to agency spend?"):
        assert content_stems(frame) == content_stems("cut agency spend"), frame
    home = seeded_copy  # beside the shipped corpus: a one-plan index weighs no word as a real one does
    (tmp_path / "northfold.md").write_text(SAVINGS, encoding="utf-8")
    result = run_cli("ingest", tmp_path / "northfold.md", "--council", "Northfold District Council", home=home)
    assert result.code == 0, result.stderr
    for question in ("What has Northfold done to save money?", "What savings has Northfold made?"):
        answer = ask(home, question)
        assert answer["refused"] is False, answer["answer"]
        assert any("staffing reductions" in c["quote"] for c in answer["citations"]), answer["answer"]


@pytest.mark.parametrize("question", ["What are the biggest barriers councils face?",
                                      "What are the main barriers facing councils?"])
def test_what_councils_face_is_asked_of_the_councils_not_the_guidance(seeded_home, question):
    # the guidance's prompting questions ("What barriers do you face from legacy systems?")
    # share every word; the councils' plans answer
    answer = ask(seeded_home, question)
    assert answer["refused"] is False, answer["answer"]
    assert not any(c["council"] == "Government (DLUHC)" for c in answer["citations"]), answer["answer"]


def test_councillors_are_the_members_of_the_minutes():
    assert content_stems("What did councillors ask?") & content_stems("A Member made particular reference to")


def test_what_a_plan_covers_is_answered_not_refused(plan_home):
    answer = ask(plan_home, "What does Examplebury's plan cover?")
    assert answer["refused"] is False, answer["answer"]
