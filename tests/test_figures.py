"""Questions that ask for a figure ("how much…", "what is X's … rate"): answered by a sentence
stating that figure, in money when the question asks what something costs or saves, for the
year it names; refused when the documents give no such figure. A "when" question is answered
by the points that give a time."""

import pytest

from tests.conftest import ask_json as ask, home_with_plan

PLAN = """# Examplebury Borough Council Productivity Plan 2024

## Transformation

Our transformation programme, Better Together, began in 2021. It has delivered savings of
£4.2m over three years.

Homelessness is the largest pressure on our budget. There are 410 households in temporary
accommodation in Examplebury. The net cost to the council rose from £1.1m in 2020/21 to
£3.4m in 2023/24.

## Workforce

Although our budget has fallen sharply since 2010, Examplebury has kept every library open. This has
meant the loss of 600 posts, a quarter of our workforce.

## Technology

In January 2024 we began a Microsoft Copilot pilot with 120 staff from across the council.
Early evaluation shows that Copilot saves each user about 20 minutes a day.

In 2023 we introduced a webchat assistant called "Ask Sam" on the council's website. Sam handled
40,000 conversations in its first year, half of them out of hours.

Our scorecard combines cost per transaction, time to resolve enquiries, staff absence and
customer satisfaction.

## Waste

From 2026 national reforms require weekly food waste collections from every household. The
council estimates that new vehicles and caddies will be £0.9m, and the running cost £310,000 a
year.
"""


@pytest.fixture(scope="module")
def plan_home(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("figures"), PLAN, "Examplebury Borough Council")


@pytest.mark.parametrize("question, figure", [
    # the figure sits in the sentence after the one naming the programme
    ("How much did Examplebury's Better Together programme save?", "£4.2m"),
    # ... after the one naming temporary accommodation ("The net cost...")
    ("How much does temporary accommodation cost Examplebury?", "£3.4m"),
    # time, not money
    ("How much time does Examplebury's Copilot pilot save?", "20 minutes"),
    # "what will X cost" asks for money too, not for the sentence that names X best
    ("What will weekly food waste collections cost Examplebury?", "£0.9m"),
])
def test_a_figure_question_is_answered_by_the_sentence_stating_the_figure(plan_home, question, figure):
    answer = ask(plan_home, question)
    assert answer["refused"] is False, answer["answer"]
    assert any(figure in c["quote"] for c in answer["citations"]), answer["citations"]


@pytest.mark.parametrize("question", [
    "How much does Examplebury pay for its Microsoft Copilot licences?",  # a pilot and staff, no cost
    "How much did Examplebury save in 2019/20?",  # figures for other years only
    "What is Examplebury's staff sickness absence rate?",  # absence is measured, no rate given
    "What is Examplebury's budget?",  # "our budget has fallen sharply", no figure
])
def test_refused_when_no_sentence_gives_the_figure_asked_for(plan_home, question):
    answer = ask(plan_home, question)
    assert answer["refused"] is True, answer["answer"]
    assert answer["citations"] == []


def test_a_figure_the_question_already_gives_does_not_answer_it(plan_home):
    # "since 2010" is in the question: the sentence only sharing it is no answer, the one with
    # the number of posts is (and "2010, Examplebury" is the year 2010, not "2010m"). "This has
    # meant the loss of 600 posts" refers back to it, so it is quoted with it, not on its own.
    answer = ask(plan_home, "How many staff has Examplebury lost since 2010?")
    quotes = [c["quote"] for c in answer["citations"]]
    assert any("600 posts" in q for q in quotes), answer["answer"]
    assert not any("kept every library open" in q and "600 posts" not in q for q in quotes), quotes


def test_a_year_followed_by_a_word_starting_with_m_is_not_millions():
    from assistant.generate.judge import figures

    assert figures("Since 2010, Manchester has held its nerve") == {"2010"}
    assert figures("savings of £4.6m, and 12 m more") == {"£4.6m", "12m"}


def test_a_two_part_question_asking_what_and_how_much_keeps_the_description(plan_home):
    # "What is X and how much…": the sentence saying what it is (with only a year in it) answers too
    answer = ask(plan_home, "What is Examplebury's webchat assistant and how much does it handle?")
    assert answer["refused"] is False, answer["answer"]
    assert any("Ask Sam" in c["quote"] for c in answer["citations"]), answer["citations"]



PORTAL = """# Examplebury Borough Council Productivity Plan 2024

## Digital services

Our customer portal lets residents report problems, pay bills and book services online. The
customer portal has cut telephone calls to the council by a fifth. The customer portal went live
in March 2023. Residents rate the customer portal 4.2 out of 5, and most of them use it on a phone.
"""


def test_a_when_question_is_answered_by_the_points_giving_a_time(tmp_path):
    # every sentence is about the portal; only the one with a date says when
    home = home_with_plan(tmp_path, PORTAL, "Examplebury Borough Council")
    answer = ask(home, "When did Examplebury's customer portal go live?")
    quotes = [c["quote"] for c in answer["citations"]]
    assert any("March 2023" in q for q in quotes), answer["answer"]
    assert all("March 2023" in q for q in quotes), quotes
