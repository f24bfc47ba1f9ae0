"""Chunks respect headings and lists, keep pages, are verbatim, and carry themes."""

from assistant.guidance import load_guidance
from assistant.ingest.chunking import TARGET_CHARS, chunk_document, chunk_pages
from assistant.text.blocks import split_blocks
from assistant.models import Document, Page
from assistant.resources import corpus_dir

GUIDANCE = load_guidance(corpus_dir() / "guidance" / "productivity-plans-2024.toml")

PLAN = """Anytown Productivity Plan

1. How have you transformed the way you design and deliver services?

We share a chief executive and management team with Otherton District Council.

We measure productivity through:

- Quarterly performance reports to Cabinet.
- Benchmarking against similar councils.

4. The barriers preventing progress that the Government can help to reduce or remove.

Examples of barriers are:

- Single-year funding settlements.
- Competitive bidding for small grants.
"""


def _doc(**kw):
    return Document(id="d" * 16, source="/tmp/plan.txt", pages=1, title="Anytown plan", council="Anytown Council",
                    kind="plan", **kw)


def test_headings_lists_and_lead_ins_are_recognised():
    blocks = split_blocks(PLAN)
    headings = [PLAN[b.start:b.end] for b in blocks if b.kind == "heading"]
    assert headings[1].startswith("1. How have you transformed")
    assert headings[2].startswith("4. The barriers preventing progress")
    items = [b for b in blocks if b.kind == "item"]
    assert [PLAN[b.start:b.end] for b in items][-1] == "- Competitive bidding for small grants."
    assert items[0].lead_in == "We measure productivity through:"
    assert items[-1].lead_in == "Examples of barriers are:"


def test_a_numbered_list_after_a_lead_in_is_a_list_not_headings():
    text = "Plans should address the following four themes:\n1. How you have transformed services.\n2. Your plans to reduce waste.\n"
    kinds = [b.kind for b in split_blocks(text)]
    assert kinds == ["para", "item", "item"]


def test_chunks_are_verbatim_slices_with_sections_pages_and_themes():
    pages = [Page(number=1, text=PLAN), Page(number=2, text="Agency staff spend fell by a third after our review.")]
    chunks = chunk_document(_doc(), pages, GUIDANCE)
    for chunk in chunks:
        assert chunk.text in pages[chunk.page - 1].text
    barrier_chunk = next(c for c in chunks if "Single-year funding" in c.text)
    assert barrier_chunk.section.startswith("4. The barriers preventing progress")
    assert 4 in barrier_chunk.themes
    # the heading carries over to the next page's chunk
    assert chunks[-1].page == 2 and chunks[-1].section.startswith("4. The barriers")
    assert len({c.id for c in chunks}) == len(chunks)


def test_long_text_is_split_near_the_target_size():
    sentence = "The council reviewed every contract and renegotiated the largest ones to save money. "
    chunks = chunk_document(_doc(), [Page(number=1, text=sentence * 40)], GUIDANCE)
    assert len(chunks) > 3
    assert all(len(c.text) <= TARGET_CHARS * 1.5 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == (sentence * 40).replace(" ", "")


def test_a_long_pdf_paragraph_is_cut_between_sentences_not_at_its_line_wraps():
    # a PDF wraps lines anywhere: "...competitive bidding for" / "funding is costly..."
    sentences = [f"Barrier {n} is that competitive bidding for small pots of funding is costly and uncertain, and "
                 f"our bid number {n} took officers {n * 3} weeks to prepare." for n in range(1, 13)]
    words, lines, line = " ".join(sentences).split(), [], []
    for word in words:
        line.append(word)
        if len(" ".join(line)) > 70:
            lines.append(" ".join(line))
            line = []
    text = "\n".join(lines + [" ".join(line)]) + "\n"
    chunks = chunk_document(_doc(), [Page(number=1, text=text)], GUIDANCE)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text.rstrip().endswith("prepare."), chunk.text[-60:]
        assert chunk.text.lstrip().startswith("Barrier "), chunk.text[:60]


def test_chunk_ids_are_stable():
    pages = [Page(number=1, text=PLAN)]
    assert [c.id for c in chunk_document(_doc(), pages, GUIDANCE)] == [c.id for c in chunk_document(_doc(), pages, GUIDANCE)]


# --- numbered paragraphs, wrapped and run-in headings (issue 15 item 2, issue 12 class 3) ---
MINUTES = """Cabinet minutes, 16 July 2024

1. Apologies for absence were received from Councillor Khan.

2. Members noted that agency spend had fallen by 12 percent.

3. Sickness absence down to 8.1 days per employee this year.

4. The Cabinet agreed the Productivity Plan for submission.
"""


def _texts(chunks):
    return "\n".join(c.text for c in chunks)


def test_numbered_one_sentence_paragraphs_are_indexed_and_quotable():
    from assistant.text.sentences import split_units

    chunked = chunk_pages(_doc(), [Page(number=1, text=MINUTES)], GUIDANCE)
    for line in MINUTES.splitlines()[2:]:
        if line:
            assert line in _texts(chunked.chunks)
    quotes = [u.text for c in chunked.chunks for u in split_units(c)]
    assert "Members noted that agency spend had fallen by 12 percent." in quotes
    assert "Sickness absence down to 8.1 days per employee this year." in quotes
    assert chunked.coverage >= 0.95


def test_numbered_sentences_among_other_text_are_kept():
    text = ("Productivity Plan 2024\n\nWe have reviewed every contract over £100,000 since 2022.\n\n"
            "3. Members noted that agency spend had fallen by 12 percent.\n\n"
            "Housing repairs moved to one system in 2023, which residents can use online.\n")
    blocks = split_blocks(text)
    noted = next(b for b in blocks if "Members noted" in text[b.start:b.end])
    assert noted.kind != "heading"
    chunks = chunk_document(_doc(), [Page(number=1, text=text)], GUIDANCE)
    assert "3. Members noted that agency spend had fallen by 12 percent." in _texts(chunks)


def test_numbered_titles_stay_headings():
    text = ("2. How you plan to take advantage of technology and make better use of data.\n\n"
            "We replaced our finance system in 2023.\n\n"
            "4. The barriers preventing progress that the Government can help to reduce or remove.\n\n"
            "Single-year settlements make planning hard for every council.\n\n"
            "5. Reducing wasteful spend\n\nWe stopped renting storage for paper records.\n")
    headings = [text[b.start:b.end] for b in split_blocks(text) if b.kind == "heading"]
    assert [h[:2] for h in headings] == ["2.", "4.", "5."]


def test_a_pdf_heading_wrapped_over_two_lines_is_one_heading():
    text = ("Our plan answers the Minister's four questions.\n"
            "2. How we will use technology and\n"
            "data to improve services\n"
            "We moved to Microsoft 365 in March 2023, which let us close our data centre.\n")
    blocks = split_blocks(text)
    heading = next(b for b in blocks if b.kind == "heading")
    assert text[heading.start:heading.end] == "2. How we will use technology and\ndata to improve services"
    chunks = chunk_document(_doc(), [Page(number=1, text=text)], GUIDANCE)
    body = next(c for c in chunks if "Microsoft 365" in c.text)
    assert body.section == "2. How we will use technology and data to improve services"
    assert body.text.startswith("We moved to Microsoft 365")


def test_a_wrapped_heading_from_a_real_pdf(tmp_path):
    from assistant.ingest.loaders import load_file
    from tests.conftest import make_pdf

    heading = ("2. How you plan to take advantage of technology and make better use of data to improve "
               "decision making, service design and use of resources")
    pdf = make_pdf(tmp_path / "plan.pdf", ["Anytown Council Productivity Plan\n" + heading +
                                           "\nWe replaced our 19-year-old finance system with a cloud system in 2023."])
    page = load_file(pdf).pages[0]
    assert "resources" in page.text.split("\n")[2]  # the PDF did wrap the heading
    chunks = chunk_document(_doc(), [page], GUIDANCE)
    body = next(c for c in chunks if "finance system" in c.text)
    assert body.section == heading
    assert 2 in body.themes  # the theme comes from the whole heading


def test_a_heading_run_into_its_paragraph_is_split():
    text = "Our approach The council has moved housing repairs online. Tenants book and track repairs there.\n"
    blocks = split_blocks(text)
    assert [(b.kind, text[b.start:b.end]) for b in blocks] == [
        ("heading", "Our approach"),
        ("para", "The council has moved housing repairs online. Tenants book and track repairs there.")]
    chunk, = chunk_document(_doc(), [Page(number=1, text=text)], GUIDANCE)
    assert chunk.section == "Our approach" and chunk.text.startswith("The council has")


def test_sentences_with_capitals_inside_are_not_split():
    for text in ["The plan was approved by The Council on 2 July 2024 after a long debate.\n",
                 "Investing In the future of our towns is what the plan is about, and it shows.\n",
                 "Harrowfield Forward The Programme delivered savings of £1.65m in three years.\n",
                 "In 2022 we launched a programme. The council has saved £1.65m since then.\n"]:
        assert [b.kind for b in split_blocks(text)] == ["para"], text


def test_a_numbered_list_after_a_lead_in_and_a_blank_line_is_a_list():
    text = ("The plan must consider:\n\n  1. How the council has transformed the way it designs services\n"
            "  2. How the council plans to take advantage of technology\n\nThis plan sets out what we do.\n")
    assert [b.kind for b in split_blocks(text)] == ["para", "item", "item", "para"]


def test_a_statement_in_title_case_is_a_paragraph():
    text = "Cabinet\n\nThis is not a Key Decision and is on the Forward Plan\n\nWhat Government Could Do\n\nFund us.\n"
    kinds = {text[b.start:b.end]: b.kind for b in split_blocks(text)}
    assert kinds["This is not a Key Decision and is on the Forward Plan"] == "para"
    assert kinds["What Government Could Do"] == "heading"


def test_a_cover_sheet_of_headings_is_kept_as_headings():
    text = ("Blaby District Council\n\nCabinet Executive\n\nDate of Meeting 24 June 2024\n\n"
            "Report Author Chief Executive\n\n1. What is this report about?\n\n"
            "1.1 The purpose of this report is to approve the productivity plan submission.\n")
    chunked = chunk_pages(_doc(), [Page(number=1, text=text)], GUIDANCE)
    chunk, = chunked.chunks
    assert chunk.section == "1. What is this report about?"
    assert chunked.coverage == 1.0 and chunked.lost == []  # headings, not sentences: nothing lost


def test_coverage_counts_sentences_read_as_headings_as_lost():
    # each "heading" has a body, so the splitter keeps them headings: a sentence nobody can quote
    text = "".join(f"{n}. Agency spend down by a third on the year before in service {n}.\nNoted.\n\n"
                   for n in range(1, 5))
    chunked = chunk_pages(_doc(), [Page(number=1, text=text)], GUIDANCE)
    assert chunked.coverage < 0.3
    assert chunked.lost[0] == (1, "1. Agency spend down by a third on the year before in service 1.")


def test_every_shipped_and_development_document_is_fully_indexed():
    """Loaded vs indexed text for every document we know of: the shipped corpus, the
    development corpus (../shared, when present) and the fictional plans in eval/plans."""
    import tomllib

    from assistant.ingest.loaders import load_file
    from tests.conftest import REPO

    manifests = [REPO / "corpus" / "manifest.toml", REPO / "eval" / "plans" / "manifest.toml",
                 REPO.parent / "shared" / "dev-corpus" / "manifest.toml"]
    low = {}
    checked = 0
    for manifest in (m for m in manifests if m.exists()):
        for entry in tomllib.loads(manifest.read_text())["document"]:
            path = manifest.parent / entry["path"]
            chunked = chunk_pages(_doc(), load_file(path).pages, GUIDANCE)
            checked += 1
            if chunked.coverage < 0.95:
                low[path.name] = round(chunked.coverage, 3)
    assert checked >= 33 and not low


def test_the_letters_question_as_an_unpunctuated_heading_on_a_line_of_its_own():
    """Web pages flattened to one line per paragraph: the theme's question, without its "?",
    is the section heading, not the opening of the paragraph under it."""
    text = ("This plan responds to the Government's request of April 2024.\n"
            "How we have transformed the way we design and deliver services to make better use of resources\n"
            "Since 2015 we have shared a management team with our neighbour, saving £400,000 a year.\n"
            "- Revenues and benefits moved online in 2021.\n")
    blocks = split_blocks(text)
    assert [b.kind for b in blocks] == ["para", "heading", "para", "item"]
    chunks = chunk_document(_doc(), [Page(number=1, text=text)], GUIDANCE)
    shared = next(c for c in chunks if "shared a management team" in c.text)
    assert shared.section.startswith("How we have transformed") and 1 in shared.themes
    assert not shared.text.startswith("How we have")
    # a line that breaks a sentence is not one, nor a question-worded sentence that ends
    for text in ["We explained to members\nHow the savings were made is set out in Appendix B.\n",
                 "How we did this matters to the\nCouncil and to residents, who asked for it.\n",
                 "How we will measure the effects of these changes is set out below.\nThe first measure is cost.\n"]:
        assert "heading" not in [b.kind for b in split_blocks(text)], text
