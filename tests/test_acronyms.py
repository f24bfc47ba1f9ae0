"""Officers write "EDI" or "SEND" where a plan writes the words out, and the other way
round: a question finds the passage either way (assistant/text/acronyms.py)."""

import pytest

from assistant.text.acronyms import spell_out, with_spelled_out
from tests.conftest import ask_json as ask, home_with_plan

PLAN = """# Examplebury Borough Council Productivity Plan 2024

## Reducing wasteful spend

Our equality and inclusion work is delivered by two officers within the Policy team, at a cost
of about £98,000 a year. We do not buy external training on it.

We have cut agency spend from £7.2m to £5.1m since 2022 by recruiting permanent social workers.

## Barriers

Our SEND deficit has reached £12.4m and the statutory override ends in 2026.

We ask the Government to fund internal drainage board levies, which have risen by 40% in three years.

## Technology

We moved our telephony to the cloud in 2023 and closed two data centres.
"""


@pytest.fixture(scope="module")
def plan_home(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("acronyms"), PLAN, "Examplebury Borough Council")


def test_spelling_out_replaces_whole_acronyms_only():
    assert spell_out("EDI spend and SEND") == \
        "equality, diversity and inclusion spend and special educational needs and disabilities"
    assert spell_out("We send letters; EDIT the AIR") == "We send letters; EDIT the AIR"
    assert with_spelled_out("Our IDB levies and IDB staff") == "Our IDB levies and IDB staff (internal drainage board)"


def test_an_acronym_in_the_question_finds_the_words_written_out(plan_home):
    answer = ask(plan_home, "How much does Examplebury spend on EDI?")
    assert answer["refused"] is False, answer["answer"]
    assert any("£98,000" in c["quote"] for c in answer["citations"]), answer["citations"]
    assert not any("agency spend" in c["quote"] for c in answer["citations"][:1]), answer["citations"]


def test_words_in_the_question_find_the_acronym_in_the_plan(plan_home):
    answer = ask(plan_home, "What does Examplebury say about special educational needs?")
    assert answer["refused"] is False, answer["answer"]
    assert "SEND deficit" in answer["citations"][0]["quote"], answer["citations"]


def test_an_acronym_in_the_question_written_out_in_the_plan(plan_home):
    answer = ask(plan_home, "What does Examplebury say about IDB levies?")
    assert answer["refused"] is False, answer["answer"]
    assert "drainage board levies" in answer["citations"][0]["quote"], answer["citations"]


def test_a_document_describing_itself_is_not_an_answer(seeded_home):
    answer = ask(seeded_home, "When did the Minister write to councils asking for productivity plans?")
    assert answer["refused"] is False, answer["answer"]
    quotes = [c["quote"] for c in answer["citations"]]
    assert any("16 April 2024" in q for q in quotes), quotes
    assert not any(q.startswith("This document summarises") for q in quotes), quotes
