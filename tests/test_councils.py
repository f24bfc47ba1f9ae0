"""Council names from the shipped register (mySociety, CC BY 4.0): names as officers write
them, in questions and for --council, against the councils an index really holds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from assistant import councils
from assistant.errors import UserError
from tests.conftest import require_shared

REPO = Path(__file__).resolve().parent.parent
DEV_MANIFEST = REPO.parent / "shared" / "dev-corpus" / "manifest.toml"

SHIPPED = [
    "Government (DLUHC)", "Redditch Borough Council", "Unnamed county council",
    "Sandwell Metropolitan Borough Council", "Blaby District Council",
]
DEV = [
    "Manchester City Council", "Wakefield Metropolitan District Council", "Wyre Forest District Council",
    "Pendle Borough Council", "Preston City Council", "West Oxfordshire District Council", "Gravesham Borough Council",
    "Middlesbrough Borough Council", "Somerset Council", "Darlington Borough Council", "Oxfordshire County Council",
    "London Borough of Havering", "Exeter City Council", "Cherwell District Council", "West Lindsey District Council",
    "Tonbridge and Malling Borough Council", "Melton Borough Council",
]
# Real councils whose names tripped the first new-user trial, spelt as their plans spell them.
REAL = [
    "Borough Council of King's Lynn and West Norfolk", "Bournemouth, Christchurch and Poole Council",
    "Durham County Council", "Devon County Council", "Wyre Borough Council", "City of York Council",
    "Reading Borough Council", "St Albans City and District Council", "Stoke-on-Trent City Council",
    "Royal Borough of Kensington and Chelsea", "Bath and North East Somerset Council", "City of Westminster",
]
FICTIONAL = ["Northmoor District Council", "Eastvale Borough Council", "Harwick Metropolitan Borough Council"]
KNOWN = SHIPPED + DEV + REAL + FICTIONAL

KINGS_LYNN, BCP = REAL[0], REAL[1]


def named(text: str, known: list[str] = KNOWN) -> list[str]:
    return councils.councils_in(text, known)


@pytest.mark.parametrize("text, council", [
    ("What did Redditch say about shared services?", "Redditch Borough Council"),
    ("redditch's approach to digital", "Redditch Borough Council"),
    ("What barriers did Redditch BC cite?", "Redditch Borough Council"),
    ("What did the Borough Council of Redditch ask for?", "Redditch Borough Council"),
    ("Sandwell MBC workforce plans", "Sandwell Metropolitan Borough Council"),
    ("How is Sandwell Council using data?", "Sandwell Metropolitan Borough Council"),
    ("What did Blaby DC say about leisure?", "Blaby District Council"),
    ("What did Bournemouth say about SEND?", BCP),
    ("What did Poole say about agency staff?", BCP),
    ("Bournemouth, Christchurch & Poole Council's savings", BCP),
    ("How is King's Lynn using AI?", KINGS_LYNN),
    ("How is Kings Lynn using AI?", KINGS_LYNN),
    ("How is King’s Lynn using AI?", KINGS_LYNN),
    ("King's Lynn & West Norfolk's barriers", KINGS_LYNN),
    ("What did Durham say about transport?", "Durham County Council"),
    ("County Durham's transformation programme", "Durham County Council"),
    ("Manchester's workforce strategy", "Manchester City Council"),
    ("What did Manchester City Council say about homelessness?", "Manchester City Council"),
    ("Tonbridge & Malling savings", "Tonbridge and Malling Borough Council"),
    ("Tonbridge and Malling BC on waste", "Tonbridge and Malling Borough Council"),
    ("What did Wakefield say?", "Wakefield Metropolitan District Council"),
    ("What did the City of Wakefield say?", "Wakefield Metropolitan District Council"),
    ("Wyre Forest's plan", "Wyre Forest District Council"),
    ("What did Wyre say?", "Wyre Borough Council"),
    ("Pendle's barriers", "Pendle Borough Council"),
    ("Preston City Council's approach", "Preston City Council"),
    ("West Oxfordshire DC and data", "West Oxfordshire District Council"),
    ("What did Middlesbrough Council say?", "Middlesbrough Borough Council"),
    ("What did Somerset say about reorganisation?", "Somerset Council"),
    ("What had Taunton Deane planned?", "Somerset Council"),  # a former council: its successor
    ("Somerset West and Taunton's savings", "Somerset Council"),
    ("Darlington BC's preventative work", "Darlington Borough Council"),
    ("What does Oxfordshire CC say?", "Oxfordshire County Council"),
    ("What did LB Havering say?", "London Borough of Havering"),
    ("What did Exeter say about housing?", "Exeter City Council"),
    ("West Lindsey's digital plans", "West Lindsey District Council"),
    ("What did York say?", "City of York Council"),
    ("What did Reading say?", "Reading Borough Council"),
    ("Reading's approach to procurement", "Reading Borough Council"),
    ("What did Saint Albans say?", "St Albans City and District Council"),
    ("St. Albans' plan", "St Albans City and District Council"),
    ("How is Stoke on Trent saving money?", "Stoke-on-Trent City Council"),
    ("the Royal Borough of Kensington & Chelsea's plan", "Royal Borough of Kensington and Chelsea"),
    ("What did Bath say?", "Bath and North East Somerset Council"),
    ("What did Westminster City Council say?", "City of Westminster"),
    ("What about Devon?", "Devon County Council"),
    ("Northmoor's barriers", "Northmoor District Council"),
    ("What did Northmoor DC say?", "Northmoor District Council"),
    ("Harwick MBC on recruitment", "Harwick Metropolitan Borough Council"),
    ("What does West Oxon say its plan is for?", "West Oxfordshire District Council"),  # county abbreviation
    ("What did Oxon CC say about data?", "Oxfordshire County Council"),
    ("How does W Lindsey measure productivity?", "West Lindsey District Council"),  # compass initial
    ("What did the county council say about roads?", "Unnamed county council"),
])
def test_names_as_officers_write_them(text, council):
    assert named(text) == [council]


@pytest.mark.parametrize("text, expected", [
    ("Compare how Redditch and Blaby approach transformation",
     ["Redditch Borough Council", "Blaby District Council"]),
    ("What did Blaby and Devon ask the Government for?", ["Blaby District Council", "Devon County Council"]),
    ("How do Bournemouth and Durham fund SEND?", [BCP, "Durham County Council"]),
    ("Redditch, Sandwell and Blaby on shared services",
     ["Redditch Borough Council", "Sandwell Metropolitan Borough Council", "Blaby District Council"]),
    ("Oxfordshire and West Oxfordshire on data", ["Oxfordshire County Council", "West Oxfordshire District Council"]),
    ("King's Lynn versus Northmoor", [KINGS_LYNN, "Northmoor District Council"]),
    ("Somerset and North Somerset", ["Somerset Council"]),  # North Somerset is another council, not indexed
])
def test_questions_naming_several_councils(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text, known", [
    ("What does Greater Manchester say?", KNOWN),
    ("Reading the plans, which councils mention AI?", KNOWN),
    ("Give me a reading list on productivity", KNOWN),
    ("How is New York using AI?", KNOWN),
    ("What did North Yorkshire say?", KNOWN),
    ("Wyre Forest's plan", ["Wyre Borough Council", "Blaby District Council"]),
    ("Bath and North East Somerset's barriers", ["Somerset Council"]),
    ("district councils in the West Midlands", KNOWN),
    ("Officers cannot take a bath in the budget", KNOWN),
    ("Funding decisions made in Westminster", KNOWN),
    ("What did Leeds say?", KNOWN),
    ("Manchester United's stadium", KNOWN),
    ("the county's roads", KNOWN),
    ("Down the line, costs rise", KNOWN + ["Newry, Mourne and Down District Council"]),
    ("What did Oxford say?", KNOWN),  # Oxford City Council is not Oxfordshire
    ("Hospital beds and bucks for staffs", KNOWN + ["Bedford Borough Council", "Buckinghamshire Council",
                                                    "Staffordshire County Council"]),  # ordinary words stay words
])
def test_no_false_hits(text, known):
    assert named(text, known) == []


def test_a_full_name_is_one_council_not_two():
    assert named("What did Devon County Council say?") == ["Devon County Council"]
    assert named("What did Wyre Forest District Council say?") == ["Wyre Forest District Council"]


def test_spans_cover_the_whole_naming_so_topic_words_remain():
    text = "Compare the Redditch Borough Council's and Blaby's plans on leisure"
    found = councils.find_in_text(text, KNOWN)
    assert [text[s:e] for _, (s, e) in found] == ["the Redditch Borough Council's", "Blaby's"]
    rest = text
    for _, (s, e) in reversed(found):
        rest = rest[:s] + rest[e:]
    assert rest.split() == ["Compare", "and", "plans", "on", "leisure"]


def test_documents_can_require_a_council_word():
    assert councils.councils_in("Redditch town centre works", KNOWN, short_names=False) == []
    assert councils.councils_in("Redditch Borough Council Productivity Plan", KNOWN, short_names=False) == [
        "Redditch Borough Council"]


@pytest.mark.parametrize("name, council", [
    ("Redditch", "Redditch Borough Council"), ("redditch", "Redditch Borough Council"),
    ("REDDITCH BOROUGH COUNCIL", "Redditch Borough Council"), ("Redditch BC", "Redditch Borough Council"),
    ("Blaby DC", "Blaby District Council"), ("Sandwell MBC", "Sandwell Metropolitan Borough Council"),
    ("Kings Lynn", KINGS_LYNN), ("Bournemouth", BCP), ("Durham", "Durham County Council"),
    ("Manchester", "Manchester City Council"), ("LB Havering", "London Borough of Havering"),
    ("Taunton Deane", "Somerset Council"), ("reading", "Reading Borough Council"),
    ("Tonbridge", "Tonbridge and Malling Borough Council"), ("Northmoor", "Northmoor District Council"),
    ("the county council", "Unnamed county council"), ("DLUHC", "Government (DLUHC)"),
])
def test_council_option_resolves_to_the_indexed_name(name, council):
    assert councils.canonical(name, KNOWN) == council


def test_council_option_refuses_other_and_ambiguous_councils():
    assert councils.canonical("Oxford", KNOWN) is None  # a real council the index does not hold
    assert councils.canonical("Leeds", KNOWN) is None
    assert councils.canonical("county", KNOWN) is None
    assert "Unnamed county council" in councils.candidates("county", KNOWN)


def test_a_real_councils_name_that_begins_an_indexed_ones_suggests_it():
    known = ["Pendle Borough Council", "Wyre Forest District Council", "Preston City Council"]
    with pytest.raises(UserError, match="Did you mean 'Wyre Forest District Council'.*Wyre Borough Council has no "
                                        "documents indexed"):
        councils.resolve("Wyre", known)


def test_a_question_naming_a_real_council_whose_name_begins_an_indexed_ones_is_refused(tmp_path):
    """"Wyre" is Wyre Borough Council, which has no documents here, although the indexed
    documents use the word (in "Wyre Forest"): refused, offering Wyre Forest. So is "Leeds",
    which a document mentions, when the question asks what Leeds said."""
    from tests.conftest import ask_json, home_with_plan

    home = home_with_plan(tmp_path, "# Wyre Forest District Council Productivity Plan 2024\n\nWe share our licensing "
                                    "and environmental health services with the other district councils in "
                                    "Worcestershire, through Worcestershire Regulatory Services, which has saved about "
                                    "half of their cost since 2010. Our bin collections follow a model first used by "
                                    "Leeds.\n", "Wyre Forest District Council")
    answer = ask_json(home, "What shared services does Wyre use?")
    assert answer["refused"] is True and answer["citations"] == [], answer["answer"]
    assert "No document of Wyre Borough Council" in answer["answer"]
    assert "Did you mean Wyre Forest District Council?" in answer["answer"]
    answer = ask_json(home, "What shared services does Wyre Forest use?")  # searched, in Wyre Forest's documents
    assert "Wyre Borough" not in answer["answer"] and "Wyre Forest District Council" in answer["answer"]
    # a real council the documents mention, asked about as the one that says something
    for question in ("What did Leeds say about bin collections?", "What is Leeds's plan for bin collections?"):
        answer = ask_json(home, question)
        assert answer["refused"] is True and "No document of Leeds City Council" in answer["answer"], answer["answer"]
    # a place the documents mention, qualifying the councils asked about: searched
    answer = ask_json(home, "How do Worcestershire districts share services?")
    assert "No document of" not in answer["answer"], answer["answer"]


def test_council_option_errors_say_what_to_do():
    with pytest.raises(UserError, match="Did you mean 'Redditch Borough Council'"):
        councils.resolve("Reditch", KNOWN)
    with pytest.raises(UserError, match='Leeds City Council has no documents indexed.*--council "Leeds City Council"'):
        councils.resolve("Leeds", KNOWN)
    with pytest.raises(UserError, match="matches several"):
        councils.resolve("county", KNOWN)
    assert councils.resolve("Kings Lynn", KNOWN) == KINGS_LYNN


def test_every_known_council_is_found_by_its_short_name():
    for council in KNOWN:
        assert named(f"What did {councils.short_name(council)} say?") == [council], council
    assert councils.short_name(KINGS_LYNN) == "King's Lynn and West Norfolk"
    assert councils.short_name("City of York Council") == "York"


@pytest.mark.parametrize("typo, council", [
    ("Reditch", "Redditch Borough Council"), ("Blabby", "Blaby District Council"),
    ("Manchster", "Manchester City Council"), ("Wakefeild", "Wakefield Metropolitan District Council"),
    ("Kings Linn", KINGS_LYNN), ("Bornemouth", BCP), ("Northmore", "Northmoor District Council"),
    ("Darlingtn", "Darlington Borough Council"), ("Havring", "London Borough of Havering"),
    ("Tonbrige", "Tonbridge and Malling Borough Council"), ("Dhurham", "Durham County Council"),
])
def test_typos_get_a_did_you_mean(typo, council):
    assert councils.canonical(typo, KNOWN) is None
    assert councils.suggest(typo, KNOWN)[0] == council


def test_no_suggestion_for_unrelated_names():
    assert councils.suggest("Leeds", KNOWN) == []
    assert councils.suggest("xyzzy", KNOWN) == []


def test_register_names_types_and_successors():
    reg = councils.register()
    assert len(reg.authorities) == 470
    assert councils.lookup("Bournemouth").code == "BPC"
    former = councils.lookup("Bournemouth Borough Council")
    assert (former.current, former.replaced_by) == (False, ("BPC",))
    assert {"Bournemouth Borough Council", "Borough of Poole"} <= set(reg.authorities["BPC"].former_names)
    assert "Bristol, City of" in reg.authorities["BST"].alt_names  # commas inside one alternative name
    types = {code: reg.authorities[code].type for code in ["RED", "SAW", "HAV", "DUR", "DEV", "CRF"]}
    assert types == {"RED": "district", "SAW": "metropolitan borough", "HAV": "London borough", "DUR": "unitary",
                     "DEV": "county", "CRF": "Welsh unitary"}


def test_describe_gives_compare_columns():
    d = councils.describe("Redditch Borough Council")
    assert (d["type"], d["region"], d["nation"]) == ("district", "West Midlands", "England")
    assert 80_000 < d["population"] < 90_000
    assert councils.describe("Northmoor District Council")["type"] is None


def test_district_councils_in_the_west_midlands():
    chosen = [c for c in KNOWN
              if councils.matches_filters(c, types=["district councils"], regions=["the West Midlands"])]
    assert chosen == ["Redditch Borough Council", "Wyre Forest District Council"]


@pytest.mark.parametrize("council, types, regions, expected", [
    ("Redditch Borough Council", ["districts"], ["west midlands"], True),
    ("Redditch Borough Council", ["NMD"], ["England"], True),
    ("Blaby District Council", ["district"], ["West Midlands"], False),
    ("Sandwell Metropolitan Borough Council", ["district"], [], False),
    ("Sandwell Metropolitan Borough Council", ["metropolitan boroughs"], ["Midlands"], True),
    ("Durham County Council", ["Unitaries"], ["north east"], True),
    ("London Borough of Havering", ["London boroughs"], ["London"], True),
    ("Northmoor District Council", ["district"], [], False),
    ("Northmoor District Council", [], [], True),
])
def test_type_and_region_filters(council, types, regions, expected):
    assert councils.matches_filters(council, types=types, regions=regions) is expected


def test_unknown_type_or_region_names_the_choices():
    with pytest.raises(UserError, match="Did you mean district"):
        councils.resolve_types(["distrct"])
    with pytest.raises(UserError, match="Did you mean West Midlands"):
        councils.resolve_regions(["West Midland"])


def test_dev_corpus_councils_and_types_agree_with_the_register():
    require_shared(DEV_MANIFEST)
    docs = tomllib.loads(DEV_MANIFEST.read_text())["document"]
    for doc in docs:
        assert councils.canonical(doc["council"], KNOWN) == doc["council"]
        assert councils.matches_filters(doc["council"], types=[doc["council_type"]]), doc["council"]


def test_data_ships_inside_the_package_with_its_attribution():
    assert councils.DATA_DIR.is_relative_to(Path(councils.__file__).resolve().parent.parent)
    readme = (councils.DATA_DIR / "README.md").read_text()
    assert "Contains data from mySociety's UK local authority names and codes, CC BY 4.0." in readme
    assert "67ef8b118938" in readme


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_does_not_load_the_register():
    out = run_python("""
        import runpy, sys
        sys.argv = ["assistant", "--help"]
        try:
            runpy.run_module("assistant", run_name="__main__")
        except SystemExit as exc:
            assert not exc.code, exc.code
        module = sys.modules.get("assistant.councils.register")
        print("RESULT", "LOADED" if module and module.register.cache_info().currsize else "NOT LOADED")
    """)
    assert "RESULT NOT LOADED" in out


def test_register_loads_quickly():
    out = run_python("""
        import time
        import assistant.councils as councils
        assert councils.register.cache_info().currsize == 0  # importing reads nothing
        start = time.perf_counter()
        councils.find_in_text("What did Redditch say?", ["Redditch Borough Council"])
        print(time.perf_counter() - start)
    """)
    # about 20 ms on an idle laptop; the bound leaves room for a busy CI machine
    assert float(out) < 0.5


def test_a_council_whose_name_ends_with_an_indexed_ones_is_not_that_council(tmp_path):
    """"North Somerset" is North Somerset Council, not the indexed Somerset Council."""
    from tests.conftest import ask_json, home_with_plan

    home = home_with_plan(tmp_path, "# Somerset Council Productivity Plan 2024\n\nSomerset shares a data team with "
                                    "North Somerset and uses one data platform for adult social care and housing, "
                                    "which has cut report preparation time by half.\n", "Somerset Council")
    answer = ask_json(home, "What did North Somerset say about data?")
    assert answer["refused"] is True and answer["citations"] == [], answer["answer"]
    assert "No document of North Somerset Council is in the index" in answer["answer"]
    answer = ask_json(home, "What did Somerset say about data?")
    assert "No document of" not in answer["answer"], answer["answer"]


def test_a_councils_initials_name_it_where_no_other_indexed_council_has_them():
    from assistant.councils.names import canonical, councils_in

    known = ["West Lindsey District Council", "Tonbridge and Malling Borough Council", "London Borough of Havering",
             "Blaby District Council", "Bromsgrove District Council", "Preston City Council"]
    assert councils_in("What does WLDC say about drainage boards?", known) == ["West Lindsey District Council"]
    assert councils_in("What did TMBC's cabinet decide?", known) == ["Tonbridge and Malling Borough Council"]
    assert councils_in("What has LBH done about temporary accommodation?", known) == ["London Borough of Havering"]
    # initials two indexed councils share (Blaby and Bromsgrove: BDC), a common acronym (the PCC is
    # the Police and Crime Commissioner), or lower case in running text: no council
    assert councils_in("What did BDC say?", known) == []
    assert councils_in("What does the PCC say about policing?", known) == []
    assert councils_in("the wldc team met", known) == []
    # typed as a --council value, any case
    assert canonical("wldc", known) == "West Lindsey District Council"


def test_a_question_naming_a_council_by_its_initials_is_answered_from_its_documents(cli, home, tmp_path):
    for name, council, text in [("wl.txt", "West Lindsey District Council", "Drainage board levies cost us £1.2m a year."),
                                ("ox.txt", "Oxfordshire County Council", "Drainage is managed with the districts.")]:
        (tmp_path / name).write_text(f"Productivity Plan\n\n{text}\n", encoding="utf-8")
        assert cli("ingest", tmp_path / name, "--council", council, home=home).code == 0
    answer = cli("ask", "What does WLDC say about drainage board levies?", "--json", home=home).json
    assert answer["refused"] is False, answer["answer"]
    assert {c["council"] for c in answer["citations"]} == {"West Lindsey District Council"}, answer["citations"]
