""""What did X's Cabinet decide?": answered by what the minutes record as decided ("RESOLVED
that…", an item under "Resolved", "ORDERED that…"), whose words are rarely the question's;
the cut-off end of a saved page ("3) APPROVED the C") is never quoted."""

import pytest

from tests.conftest import add_plan, ask_json as ask

MINUTES = """Issue - meetings

Local Government Productivity Plan

Meeting: 08/07/2024 - Cabinet (Item 22)

Report of the Director of Finance

Purpose of report

The Minister wrote to all councils asking them to prepare a Productivity Plan. This report presents
a draft Productivity Plan for the Cabinet to consider.

Decision:

Resolved

(1)          That the Productivity Plan be approved for submission to the Government.

(2)          That the Chief Executive make any minor drafting changes before publication.

Minutes:

The Director of Finance introduced the report. Members discussed the cost of temporary
accommodation and the pressures on the children's services budget.
"""

ORDERED = """The Mayor and Executive - Wednesday 17th July, 2024

Productivity Plan

The Director of Finance submitted a report seeking approval of the council's productivity plan.
The report was considered urgent, as plans had to be submitted by 19 July 2024.

ORDERED that the proposed productivity plan, attached at Appendix 1 of the report, be agreed and
submitted to Government.

The Leader seconded the motion,
1) APPROVED the publication of the Productivity Plan on the Council's website;
2) APPROVED the C"""


NARRATIVE = """Review and Adoption of the Productivity Plan

The Leader introduced the report. Members raised the lack of fast broadband in rural areas and
the cost of home-to-school transport.

Following consideration of the officer report and discussion, the Executive agreed and adopted the
plan attached as Appendix A, prior to submission to the Government.
"""


@pytest.fixture(scope="module")
def minutes_home(tmp_path_factory):
    folder = tmp_path_factory.mktemp("decisions")
    home = folder / "home"
    add_plan(home, folder / "examplebury-cabinet.txt", MINUTES, "Examplebury Borough Council")
    add_plan(home, folder / "otherton-executive.txt", ORDERED, "Otherton Borough Council")
    add_plan(home, folder / "northam-executive.txt", NARRATIVE, "Northam District Council")
    return home


def test_a_decision_question_is_answered_by_what_was_resolved(minutes_home):
    answer = ask(minutes_home, "What did Examplebury's Cabinet decide?")
    assert answer["refused"] is False, answer["answer"]
    quotes = [c["quote"] for c in answer["citations"]]
    assert any("be approved for submission" in q for q in quotes), answer["answer"]
    assert not any("temporary accommodation" in q for q in quotes), quotes


def test_an_order_is_a_decision_and_a_cut_off_line_is_not_quoted(minutes_home):
    answer = ask(minutes_home, "What did Otherton decide?")
    quotes = [c["quote"] for c in answer["citations"]]
    assert any(q.startswith("ORDERED that") for q in quotes), answer["answer"]
    assert not any(q.rstrip().endswith("the C") for q in quotes), quotes


def test_two_councils_decisions_each_in_their_minutes_words(minutes_home):
    # Examplebury's minutes record a resolution; Northam's say in prose what was agreed
    answer = ask(minutes_home, "What did Examplebury and Northam decide?")
    quoted = {c["council"]: " ".join(q["quote"] for q in answer["citations"] if q["council"] == c["council"])
              for c in answer["citations"]}
    assert "be approved for submission" in quoted.get("Examplebury Borough Council", ""), answer["answer"]
    assert "agreed and adopted" in quoted.get("Northam District Council", ""), answer["answer"]
