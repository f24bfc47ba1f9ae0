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
