"""`assistant draft`: a council's Productivity Plan drafted theme by theme from its own
documents, peers' examples labelled as peers', every point cited, written to Markdown or
Word. Offline (extractive) on the shipped corpus and on a council made up here; with a
chat model through the real openai client against the scripted server on 127.0.0.1."""

import re
from pathlib import Path

import docx
import pytest

from assistant.ingest.loaders import load_file
from tests.conftest import make_docx, make_pdf, run_cli
from tests.openai_server import DUMMY_KEY, Reply, openai_server  # noqa: F401 - the fixture

REDDITCH = "Redditch Borough Council"
BLABY = "Blaby District Council"
THEME_HEADINGS = ["Theme 1: Transformation of services to make better use of resources", "Theme 2: Technology and data",
                  "Theme 3: Reducing wasteful spend", "Theme 4: Barriers the Government can help to reduce or remove"]


def sections(draft: dict) -> list[dict]:
    return [s for theme in draft["themes"] for s in theme["sections"]]


def section_for(draft: dict, question_id: str) -> dict:
    return next(s for s in sections(draft) if question_id in s["question_ids"])


def assert_quotes_verbatim(draft: dict) -> None:
    pages: dict[str, list] = {}
    for citation in draft["citations"]:
        if citation["source"] not in pages:
            pages[citation["source"]] = load_file(citation["source"]).pages
        assert citation["quote"] in pages[citation["source"]][citation["page"] - 1].text, citation


def assert_peers_labelled(draft: dict, council: str) -> None:
    """Every citation of a peer's document sits under a line naming that peer, after the
    no-evidence marker when the section has no evidence of the council's own."""
    for section in sections(draft):
        for citation in section["citations"]:
            if citation["council"] == council:
                continue
            line = next(line for line in section["text"].split("\n") if f"[{citation['n']}]" in line)
            before = section["text"][:section["text"].index(line)]
            assert citation["council"] in before.split("\n\n")[-1] + line, (citation, section["text"])
            if section["evidence"] != "own":
                assert f"No evidence found in {council}'s documents." in before


@pytest.fixture(scope="module")
def redditch(seeded_home_master, tmp_path_factory):
    """The whole plan for Redditch, offline, written to Word (and described in JSON)."""
    out = tmp_path_factory.mktemp("draft") / "plan.docx"
    result = run_cli("draft", "--council", "Redditch", "--theme", "all", "--out", out, "--json",
                     home=seeded_home_master)
    assert result.code == 0, result.stderr
    return result.json, out


# --- offline, on the shipped corpus ---------------------------------------------------------
def test_word_file_reads_back_with_the_four_themes_questions_and_sources(redditch):
    draft, out = redditch
    document = docx.Document(str(out))
    by_style: dict[str, list[str]] = {}
    for paragraph in document.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Title"] == ["Redditch Borough Council: Productivity Plan (draft)"]
    assert [h for h in by_style["Heading 1"] if h.startswith("Theme")] == THEME_HEADINGS
    assert {"Summary", "Sources"} <= set(by_style["Heading 1"])
    assert "1.2 How do you measure productivity in your organisation?" in by_style["Heading 2"]
    assert any(h.startswith("3.3 What do you spend on agency staff") for h in by_style["Heading 2"])
    # points are real bullets, nested under their lead-in, each with its numbered marker
    assert "Quarterly Finance and Performance Reporting to Executive, linked to strategic objectives. [" in \
        " ".join(by_style["List Bullet 2"])
    body = "\n".join(p.text for p in document.paragraphs)
    sources = body[body.index("\nSources\n"):]
    for citation in draft["citations"]:
        assert f"[{citation['n']}]" in body[:body.index("\nSources\n")]
        assert f"[{citation['n']}] {citation['title']} — {citation['council']}, p. {citation['page']}." in sources


def test_every_quote_is_verbatim_and_every_marker_is_numbered_in_order(redditch):
    draft, _ = redditch
    assert [c["n"] for c in draft["citations"]] == list(range(1, len(draft["citations"]) + 1))
    assert_quotes_verbatim(draft)
    for section in sections(draft):
        markers = [int(n) for n in re.findall(r"\[(\d+)\]", section["text"])]
        assert markers == [c["n"] for c in section["citations"]]


def test_theme_4_lists_redditch_barriers_with_citations(redditch):
    draft, _ = redditch
    theme4 = [s for s in sections(draft) if s["theme"] == 4]
    cited = {c["quote"]: c for s in theme4 for c in s["citations"]}
    for barrier in ("Recruitment difficult in some areas i.e.: ICT / Planning/ Housing.",
                    "Silo working with other local authorities and government bodies.",
                    "Reduce bureaucracy and some processes while still being compliant."):
        assert barrier in cited and cited[barrier]["council"] == REDDITCH
    assert all(s["evidence"] == "own" for s in theme4)


def test_own_sections_cite_only_the_council_and_peers_are_labelled(redditch):
    draft, _ = redditch
    for section in sections(draft):
        if section["evidence"] == "own":
            assert {c["council"] for c in section["citations"]} == {REDDITCH}
    assert_peers_labelled(draft, REDDITCH)


def test_a_question_the_documents_do_not_answer_is_marked_not_invented(redditch):
    draft, _ = redditch
    edi = section_for(draft, "3.5")  # Redditch's documents say nothing on EDI spend
    assert edi["evidence"] in ("peers", "none")
    assert "No evidence found in Redditch Borough Council's documents." in edi["text"]
    assert all(c["council"] != REDDITCH for c in edi["citations"])


def test_draft_is_an_edited_evidence_pack_not_a_dump(redditch):
    draft, _ = redditch
    text = "\n".join(s["text"] for s in sections(draft))
    # committee-report furniture and the plan's own paperwork are left out
    for boilerplate in ("Portfolio Holder", "H.mole@", "Cllr Splisbury", "RECOMMEND", "Wards Affected",
                        "forwarded to the Department of Levelling Up"):
        assert boilerplate not in text
    # each point is shown once, under one question
    quotes = [re.sub(r"\W+", " ", c["quote"]).lower() for c in draft["citations"]]
    assert len(quotes) == len(set(quotes))
    assert draft["words"] <= 2600  # about five pages at most, before the officer edits it


def test_summary_accounts_for_every_prompting_question_and_budgets_fill_the_plan(redditch):
    from assistant.guidance import load_guidance
    from assistant.settings import load_settings

    draft, _ = redditch
    questions = [q.id for q in load_guidance(load_settings(Path("unused")).guidance_path()).questions()]
    summary = draft["summary"]
    assert sorted(summary["own"] + summary["peers_only"] + summary["nothing"]) == sorted(questions)
    assert len(summary["own"]) >= 18  # Redditch's plan answers nearly every prompt
    assert "3.5" not in summary["own"]
    # with a model, each section's word budget adds up to a 3-4 page plan
    assert 1500 <= sum(s["word_budget"] for s in sections(draft)) <= 2200


def test_a_council_with_a_cover_report_only_gets_its_own_barrier_and_labelled_peers(cli, seeded_home):
    result = cli("draft", "--council", "blaby", "--theme", "4", "--json", home=seeded_home)
    assert result.code == 0, result.stderr
    draft = result.json
    assert draft["council"] == BLABY and [t["number"] for t in draft["themes"]] == [4]
    government = section_for(draft, "4.1")
    assert government["evidence"] == "own"
    assert any("single year settlements" in c["quote"] and c["council"] == BLABY for c in government["citations"])
    peers = [s for s in sections(draft) if s["evidence"] == "peers"]
    assert peers, "Blaby's report says nothing of its internal barriers: peers' examples fill in"
    assert "Peers' examples to consider — Redditch Borough Council:" in peers[0]["text"]
    assert_peers_labelled(draft, BLABY)
    assert_quotes_verbatim(draft)


def test_terminal_output_shows_the_draft_and_ends_with_the_summary(cli, seeded_home):
    result = cli("draft", "--council", "Redditch Borough Council", "--theme", "4", home=seeded_home)
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "Theme 4: Barriers the Government can help to reduce or remove" in out
    assert "Recruitment difficult in some areas" in out and "Sources" in out
    assert out.strip().splitlines()[-1].startswith("Summary: 3 question(s) with Redditch Borough Council's own")


# --- any council's documents ---------------------------------------------------------------
@pytest.fixture(scope="module")
def anytown(tmp_path_factory):
    """A council with only a corporate plan (Word) and committee minutes (PDF), and one peer."""
    folder = tmp_path_factory.mktemp("anytown")
    home = folder / "home"
    plan = make_docx(folder / "anytown-council-plan.docx", [
        ("h1", "Anytown Council Plan 2024-2028"),
        ("h2", "Our workforce"),
        ("p", "We reduced our spend on agency staff from £2.1m in 2022/23 to £1.4m in 2023/24 by recruiting "
              "permanent planners and social workers."),
        ("h2", "Working with partners"),
        ("p", "Since 2022 we have shared a management team and an ICT service with Bexford District Council, "
              "saving £450,000 a year."),
        ("h2", "Digital services"),
        ("p", "Our new customer portal lets residents report missed bins and pay council tax online, and 68% of "
              "transactions are now digital."),
    ], title="Anytown Council Plan 2024-2028")
    minutes = make_pdf(folder / "anytown-cabinet-minutes.pdf", [
        "Cabinet minutes, 10 July 2024\n"
        "Report Author: Jane Doe, jane.doe@anytown.gov.uk\n"
        "RESOLVED that the Productivity Plan be approved for submission to DLUHC by 19 July 2024.\n"
        "Members noted that single-year funding settlements and competitive bidding for small grants were the main "
        "barriers to longer-term planning, and asked the Government for multi-year settlements."])
    peer = folder / "bexford-productivity-plan.txt"
    peer.write_text("Bexford District Council Productivity Plan 2024\n\nReducing wasteful spend\n\n"
                    "We spend £38,000 a year on equality, diversity and inclusion training, and we judge its value "
                    "through our annual staff survey.\n", encoding="utf-8")
    for path, council, kind in ((plan, "Anytown Borough Council", "corporate-plan"),
                                (minutes, "Anytown Borough Council", "minutes"),
                                (peer, "Bexford District Council", "plan")):
        result = run_cli("ingest", path, "--council", council, "--kind", kind, "--json", home=home)
        assert result.code == 0, result.stderr
    out = folder / "anytown-draft.md"
    result = run_cli("draft", "--council", "Anytown", "--out", out, "--json", home=home)
    assert result.code == 0, result.stderr
    return result.json, out.read_text(encoding="utf-8")


def test_a_corporate_plan_and_minutes_give_a_sensible_draft(anytown):
    draft, _ = anytown
    assert draft["council"] == "Anytown Borough Council"
    agency = section_for(draft, "3.3")
    assert agency["evidence"] == "own" and "£1.4m in 2023/24" in agency["text"]
    barriers = section_for(draft, "4.1")
    assert barriers["evidence"] == "own"
    assert any("single-year funding settlements" in c["quote"] and c["kind"] == "minutes"
               for c in barriers["citations"])
    assert "68% of transactions are now digital" in "\n".join(s["text"] for s in sections(draft) if s["theme"] == 2)
    everything = "\n".join(s["text"] for s in sections(draft))
    assert "jane.doe@" not in everything and "RESOLVED" not in everything
    assert_quotes_verbatim(draft)


def test_a_peers_achievement_never_reads_as_the_councils_own(anytown):
    draft, _ = anytown
    edi = section_for(draft, "3.5")
    assert edi["evidence"] == "peers"
    assert edi["text"].startswith("**No evidence found in Anytown Borough Council's documents.**")
    assert "Peers' examples to consider — Bexford District Council:" in edi["text"]
    assert [c["council"] for c in edi["citations"]] == ["Bexford District Council"]
    assert "3.5" in draft["summary"]["peers_only"]
    assert_peers_labelled(draft, "Anytown Borough Council")


def test_markdown_file_has_the_outline_sources_and_summary(anytown):
    draft, markdown = anytown
    assert markdown.startswith("# Anytown Borough Council: Productivity Plan (draft)\n")
    for heading in THEME_HEADINGS:
        assert f"\n## {heading}\n" in markdown
    assert "\n### 3.3 What do you spend on agency staff and consultants" in markdown
    assert "\n## Summary\n" in markdown and "\n## Sources\n" in markdown
    first = draft["citations"][0]
    assert f"1. {first['title']} — Anytown Borough Council, p. {first['page']}." in markdown


# --- bad input ---------------------------------------------------------------------------
def test_unknown_council_exits_2_listing_the_known_ones(cli, seeded_home):
    result = cli("draft", "--council", "Leeds", home=seeded_home)
    assert result.code == 2
    assert "unknown council 'Leeds'" in result.stderr and "Redditch Borough Council" in result.stderr


@pytest.mark.parametrize("args, said", [
    (["--out", "plan.pdf"], ".docx"),
    (["--theme", "7"], "themes are 1, 2, 3, 4"),
    (["--theme", "three"], "--theme must be a theme number"),
    (["--out", "no-such-folder/plan.docx"], "does not exist"),
])
def test_bad_options_exit_2_and_write_nothing(cli, seeded_home, tmp_path, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)
    result = cli("draft", "--council", "Redditch", *args, home=seeded_home)
    assert result.code == 2 and said in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_empty_index_says_what_to_ingest(cli, home):
    result = cli("draft", "--council", "Redditch", home=home)
    assert result.code == 2 and "is empty" in result.stderr and "assistant ingest" in result.stderr


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    from assistant.errors import UserError
    from assistant.render.files import write_atomically

    target = tmp_path / "plan.md"
    target.write_text("the officer's edited draft", encoding="utf-8")

    def fails_half_way(temp: Path) -> None:
        temp.write_text("# half a dra", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(UserError, match="could not write"):
        write_atomically(target, fails_half_way)
    assert target.read_text(encoding="utf-8") == "the officer's edited draft"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.md"]


# --- with a chat model ---------------------------------------------------------------------
RECRUITMENT = "Recruitment difficult in some areas"
SETTLEMENTS = "single year settlements"


def drafting_model(request) -> str:
    """A model that writes the barriers section well, plus four faults the checks must catch:
    an invented claim, a peer's point not attributed to the peer, a wrong number, and one of
    the council's own points listed under a peer's name."""
    try:
        own = request.document_with(RECRUITMENT)
    except KeyError:
        return "The documents do not say."
    reply = (f"We find recruitment difficult in some areas, i.e. ICT, planning and housing [{own}]. "
             f"Silo working with other local authorities and government bodies holds us back [{own}]. "
             f"We abolished all agency staff in 2019 [{own}].\n")
    try:
        peer = request.document_with(SETTLEMENTS)
    except KeyError:
        return reply
    return reply + (f"Productivity is often stifled through the approach to funding through single year "
                    f"settlements [{peer}].\n\n"
                    f"Peers' examples to consider — Blaby District Council:\n"
                    f"- Productivity is often stifled through the approach to funding through single year "
                    f"settlements [{peer}].\n"
                    f"- Our budget is £90m [{len(request.documents()) + 3}].\n"
                    f"- Capacity / resources (both at the Council and in Worcestershire) [{own}].\n")


def llm_draft(home, server, *flags):
    result = run_cli("draft", "--council", "Redditch", "--theme", "4", "--llm", "openai", *flags, home=home,
                     env={**server.env, "ASSISTANT_MAX_RETRIES": "0"})
    assert DUMMY_KEY not in result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def model_draft(seeded_home_master, tmp_path_factory):
    """Theme 4 for Redditch written by the scripted model: (JSON, the Word file, the requests)."""
    from tests.openai_server import OpenAIServer

    out = tmp_path_factory.mktemp("model-draft") / "plan.docx"
    with OpenAIServer() as server:
        server.respond = drafting_model
        result = llm_draft(seeded_home_master, server, "--out", out, "--json")
        assert result.code == 0, result.stderr
        return result.json, out, server.chat_requests


def written_section(draft: dict) -> dict:
    return next(s for s in sections(draft) if "We find recruitment difficult" in s["text"])


def test_model_prose_is_checked_cited_and_peers_attributed(model_draft):
    draft, _, _ = model_draft
    assert draft["backend"] == "openai"
    barriers = written_section(draft)
    text = barriers["text"]
    assert "We find recruitment difficult in some areas, i.e. ICT, planning and housing [" in text
    assert "Peers' examples to consider — Blaby District Council:\n- Productivity is often stifled" in text
    # removed: the invented claim, the peer's point written as Redditch's own, the wrong number,
    # Redditch's own point under Blaby's name
    assert "abolished" not in text and "£90m" not in text and "Worcestershire" not in text
    assert text.count("single year settlements") == 1
    assert {"We abolished all agency staff in 2019.", "Our budget is £90m."} <= set(barriers["unsupported"])
    assert any("Worcestershire" in s for s in barriers["unsupported"])
    assert any(s.startswith("Productivity is often stifled") for s in barriers["unsupported"])
    assert {c["council"] for c in barriers["citations"]} == {REDDITCH, BLABY}
    assert_peers_labelled(draft, REDDITCH)
    assert_quotes_verbatim(draft)
    assert [c["n"] for c in draft["citations"]] == list(range(1, len(draft["citations"]) + 1))
    # a section the model could not write from its documents falls back to the cited evidence pack
    assert any(s["citations"] and s["text"].startswith("- ") for s in sections(draft) if s is not barriers)


def test_model_is_given_own_and_peers_evidence_apart_with_a_word_budget(model_draft):
    draft, _, requests = model_draft
    request = next(r for r in requests if RECRUITMENT in r.prompt)
    system, user = (m["content"] for m in request.body["messages"])
    assert "data, not instructions" in system and "never Redditch Borough Council's own" in system
    own, peers = user.split("<peers>")
    assert own.startswith('<own council="Redditch Borough Council">')
    assert set(re.findall(r'council="([^"]+)" kind', own)) == {REDDITCH}
    assert REDDITCH not in re.findall(r'council="([^"]+)" kind', peers)
    budget = int(re.search(r"in at most (\d+) words", user).group(1))
    assert budget == written_section(draft)["word_budget"] and 60 <= budget <= 400


def test_model_draft_writes_word_with_the_checked_prose(model_draft):
    _, out, _ = model_draft
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert THEME_HEADINGS[3] in paragraphs
    assert any(p.startswith("We find recruitment difficult in some areas") for p in paragraphs)
    assert not any("abolished" in p for p in paragraphs)


def test_server_failure_exits_3_and_writes_no_file(cli, seeded_home, openai_server, tmp_path):
    openai_server.respond = lambda request: Reply(status=500, error="model crashed")
    out = tmp_path / "plan.docx"
    result = llm_draft(seeded_home, openai_server, "--out", out)
    assert result.code == 3 and "server error (500)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_model_configured_exits_3_before_any_work(cli, seeded_home):
    result = cli("draft", "--council", "Redditch", "--llm", "openai", home=seeded_home)
    assert result.code == 3 and "OPENAI_API_KEY" in result.stderr
