"""Words the stemmer would merge with another sense in this domain: "planning" (the
service) is not "plan" (the document); "wasteful" (spend) is not "waste" (bins); an "officer"
is not an "office"; "accountability" is not "take account of"."""

import pytest

from tests.conftest import ask_json, home_with_plan

PLAN = """# Wexbridge District Council Productivity Plan 2024

This plan was approved by Cabinet on 9 July 2024. It was planned to be published on our website
after the plan's submission to the Government.

## Our services

Our planning service now determines 92% of minor applications within eight weeks, after we
moved planning officers onto a single case management system.

Our waste and recycling crews use route-optimisation software, which removed one collection round.

## Buildings

We closed two of our three offices in 2023 and moved staff into the Civic Centre.

## Staffing

Our Business Intelligence Officer produces a monthly report on demand for each service, which managers
use to move staff between teams.

## Spending

We reduce wasteful spend by reviewing every contract over £25,000 before it is renewed.

## Funding

We ask the Government to take account of the fixed costs of small councils when it sets funding.

## Controls

Spending is kept accountable: every purchase over £5,000 is checked by the Procurement Team, and a Spending
Control Board chaired by the Chief Executive reviews all non-contractual spend over £10,000.
"""


@pytest.fixture(scope="module")
def plan_home(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("senses"), PLAN, "Wexbridge District Council")


def quotes(home, question):
    return [c["quote"] for c in ask_json(home, question)["citations"]]


def test_planning_the_service_is_not_the_plan_document(plan_home):
    cited = quotes(plan_home, "What does Wexbridge say about planning?")
    assert any("planning service" in q for q in cited), cited
    assert not any("approved by Cabinet" in q or "planned to be published" in q for q in cited), cited


def test_waste_collection_is_not_wasteful_spend(plan_home):
    cited = quotes(plan_home, "What does Wexbridge say about waste collection?")
    assert any("route-optimisation" in q for q in cited), cited
    assert not any("wasteful spend" in q for q in cited), cited


def test_an_officer_is_not_an_office(plan_home):
    cited = quotes(plan_home, "What does Wexbridge say about offices?")
    assert any("closed two of our three offices" in q for q in cited), cited
    assert not any("Business Intelligence Officer" in q for q in cited), cited


def test_accountability_is_not_taking_account_of(plan_home):
    cited = quotes(plan_home, "What does Wexbridge say about accountability?")
    assert any("Control Board" in q for q in cited), cited
    assert not any("take account of" in q for q in cited), cited


def test_a_word_in_its_own_sense_weighs_as_the_stem_the_index_holds(plan_home):
    from assistant.settings import load_settings
    from assistant.workspace import open_workspace

    workspace = open_workspace(load_settings(plan_home))
    lexical = workspace.index.lexical
    assert workspace.evidence.idf({"accountability", "officer", "spend"}) == \
        {"accountability": lexical.idf({"account"})["account"], "officer": lexical.idf({"offic"})["offic"],
         "spend": lexical.idf({"spend"})["spend"]}
