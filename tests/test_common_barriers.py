""""Which barriers do most councils cite?" is a count over every council, which the barrier
tally of `compare` makes: the answer lists the barriers most councils cite, most cited first,
with how many councils cite each and councils' own words for it, cited."""

import re

import pytest

from tests.conftest import add_plan, ask_json as ask
from tests.openai_server import openai_server  # noqa: F401 - the fixture

PLANS = {
    "Examplebury Borough Council": """# Examplebury Borough Council Productivity Plan 2024

## Barriers the Government can help remove

Single-year settlements make it impossible to plan beyond the next budget. We ask the Government
for a settlement covering at least three years.

Competitive bidding for small pots of funding takes officer time away from delivery.
""",
    "Otherton District Council": """# Otherton District Council Productivity Plan 2024

## What we need from Government

One-year funding settlements stop us from investing in prevention: we need a multi-year
settlement. We cannot recruit planning officers at the salaries we can pay.
""",
    "Northam City Council": """# Northam City Council Productivity Plan 2024

## Barriers

Funding announced for one year at a time, in single-year settlements, prevents long-term
planning. Competitive bidding rounds cost us £200,000 in officer time last year.
""",
}


@pytest.fixture(scope="module")
def three_plans(tmp_path_factory):
    folder = tmp_path_factory.mktemp("common")
    home = folder / "home"
    for council, text in PLANS.items():
        add_plan(home, folder / (council.split()[0].lower() + ".md"), text, council)
    return home


@pytest.mark.parametrize("question", ["Which barriers do most councils cite?", "What are the most common barriers?"])
def test_the_most_cited_barriers_come_from_the_tally_most_cited_first(three_plans, question):
    answer = ask(three_plans, question)
    assert answer["refused"] is False, answer["answer"]
    counts = [int(n) for n in re.findall(r"^\*\*.+ \((\d+) councils", answer["answer"], re.MULTILINE)]
    assert counts and counts[0] == 3 and counts == sorted(counts, reverse=True), answer["answer"]
    assert "settlement" in answer["answer"].split("**")[1].lower(), answer["answer"]
    # every council citing the first barrier is quoted under it, in its own words
    first = answer["answer"].split("\n\n**")[1]
    assert all(council in first for council in PLANS), first
    assert all(c["quote"] in open(c["source"], encoding="utf-8").read() for c in answer["citations"])


def test_with_a_chat_model_the_count_is_still_the_tallys(three_plans, cli, openai_server):
    # a model asked to count councils from a dozen passages would guess; the tally counts all
    result = cli("ask", "Which barriers do most councils cite?", "--llm", "openai", "--json", home=three_plans,
                 env=openai_server.env)
    assert result.code == 0, result.stderr
    assert openai_server.chat_requests == []
    assert re.search(r"\(3 councils", result.json["answer"]), result.json["answer"]
