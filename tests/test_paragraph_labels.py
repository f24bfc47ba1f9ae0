"""A paragraph that opens with a short label ("Homelessness. Demand has doubled...") is
about what the label names: its sentences are read with the label, so a question about
homelessness finds the sentence with the figure even though only the label says
"homelessness"."""

import pytest

from assistant.models import Chunk
from assistant.text.sentences import split_units
from tests.conftest import ask_json as ask, home_with_plan

PLAN = """# Examplebury Borough Council Productivity Plan 2024

## What we need from Government

**Homelessness.** Demand has doubled since 2021. We now place 410 families in bed and breakfast
each night, at a net cost of £6.2m this year. We ask the Government to raise Local Housing Allowance.

**Planning fees.** Fees are set nationally and do not cover the cost of deciding applications.
We ask to set our own fees.

## Technology

We moved our telephony to the cloud in 2023 and closed two data centres.
"""


def _chunk(text: str) -> Chunk:
    return Chunk(id="c1", document_id="d1", position=0, text=text, page=1, section="Barriers", themes=[4],
                 council="Examplebury Borough Council", kind="plan", title="Plan", source="plan.md")


def test_the_sentences_of_a_labelled_paragraph_are_read_with_its_label():
    units = split_units(_chunk("**Homelessness.** Demand has doubled since 2021. We now place 410 families in bed "
                               "and breakfast each night.\n\nThe council has a new plan for its housing services."))
    contexts = {u.text: u.with_context() for u in units}
    assert contexts["We now place 410 families in bed and breakfast each night."] == \
        "Homelessness: We now place 410 families in bed and breakfast each night."
    # a paragraph without a label, and a first sentence long enough to be a claim, stand alone
    assert contexts["The council has a new plan for its housing services."] == \
        "The council has a new plan for its housing services."
    long_first = split_units(_chunk("Homelessness is our largest pressure. We now place 410 families in B&B."))
    assert all(u.with_context() == u.text for u in long_first)


@pytest.fixture(scope="module")
def plan_home(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("labels"), PLAN, "Examplebury Borough Council")


def test_a_question_about_the_label_is_answered_from_the_paragraph(plan_home):
    answer = ask(plan_home, "What does Examplebury say about homelessness?")
    assert answer["refused"] is False, answer["answer"]
    assert any("410 families" in c["quote"] for c in answer["citations"]), answer["citations"]


MINUTES = """# Examplebury Borough Council: minutes of Full Council, 18 July 2024

## Productivity Plan 2024

The Leader of the Council introduced the Productivity Plan and thanked officers for their work.

RESOLVED that the Productivity Plan 2024 be approved for submission and published on the
council's website.

(Voting: 29 for, 6 against, 3 abstentions)

Councillor Bell asked when the plan's first progress report would come to Cabinet.
"""


def test_a_parenthesis_on_its_own_line_is_read_with_the_sentence_it_annotates():
    units = split_units(_chunk(MINUTES.split("## Productivity Plan 2024\n\n")[1]))
    resolved = [u for u in units if u.text.startswith("RESOLVED")]
    assert len(resolved) == 1 and resolved[0].text.endswith("(Voting: 29 for, 6 against, 3 abstentions)")
    assert not any(u.text.startswith("(Voting") for u in units)


def test_a_question_about_the_vote_is_answered_with_the_resolution(tmp_path):
    answer = ask(home_with_plan(tmp_path, MINUTES, "Examplebury Borough Council"),
                 "How did Examplebury's councillors vote on the productivity plan?")
    assert any("29 for, 6 against" in c["quote"] and "RESOLVED" in c["quote"] for c in answer["citations"]), answer["answer"]
