"""A question asked in the Government's own words (a phrase of the Minister's letter, as
plans quote it) is answered only by what a council says in words of its own that match it:
every plan is close in meaning to the Government's agenda, so closeness alone is no answer."""

import shutil

import pytest

from tests.conftest import add_plan, ask_json as ask

PLAN = """# Examplebury Borough Council Productivity Plan 2024

## Knowing how we are doing

Finding a new way of knowing how the council is doing was one of our first tasks after the
election. We compare the cost of each service with similar councils every quarter, and the
Cabinet sees the results in a single scorecard.

## Equality

The council does not spend money on equality, diversity and inclusion programmes beyond what
the law requires of every employer.
"""


@pytest.fixture(scope="module")
def plan_home(seeded_home_master, tmp_path_factory):
    """The shipped corpus (the guidance and peers' plans quoting it) and Examplebury's plan."""
    folder = tmp_path_factory.mktemp("govwords")
    home = folder / "home"
    shutil.copytree(seeded_home_master, home)
    add_plan(home, folder / "examplebury-plan.md", PLAN, "Examplebury Borough Council")
    return home


def test_the_letters_phrase_is_not_answered_by_a_plan_merely_close_to_it(plan_home):
    answer = ask(plan_home, "Which councils identify ways to unlock productivity improvements?")
    assert answer["refused"] is True, answer["answer"]


def test_the_letters_phrase_is_answered_by_a_council_speaking_to_it(plan_home):
    answer = ask(plan_home, "Which councils spend money on discredited equality, diversity and inclusion programmes?")
    assert answer["refused"] is False, answer["answer"]
    assert any("does not spend money on equality" in c["quote"] for c in answer["citations"]), answer["citations"]
    # Sandwell's plan names the theme in the letter's words ("...with a particular focus on
    # expenditure on Equality, Diversity"): a heading, not what Sandwell spends
    assert {c["council"] for c in answer["citations"]} == {"Examplebury Borough Council"}, answer["answer"]
