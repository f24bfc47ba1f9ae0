"""A question narrower than its theme ("...barriers from legacy systems?") is answered by what
it asks, not by everything the theme's evidence points describe; and an answer across councils
hears from several councils rather than filling up on one (assistant/evidence/points.py)."""

import pytest

from tests.conftest import add_plan, ask_json as ask, home_with_plan, run_cli

NORTHBY = """# Northby District Council Productivity Plan 2024

## Barriers

The barriers we ask the Government to help remove are:

- Procurement rules. Public procurement rules add cost and delay to small contracts, and a typical tender takes our officers about ninety days.
- Ring-fenced grants. We manage 58 separate grants from Government, each with its own bidding and monitoring returns.
- New burdens. New duties have come to us without full funding, most recently for food waste collections.

## Technology

Our main barrier from legacy systems is our housing management system, which dates from 2004 and cannot share data with our customer portal.

## Working with neighbours

Since 2018 we have run our revenues and benefits service with Eastwold Borough Council through the Wold Revenues Partnership. The partnership saves Northby £190,000 a year and has cut the time to process a new claim from 24 days to 11 days.

The council has also moved its contact centre into the library.
"""

SOUTHMERE = """# Southmere Borough Council Productivity Plan 2024

## Technology and data

Our revenues and benefits system is a legacy system twenty-two years old, and its supplier charges for every change to a letter.

Three legacy social care case systems hold records of the same residents in different formats.

Our legacy finance system cannot produce monthly budget reports without manual work in spreadsheets.

The legacy planning system's licence ends in 2026 and the market has only two suppliers.

Staff re-key data from the legacy waste system into the new customer portal by hand.

Our legacy telephony system cannot record calls for training.
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    folder = tmp_path_factory.mktemp("specific-questions")
    home = folder / "home"
    for name, text, council in (("northby.md", NORTHBY, "Northby District Council"),
                                ("southmere.md", SOUTHMERE, "Southmere Borough Council")):
        (folder / name).write_text(text, encoding="utf-8")
        result = run_cli("ingest", folder / name, "--council", council, "--kind", "plan", home=home)
        assert result.code == 0, result.stderr
    return home


def test_a_narrow_question_is_not_answered_by_other_points_of_its_theme(home):
    answer = ask(home, "What barriers do councils face from legacy systems?")
    assert answer["refused"] is False, answer["answer"]
    quotes = " ".join(c["quote"] for c in answer["citations"])
    assert "housing management system, which dates from 2004" in quotes, answer["answer"]
    # barriers, but not from legacy systems: the theme's evidence points ("new burdens without
    # funding", "regulation...") described them, the question did not
    for other in ("Procurement rules", "Ring-fenced grants", "New burdens"):
        assert other not in quotes, answer["answer"]


def test_an_answer_across_councils_takes_a_few_points_from_each():
    # six strong paragraphs of one council against one fair point of another: the answer
    # hears from both, and no more than the per-council share of the first
    from assistant.evidence.points import select_points
    from assistant.evidence.scoring import ScoredUnit
    from assistant.models import Chunk
    from assistant.settings import AnswerTuning
    from assistant.text.sentences import split_units

    scored = []
    for n, paragraph in enumerate(p for p in SOUTHMERE.split("\n\n") if not p.startswith("#")):
        chunk = Chunk(id=f"s{n}", document_id="southmere", position=n, text=paragraph, page=1,
                      council="Southmere Borough Council")
        scored += [ScoredUnit(u, 0.7, 0.6, 0.68 - 0.01 * n) for u in split_units(chunk)]
    northby = Chunk(id="n0", document_id="northby", position=0, text=NORTHBY.split("## Technology")[1].strip(),
                    page=1, council="Northby District Council")
    scored += [ScoredUnit(u, 0.65, 0.6, 0.62) for u in split_units(northby)]
    tuning = AnswerTuning()
    councils = [p.unit.chunk.council for p in select_points(scored, across=True, tuning=tuning)]
    assert councils.count("Southmere Borough Council") == tuning.max_per_council_across < 6
    assert "Northby District Council" in councils


ASHWOLD = """# Ashwold District Council Productivity Plan 2024

## Transforming our services

Our transformation programme has moved the council to a new operating model built around three hubs: place, people and resources.

We restructured our senior management into a new management structure of five directors in 2023.

Our revenues and benefits service is now shared with a neighbouring district, under one management team.

## Barriers

- Single-year funding settlements make it hard to plan beyond the next budget.
- Competitive bidding for small pots of funding takes officer time away from delivery.
"""


@pytest.fixture(scope="module")
def ashwold(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subtopic")
    home = home_with_plan(folder, ASHWOLD, "Ashwold District Council")
    # another council's plan speaks of its workforce, so the word itself is known to the index
    add_plan(home, folder / "other.md", "# Brindle Borough Council Productivity Plan 2024\n\n## Workforce\n\n"
             "Our workforce strategy has cut agency spend by a third since 2022.\n", "Brindle Borough Council")
    return home


def test_a_question_on_part_of_a_theme_the_plan_never_mentions_is_refused(ashwold):
    # "workforce" is one of theme 1's subjects; the plan's operating model, management
    # restructure and shared service are theme 1 too (its evidence points "restructure or new
    # management structure", "shared services…"), but say nothing of its workforce
    answer = ask(ashwold, "What did Ashwold say about its workforce?")
    assert answer["refused"] is True, answer["answer"]


def test_a_question_naming_a_theme_is_still_widened_to_the_whole_theme(ashwold):
    transformation = ask(ashwold, "What did Ashwold say about transformation?")
    assert transformation["refused"] is False, transformation["answer"]
    assert any("operating model" in c["quote"] for c in transformation["citations"]), transformation["answer"]
    # neither item says "barrier": the theme's evidence points ("funding settlements and
    # competitive bidding") find them
    barriers = ask(ashwold, "What barriers did Ashwold cite?")
    quotes = " ".join(c["quote"] for c in barriers["citations"])
    assert "Single-year funding settlements" in quotes and "Competitive bidding" in quotes, barriers["answer"]


def test_a_request_for_a_councils_plan_in_brief_gets_its_points_theme_by_theme(ashwold):
    for question in ("Summarise Ashwold's productivity plan", "What does Ashwold's plan say?",
                     "What is Ashwold's approach to productivity?", "What has Ashwold achieved?"):
        answer = ask(ashwold, question)
        assert answer["refused"] is False, (question, answer["answer"])
        quotes = " ".join(c["quote"] for c in answer["citations"])
        assert "operating model" in quotes or "management structure" in quotes, (question, answer["answer"])
        assert "Single-year funding settlements" in quotes or "Competitive bidding" in quotes, (question, answer["answer"])
        assert {c["council"] for c in answer["citations"]} == {"Ashwold District Council"}, answer["answer"]


MINUTES = """# Corbel District Council: Policy Committee minutes, 27 June 2024

## Item 9: Productivity Plan 2024

The Chief Executive presented the Productivity Plan. There was no template for it, other than the
questions in the letter and four themes relating to transformation, use of technology, plans to reduce
wasteful spend and the barriers preventing progress.

Members noted that the council's new customer portal had gone live in March and asked for a report on its use.

RESOLVED that the Productivity Plan be approved for submission.

## Appendix: the plan

This Productivity Plan outlines the activities we are undertaking to provide modern, value for money services and one of the lowest council tax rates in the county.

In preparing its productivity plan, the council has considered the following themes:

- Use of resources - transforming the way in which services are delivered and designed
- Technology and data - making better use of digital tools and data

Our contact centre closed its phone lines on Wednesday afternoons from April, after online forms took over most council tax queries.
"""


@pytest.fixture(scope="module")
def minutes(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("themes-named"), MINUTES, "Corbel District Council")


def test_a_sentence_naming_every_theme_is_the_requests_shape_not_the_councils_answer(minutes):
    answer = ask(minutes, "What is Corbel doing to reduce wasteful spend?")
    assert answer["refused"] is True, answer["answer"]
    # what the council did is still found
    portal = ask(minutes, "What did Corbel say about its customer portal?")
    assert any("customer portal had gone live" in c["quote"] for c in portal["citations"]), portal["answer"]


def test_the_plans_account_of_itself_and_its_list_of_the_themes_answer_nothing_else(minutes):
    digital = ask(minutes, "What does Corbel say about digital services?")
    quotes = " ".join(c["quote"] for c in digital["citations"])
    assert "making better use of digital tools" not in quotes and "Use of resources" not in quotes, digital["answer"]
    assert digital["refused"] is False, digital["answer"]  # the portal and the online forms are digital
    savings = ask(minutes, "What savings has Corbel made?")
    assert savings["refused"] is True, savings["answer"]
    # ...but it is the answer to what the plan is for
    aim = ask(minutes, "What does Corbel say its productivity plan is for?")
    assert any("value for money services" in c["quote"] for c in aim["citations"]), aim["answer"]


def test_a_point_that_refers_back_is_shown_with_the_sentence_it_refers_to(home):
    """"The partnership saves..." alone does not say which partnership: the sentence before
    it is quoted with it, verbatim, as one point."""
    answer = ask(home, "How much does Northby save from sharing its revenues service?")
    quotes = [c["quote"] for c in answer["citations"] if "£190,000" in c["quote"]]
    assert quotes and "Wold Revenues Partnership. The partnership saves Northby" in quotes[0], answer["answer"]
    answer = ask(home, "Where is Northby's contact centre?")
    assert any(c["quote"].startswith("The council has also moved") for c in answer["citations"]), answer["answer"]



@pytest.mark.parametrize("text, content", [
    ("MINUTES of a meeting of the Cabinet held at County Hall, Elmbury, on Tuesday 16 July 2024", False),
    ("Minutes of the Extraordinary Meeting of Full Council held on 18 July 2024", False),
    ("The minutes of the meeting of 4 June were agreed as a correct record.", True),
    ("Minutes of the meeting of the Executive on 2 July were approved as a correct record.", True),
])
def test_a_record_of_a_meeting_is_not_a_point_by_its_heading(text, content):
    """Committee minutes open with their heading, however long; it says when the meeting was,
    not what it decided ("What did the Cabinet resolve…?" had quoted it)."""
    from assistant.evidence.filters import is_non_content
    from assistant.models import Chunk
    from assistant.text.sentences import split_units

    chunk = Chunk(id="m-0", document_id="m", position=0, page=1, text=f"{text}\n\nThe Leader introduced the report.")
    first = split_units(chunk)[0]
    assert first.text == text and is_non_content(first) is not content


ASHWORTH = """# Ashworth Borough Council Productivity Plan 2024

## Our place

Ashworth is a borough of 131,000 people in the Calder valley, where the number of children has grown by 12% since 2011 and a quarter of residents are children.

## Children's services

Our Families Together service has cut the number of children in care from 412 to 355 since 2021 by working with families earlier.
"""


def test_a_plans_introduction_to_its_place_answers_only_a_question_about_the_place(seeded_copy, tmp_path):
    home = seeded_copy  # beside the shipped corpus: a one-plan index has no telling words
    (tmp_path / "ashworth.md").write_text(ASHWORTH, encoding="utf-8")
    result = run_cli("ingest", tmp_path / "ashworth.md", "--council", "Ashworth Borough Council", "--kind", "plan",
                     home=home)
    assert result.code == 0, result.stderr
    quotes = [c["quote"] for c in ask(home, "How has Ashworth reduced the number of children in care?")["citations"]]
    assert any("Families Together" in q for q in quotes), quotes
    assert not any("131,000 people" in q for q in quotes), quotes
    quotes = [c["quote"] for c in ask(home, "How many people live in Ashworth?")["citations"]]
    assert any("131,000 people" in q for q in quotes), quotes


COVER_NOTE = """# Tollbury Borough Council: Cabinet, 9 July 2024

## Productivity Plan

The plans were a requirement for all councils as part of the Government's 2024/25 Local Government Finance Settlement.

The report highlighted barriers that the council faced.

Appendix 1 set out the council's proposed response, which included reference to workforce, data and barriers to progress.

The Council's proposed Productivity Plan was appended to the covering report and outlined the barriers to progress and the role of the Improvement Board.

The report outlined that the council had cut its agency staff spend by 20% since 2022.

A further note highlighted the barriers to efficiency, such as short-term funding settlements and the cost of competitive bidding.

Our planning service cannot fill two of its five planner posts, and agency planners cost almost twice as much.
"""


@pytest.fixture(scope="module")
def cover_note(seeded_home_master, tmp_path_factory):
    """Beside the shipped corpus: in a one-document index no word weighs as it does in a real one."""
    import shutil

    folder = tmp_path_factory.mktemp("cover-note")
    home = folder / "home"
    shutil.copytree(seeded_home_master, home)
    (folder / "tollbury.md").write_text(COVER_NOTE, encoding="utf-8")
    result = run_cli("ingest", folder / "tollbury.md", "--council", "Tollbury Borough Council", "--kind", "report",
                     home=home)
    assert result.code == 0, result.stderr
    return home


def test_a_report_describing_a_document_or_the_governments_requirement_is_not_a_barrier(cover_note):
    answer = ask(cover_note, "What barriers does Tollbury face?")
    quotes = " ".join(c["quote"] for c in answer["citations"])
    # a description that names the barriers is kept; one that only says there were some is not
    assert "short-term funding settlements" in quotes, answer["answer"]
    for empty in ("The report highlighted barriers", "Appendix 1 set out", "a requirement for all councils",
                  "was appended to the covering report"):
        assert empty not in quotes, answer["answer"]
    # ...but each answers a question about the document itself
    outlined = ask(cover_note, "What did Tollbury's proposed plan outline?")
    assert any("was appended to the covering report" in c["quote"] for c in outlined["citations"]), outlined["answer"]
    # a report that "outlined that…" reports what happened: a point like any other
    agency = ask(cover_note, "How much has Tollbury cut its agency staff spend?")
    assert any("by 20%" in c["quote"] for c in agency["citations"]), agency["answer"]
    # ...and the requirement still answers a question about the request itself
    asked = ask(cover_note, "What did the Government require of councils?")
    assert any("requirement for all councils" in c["quote"] for c in asked["citations"]), asked["answer"]
