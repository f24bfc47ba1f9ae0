"""Tables of savings, as Markdown writes them and as the Word loader joins a table's cells:
each row is a point of its own, read under the table's header as a list item is read under
its lead-in, and never the whole table run together with its "|" and "---" marks
(assistant/text/blocks.py)."""

import pytest

from assistant.text.blocks import split_blocks
from tests.conftest import ask_json as ask, home_with_plan

PLAN = """# Farrowby Borough Council Productivity Plan 2024

## Savings

The table below sets out the savings delivered through our Medium Term Financial Strategy.

| Year | Savings delivered | Main sources |
|---|---|---|
| 2021/22 | £6.1m | Management restructure; shared legal service |
| 2022/23 | £7.4m | Leisure contract; procurement |
| 2023/24 | £5.2m | Agency reduction; office closure |

Total savings delivered since 2021/22 amount to £18.7m.
"""


def kinds_and_texts(text):
    return [(b.kind, text[b.start:b.end], b.lead_in) for b in split_blocks(text)]


def test_a_markdown_tables_rows_are_items_under_its_header():
    blocks = kinds_and_texts(PLAN.split("## Savings\n\n")[1])
    assert blocks[1] == ("header", "Year | Savings delivered | Main sources", "")
    rows = [b for b in blocks if b[0] == "item"]
    assert [r[1] for r in rows] == ["2021/22 | £6.1m | Management restructure; shared legal service",
                                    "2022/23 | £7.4m | Leisure contract; procurement",
                                    "2023/24 | £5.2m | Agency reduction; office closure"]
    assert all(r[2] == "Year | Savings delivered | Main sources" for r in rows)
    assert not any("---" in b[1] for b in blocks)
    assert blocks[-1] == ("para", "Total savings delivered since 2021/22 amount to £18.7m.", "")


def test_a_word_tables_rows_as_the_loader_joins_them_are_items_too():
    text = "Our savings by year:\n2021/22 | £6.1m | Management restructure\n2022/23 | £7.4m | Leisure contract\n"
    rows = [b for b in kinds_and_texts(text) if b[0] == "item"]
    assert [r[1] for r in rows] == ["2021/22 | £6.1m | Management restructure", "2022/23 | £7.4m | Leisure contract"]
    assert rows[0][2] == "Our savings by year:"


@pytest.mark.parametrize("prose", [
    "Our approach | what we did",  # one bar in a line of prose is not a table
    "Residents can pay online, by phone or at a library.",
])
def test_prose_is_not_a_table(prose):
    assert [b[0] for b in kinds_and_texts(prose)] == ["para"]


@pytest.fixture(scope="module")
def plan_home(tmp_path_factory):
    return home_with_plan(tmp_path_factory.mktemp("tables"), PLAN, "Farrowby Borough Council")


def test_an_answer_quotes_a_tables_rows_one_by_one_under_its_header(plan_home):
    answer = ask(plan_home, "What savings has Farrowby made each year?")
    assert answer["refused"] is False, answer["answer"]
    quotes = [c["quote"] for c in answer["citations"]]
    assert "2022/23 | £7.4m | Leisure contract; procurement" in quotes, answer["answer"]
    assert not any("---" in q or q.startswith("|") or q.count("|") > 2 for q in quotes), quotes
    assert "Year | Savings delivered | Main sources" in answer["answer"]  # the rows are read under it


def test_a_tables_row_is_content_where_a_sign_off_tables_row_is_not():
    from assistant.evidence.filters import is_boilerplate
    from assistant.models import Chunk
    from assistant.text.sentences import split_units

    def units(text):
        return split_units(Chunk(id="c", document_id="d", position=0, text=text, page=1))

    row = [u for u in units(PLAN.split("## Savings\n\n")[1]) if u.text.startswith("2022/23")][0]
    assert not is_boilerplate(row)
    sign_off = units("Report Author | Jane Doe | Head of Finance\n")[0]
    assert is_boilerplate(sign_off)
